"""The public page /p/<slug>/: anyone submits without logging in and gets a receipt code; a
closed page is a friendly 404; CSRF, size limits, a honeypot and rate limits keep abuse out;
the office opens and closes it from the campaign home."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import translation

from rectify.audit.models import ActivityLog
from rectify.campaigns.models import Campaign
from rectify.feedback.choices import Channel
from rectify.feedback.models import TEXT_MAX_LENGTH, FeedbackItem
from rectify.feedback.public import codes, limits, services
from rectify.orgs.models import Region
from tests.factories import make_campaign
from tests.helpers import texts

NOW = dt.datetime(2026, 11, 16, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
PAGE = "/p/world/"


@pytest.fixture(autouse=True)
def _fresh_rate_limits(db):
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def opened(world):
    services.set_public_intake(world.campaign, actor=world.office, enabled=True)
    world.campaign.refresh_from_db()
    return world


def form(**fields):
    return {"kind": "problem", "text": "社区养老服务站长期无人值守", "region": "", **fields}


def limited_message(template, response) -> str:
    """The rate-limit message as the page shows it by default (zh-Hans), for this answer."""
    minutes = -(-int(response["Retry-After"]) // 60)
    exc = limits.RateLimited(template, retry_after=1, params={"minutes": minutes})
    return exc.render("zh-hans")


# --- reaching the page -----------------------------------------------------------------------


@pytest.mark.django_db
def test_it_is_reachable_without_login(client, opened):
    response = client.get(PAGE)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="public-form"' in html
    assert 'data-testid="public-explanation"' in html
    assert "csrfmiddlewaretoken" in html
    # a public layout: no staff navbar, no link into the ledger
    assert "navbar-rectify" not in html
    assert reverse("login") not in html
    assert "/c/world/" not in html


@pytest.mark.django_db
def test_it_offers_the_32_regions(client, opened):
    html = client.get(PAGE).content.decode()
    assert Region.objects.filter(level="province").count() == 32
    assert len(re.findall(r'<option value="\d+"', html)) == 32


@pytest.mark.django_db
def test_a_closed_page_is_a_friendly_404(client, world):
    assert not world.campaign.public_intake_enabled
    response = client.get(PAGE)
    assert response.status_code == 404
    assert 'data-testid="public-closed"' in response.content.decode()
    response = client.post(PAGE, form())
    assert response.status_code == 404
    assert not FeedbackItem.objects.filter(channel=Channel.PUBLIC_PAGE).exists()


def _page_body(response) -> str:
    """The page without what differs on every request: the CSRF token and the page's own path."""
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())
    return html.replace(response.wsgi_request.path, "PATH")


@pytest.mark.django_db
def test_an_unknown_campaign_looks_exactly_like_a_closed_one(client, world):
    closed = client.get(PAGE)
    unknown = client.get("/p/no-such-campaign/")
    assert unknown.status_code == closed.status_code == 404
    assert _page_body(unknown) == _page_body(closed)
    assert "测试专项工作" not in closed.content.decode()


# --- submitting ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_submission_is_stored_as_received_and_answered_with_its_code(
    client, opened, time_machine
):
    time_machine.move_to(NOW, tick=False)
    text = "  社区养老服务站\r\n长期无人值守，  老人无处就餐。 "
    region = Region.objects.get(code="110000")
    response = client.post(
        PAGE,
        form(
            text=text, kind="suggestion", region=region.pk, name=" 王某 ", contact="138 0000 0000"
        ),
        REMOTE_ADDR="203.0.113.9",
    )
    assert response.status_code == 302
    item = FeedbackItem.objects.get(channel=Channel.PUBLIC_PAGE)
    assert item.text == text  # not even stripped
    assert item.kind == "suggestion"
    assert item.region == region
    assert item.submitter_name == "王某"
    assert item.submitter_contact == "138 0000 0000"
    assert item.received_at == NOW
    assert item.created_by is None
    assert item.campaign == opened.campaign
    assert response["Location"].startswith(f"/p/world/status/{item.receipt_code}/?new=")

    page = client.get(response["Location"])
    html = page.content.decode()
    assert page.status_code == 200
    assert codes.format_code(item.receipt_code) in html
    assert 'data-testid="submitted"' in html
    assert "http://testserver/p/world/status/" in html  # where to check it later
    assert page["Cache-Control"].startswith("max-age=0") or "no-store" in page["Cache-Control"]
    assert page["Referrer-Policy"] == "no-referrer"


@pytest.mark.django_db
def test_the_submission_is_in_the_activity_log_without_an_actor(client, opened):
    client.post(PAGE, form(), REMOTE_ADDR="203.0.113.9")
    item = FeedbackItem.objects.get(channel=Channel.PUBLIC_PAGE)
    entry = ActivityLog.objects.get(
        target_type=ContentType.objects.get_for_model(FeedbackItem), target_id=item.pk
    )
    assert entry.action == "feedback.create"
    assert entry.actor is None
    assert entry.campaign == opened.campaign
    assert entry.after["channel"] == Channel.PUBLIC_PAGE
    # the source is a keyed hash: the same address gives the same tag, the address is not kept
    assert entry.after["source"] == services.address_tag("203.0.113.9")
    assert "203.0.113.9" not in str(entry.after)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("text", "message", "params"),
    [
        ("", "Please write what you want to tell us.", {}),
        (
            "  短文  \n ",
            "Please write at least %(min)s characters, so the office can follow it up.",
            {"min": 5},
        ),
        (
            "长" * (TEXT_MAX_LENGTH + 1),
            "Please keep it within %(limit_value)s characters (you wrote %(show_value)s).",
            {"limit_value": TEXT_MAX_LENGTH, "show_value": TEXT_MAX_LENGTH + 1},
        ),
    ],
)
def test_the_text_must_have_a_sensible_length(client, opened, text, message, params):
    response = client.post(PAGE, form(text=text))
    assert response.status_code == 400
    with translation.override("zh-hans"):
        expected = translation.gettext(message) % params
    assert texts(response, "text-error") == [expected]
    assert not FeedbackItem.objects.filter(channel=Channel.PUBLIC_PAGE).exists()


@pytest.mark.django_db
def test_the_longest_text_allowed_is_accepted(client, opened):
    response = client.post(PAGE, form(text="长" * TEXT_MAX_LENGTH))
    assert response.status_code == 302
    assert len(FeedbackItem.objects.get(channel=Channel.PUBLIC_PAGE).text) == TEXT_MAX_LENGTH


@pytest.mark.django_db
@pytest.mark.parametrize(
    "fields",
    [
        {"contact": "1" * 101},
        {"name": "名" * 51},
        {"kind": "complaint"},
        {"region": "999999"},
    ],
)
def test_other_fields_are_checked(client, opened, fields):
    response = client.post(PAGE, form(**fields))
    assert response.status_code == 400
    assert not FeedbackItem.objects.filter(channel=Channel.PUBLIC_PAGE).exists()


@pytest.mark.django_db
def test_a_filled_honeypot_is_refused(client, opened):
    response = client.post(PAGE, form(website="http://spam.example"))
    assert response.status_code == 400
    assert not FeedbackItem.objects.filter(channel=Channel.PUBLIC_PAGE).exists()


@pytest.mark.django_db
def test_csrf_is_enforced(opened):
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(PAGE, form())
    assert response.status_code == 403
    assert not FeedbackItem.objects.filter(channel=Channel.PUBLIC_PAGE).exists()

    strict.get(PAGE)  # sets the CSRF cookie, as a browser showing the form would
    token = strict.cookies["csrftoken"].value
    response = strict.post(PAGE, form(csrfmiddlewaretoken=token))
    assert response.status_code == 302
    assert FeedbackItem.objects.filter(channel=Channel.PUBLIC_PAGE).count() == 1


@pytest.mark.django_db
def test_an_oversized_body_is_refused_before_it_is_read(opened):
    strict = Client(enforce_csrf_checks=True)
    # 3 bytes a character in the test client's multipart body: more than any text accepted
    response = strict.post(PAGE, form(text="长" * (services.MAX_BODY_BYTES // 3 + 1)))
    assert response.status_code == 413  # not 403: the size is checked first
    assert 'data-testid="too-large"' in response.content.decode()
    assert not FeedbackItem.objects.filter(channel=Channel.PUBLIC_PAGE).exists()


@pytest.mark.django_db
def test_only_get_and_post_are_answered(client, opened):
    assert client.put(PAGE).status_code == 405
    assert client.delete(PAGE).status_code == 405


# --- rate limits -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_submissions_are_limited_per_address(client, opened, settings):
    settings.PUBLIC_RATE_LIMITS = {"submit_per_address": "2/10m"}
    for _ in range(2):
        assert client.post(PAGE, form(), REMOTE_ADDR="198.51.100.7").status_code == 302
    response = client.post(PAGE, form(), REMOTE_ADDR="198.51.100.7")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert limited_message(limits.SUBMIT_TOO_OFTEN, response) in response.content.decode()
    # another address is not affected
    assert client.post(PAGE, form(), REMOTE_ADDR="198.51.100.8").status_code == 302
    assert FeedbackItem.objects.filter(channel=Channel.PUBLIC_PAGE).count() == 3


@pytest.mark.django_db
def test_the_window_passes(client, opened, settings, time_machine):
    settings.PUBLIC_RATE_LIMITS = {"submit_per_address": "1/10m"}
    time_machine.move_to(NOW, tick=False)
    assert client.post(PAGE, form(), REMOTE_ADDR="198.51.100.7").status_code == 302
    assert client.post(PAGE, form(), REMOTE_ADDR="198.51.100.7").status_code == 429
    time_machine.move_to(NOW + dt.timedelta(minutes=11), tick=False)
    assert client.post(PAGE, form(), REMOTE_ADDR="198.51.100.7").status_code == 302


@pytest.mark.django_db
def test_submissions_are_limited_per_campaign(client, opened, settings):
    settings.PUBLIC_RATE_LIMITS = {"submit_per_campaign": "3/h"}
    for i in range(3):
        assert client.post(PAGE, form(), REMOTE_ADDR=f"198.51.100.{i}").status_code == 302
    response = client.post(PAGE, form(), REMOTE_ADDR="198.51.100.99")
    assert response.status_code == 429
    assert limited_message(limits.CAMPAIGN_TOO_BUSY, response) in response.content.decode()
    # another campaign's page is not affected
    other = make_campaign(opened.ministry, slug="other", public_intake_enabled=True)
    assert client.post(f"/p/{other.slug}/", form(), REMOTE_ADDR="198.51.100.99").status_code == 302


@pytest.mark.django_db
def test_forwarded_for_is_not_trusted_without_proxies(client, opened, settings):
    """Otherwise anyone could dodge the per-address limit by inventing the header."""
    settings.PUBLIC_RATE_LIMITS = {"submit_per_address": "1/10m"}
    assert client.post(PAGE, form(), REMOTE_ADDR="198.51.100.7").status_code == 302
    response = client.post(
        PAGE, form(), REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR="10.9.8.7"
    )
    assert response.status_code == 429


@pytest.mark.django_db
def test_behind_a_trusted_proxy_the_forwarded_address_counts(client, opened, settings):
    settings.PUBLIC_RATE_LIMITS = {"submit_per_address": "1/10m"}
    settings.NINJA_NUM_PROXIES = 1
    proxy = {"REMOTE_ADDR": "10.0.0.1"}
    assert (
        client.post(PAGE, form(), HTTP_X_FORWARDED_FOR="forged, 198.51.100.7", **proxy).status_code
        == 302
    )
    assert (
        client.post(PAGE, form(), HTTP_X_FORWARDED_FOR="198.51.100.8", **proxy).status_code == 302
    )
    assert (
        client.post(PAGE, form(), HTTP_X_FORWARDED_FOR="other, 198.51.100.7", **proxy).status_code
        == 429
    )


def test_ipv6_addresses_count_per_64_block(rf):
    one = rf.get("/", REMOTE_ADDR="2001:db8:1:2::1")
    two = rf.get("/", REMOTE_ADDR="2001:db8:1:2:ffff::9")
    three = rf.get("/", REMOTE_ADDR="2001:db8:1:3::1")
    assert limits.client_address(one) == limits.client_address(two) == "2001:db8:1:2::/64"
    assert limits.client_address(three) != limits.client_address(one)


# --- the office's switch ---------------------------------------------------------------------


@pytest.mark.django_db
def test_the_office_opens_and_closes_the_page_from_the_campaign_home(client, world):
    client.force_login(world.office)
    home = client.get("/c/world/").content.decode()
    assert 'data-testid="public-page-toggle" data-open="0"' in home

    response = client.post("/c/world/public-page/", {"enabled": "1"})
    assert response.status_code == 302
    assert Campaign.objects.get(pk=world.campaign.pk).public_intake_enabled
    home = client.get("/c/world/").content.decode()
    assert 'data-open="1"' in home
    assert "http://testserver/p/world/" in home
    assert Client().get(PAGE).status_code == 200

    client.post("/c/world/public-page/", {"enabled": "0"})
    assert not Campaign.objects.get(pk=world.campaign.pk).public_intake_enabled
    assert Client().get(PAGE).status_code == 404

    entries = ActivityLog.objects.filter(action="campaign.public_intake").order_by("id")
    assert [(e.actor, e.before, e.after) for e in entries] == [
        (world.office, {"public_intake_enabled": False}, {"public_intake_enabled": True}),
        (world.office, {"public_intake_enabled": True}, {"public_intake_enabled": False}),
    ]


@pytest.mark.django_db
def test_switching_to_the_same_state_logs_nothing(client, opened):
    client.force_login(opened.office)
    client.post("/c/world/public-page/", {"enabled": "1"})
    assert ActivityLog.objects.filter(action="campaign.public_intake").count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["leader", "liaison", "supervisor", "viewer", "group"])
def test_only_the_office_sees_and_uses_the_switch(client, world, persona):
    client.force_login(world.personas[persona])
    home = client.get("/c/world/")
    assert 'data-testid="public-page-toggle"' not in home.content.decode()
    client.post("/c/world/public-page/", {"enabled": "1"})
    assert not Campaign.objects.get(pk=world.campaign.pk).public_intake_enabled


@pytest.mark.django_db
def test_outsiders_and_anonymous_users_cannot_switch(client, world):
    assert client.post("/c/world/public-page/", {"enabled": "1"}).status_code == 302  # login
    client.force_login(world.outsider)
    assert client.post("/c/world/public-page/", {"enabled": "1"}).status_code == 404
    assert client.get("/c/world/public-page/").status_code == 405
    assert not Campaign.objects.get(pk=world.campaign.pk).public_intake_enabled
