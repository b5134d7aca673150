"""The status page by receipt code: the submitter's own text and what became of it — received,
merged into problem N, measures under way, rectified on date D — and nothing about anyone else.
Every stage is built through the real ledger services."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.utils import formats, translation

from rectify.feedback.choices import Channel, FeedbackKind
from rectify.feedback.models import FeedbackItem
from rectify.feedback.public import codes, limits, lookup
from rectify.feedback.public import services as public
from rectify.ledger import services
from rectify.ledger.choices import Source
from rectify.orgs.access import SYSTEM
from rectify.orgs.choices import Role
from tests.factories import add_evidence, grant, make_campaign, make_user
from tests.helpers import attrs, texts

RECEIVED = dt.datetime(2026, 9, 3, 15, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
CLOSED_DAY = dt.datetime(2026, 11, 20, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
MINE = "我们小区的电梯坏了三个月没人修"
THEIRS = "别人的反映：某某街道办事处乱收费"
SCRIPT = "<script>alert(1)</script>"
RLO = "\u202e"


@pytest.fixture(autouse=True)
def _fresh_rate_limits(db):
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def opened(world):
    public.set_public_intake(world.campaign, actor=world.office, enabled=True)
    world.campaign.refresh_from_db()
    # a member of the office whose name must never reach the public
    world.clerk = make_user("clerk-zhangwei", first_name="张伟")
    grant(world.clerk, world.campaign, Role.OFFICE)
    return world


def submit(world, text=MINE, **kw):
    fields = {"kind": "problem", "ip": "192.0.2.10", **kw}
    return public.submit_public(world.campaign, text=text, **fields)


@pytest.fixture
def mine(opened, time_machine):
    time_machine.move_to(RECEIVED, tick=False)
    item = submit(opened, name="李四", contact="13912345678")
    submit(opened, text=THEIRS, name="王五", contact="13800001111")
    return item


def status_page(client, item):
    return client.get(f"/p/world/status/{item.receipt_code}/")


def zh_date(day) -> str:
    with translation.override("zh-hans"):
        return formats.date_format(day, "DATE_FORMAT")


def problem_for(world, item, *, public_title="电梯维修不及时", measures=0):
    problem = services.create_problem(
        world.campaign,
        actor=world.clerk,
        title="内部标题：甲省民政厅物业监管缺位",
        public_title=public_title,
        source=Source.GRASSROOTS,
        feedback_items=[item],
    )
    made = [
        services.create_measure(
            problem,
            actor=world.clerk,
            content=f"内部措施{i}：约谈物业公司负责人",
            responsible_unit=world.bureau_a,
            responsible_person="赵六",
            deadline=dt.date(2026, 12, 31),
        )
        for i in range(measures)
    ]
    return problem, made


def close(world, measure):
    measure = services.start(measure, actor=world.clerk)
    add_evidence(measure, world.clerk)
    measure = services.request_closure(measure, actor=SYSTEM, reason="整改完成")
    return services.verify(measure, actor=world.clerk, reason="同意销号")


def assert_private(html: str, world):
    """Nothing on the page but the item's own text and its public progress."""
    for secret in [
        THEIRS,
        "李四",  # even the submitter's own name and contact
        "13912345678",
        "王五",
        "13800001111",
        "内部标题",
        "内部措施",
        "赵六",
        world.bureau_a.name,
        world.ministry.name,
        "clerk-zhangwei",
        "张伟",
        world.problem.title,
    ]:
        assert secret not in html, secret


# --- each stage ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_received(client, opened, mine):
    response = status_page(client, mine)
    assert response.status_code == 200
    assert attrs(response, "stage")[0]["data-stage"] == "received"
    assert texts(response, "own-text") == [MINE]
    assert texts(response, "receipt-code") == [codes.format_code(mine.receipt_code)]
    assert zh_date(RECEIVED.date()) in texts(response, "step-received")[0]
    assert texts(response, "problem") == []
    assert_private(response.content.decode(), opened)


@pytest.mark.django_db
def test_merged_into_a_problem_with_a_public_title(client, opened, mine):
    problem, _ = problem_for(opened, mine)
    response = status_page(client, mine)
    assert attrs(response, "stage")[0]["data-stage"] == "merged"
    assert attrs(response, "problem")[0]["data-stage"] == "merged"
    assert texts(response, "problem-title") == ["电梯维修不及时"]
    assert f"{problem.number}" in texts(response, "problem")[0]
    assert_private(response.content.decode(), opened)


@pytest.mark.django_db
def test_merged_into_a_problem_without_a_public_title(client, opened, mine):
    problem, _ = problem_for(opened, mine, public_title="")
    response = status_page(client, mine)
    assert attrs(response, "stage")[0]["data-stage"] == "merged"
    with translation.override("zh-hans"):
        expected = translation.gettext("Merged into a consolidated problem in the ledger.")
    assert texts(response, "problem") == [expected]
    assert texts(response, "problem-title") == []
    assert f"No. {problem.number}" not in response.content.decode()
    assert_private(response.content.decode(), opened)


@pytest.mark.django_db
def test_measures_under_way(client, opened, mine):
    _, (measure, other) = problem_for(opened, mine, measures=2)
    services.start(measure, actor=opened.clerk)
    close(opened, other)  # one closed, one open: still under way
    response = status_page(client, mine)
    assert attrs(response, "stage")[0]["data-stage"] == "in_progress"
    assert texts(response, "step-rectified") and "2026" not in texts(response, "step-rectified")[0]
    assert_private(response.content.decode(), opened)


@pytest.mark.django_db
def test_rectified_on_the_day_the_last_measure_closed(client, opened, mine, time_machine):
    _, (first, last) = problem_for(opened, mine, measures=2)
    time_machine.move_to(CLOSED_DAY - dt.timedelta(days=5), tick=False)
    close(opened, first)
    time_machine.move_to(CLOSED_DAY, tick=False)
    close(opened, last)
    response = status_page(client, mine)
    assert attrs(response, "stage")[0]["data-stage"] == "rectified"
    with translation.override("zh-hans"):
        expected = translation.gettext("Rectified on %(day)s.") % {
            "day": zh_date(CLOSED_DAY.date())
        }
    assert texts(response, "step-rectified") == [expected]
    assert_private(response.content.decode(), opened)


@pytest.mark.django_db
def test_a_reopened_measure_takes_the_item_back_to_under_way(client, opened, mine):
    _, (measure,) = problem_for(opened, mine, measures=1)
    measure = close(opened, measure)
    assert attrs(status_page(client, mine), "stage")[0]["data-stage"] == "rectified"
    services.reopen(measure, actor=opened.clerk, reason="群众反映仍未修好")
    assert attrs(status_page(client, mine), "stage")[0]["data-stage"] == "in_progress"


@pytest.mark.django_db
def test_an_item_merged_into_two_problems_shows_both(client, opened, mine):
    problem_for(opened, mine, public_title="电梯维修不及时")
    _, (measure,) = problem_for(opened, mine, public_title="", measures=1)
    close(opened, measure)
    response = status_page(client, mine)
    assert [a["data-stage"] for a in attrs(response, "problem")] == ["merged", "rectified"]
    # rectified only when every problem it went into is
    assert attrs(response, "stage")[0]["data-stage"] == "in_progress"


@pytest.mark.django_db
def test_the_status_in_the_service(opened, mine, time_machine):
    assert lookup.public_status(opened.campaign, mine.receipt_code).stage == "received"
    _, (measure,) = problem_for(opened, mine, public_title="", measures=1)
    time_machine.move_to(CLOSED_DAY, tick=False)
    close(opened, measure)
    status = lookup.public_status(opened.campaign, mine.receipt_code.lower())
    assert status.stage == "rectified"
    assert status.rectified_on == CLOSED_DAY.date()
    assert status.problems[0].number is None
    assert status.problems[0].public_title is None


# --- no oracle, no leak ----------------------------------------------------------------------


@pytest.mark.django_db
def test_the_code_can_be_typed_loosely(client, opened, mine):
    loose = codes.format_code(mine.receipt_code).lower()
    response = client.get("/p/world/status/", {"code": f" {loose} "})
    assert response.status_code == 302
    assert response["Location"] == f"/p/world/status/{mine.receipt_code}/"
    response = client.get(f"/p/world/status/{loose}/")
    assert response.status_code == 302
    assert response["Location"] == f"/p/world/status/{mine.receipt_code}/"


@pytest.mark.django_db
def test_unknown_malformed_and_other_campaigns_codes_look_the_same(client, opened, mine):
    other = make_campaign(opened.ministry, slug="other", public_intake_enabled=True)
    theirs = public.submit_public(other, text=THEIRS, kind="problem", ip="192.0.2.99")
    unknown = "ABCD2345XY"
    answers = [
        client.get(f"/p/world/status/{theirs.receipt_code}/"),
        client.get(f"/p/world/status/{unknown}/"),
    ]
    for response in answers:
        assert response.status_code == 404
        assert 'data-testid="not-found"' in response.content.decode()
        assert THEIRS not in response.content.decode()
    body = [
        re.sub(r'(csrfmiddlewaretoken" value="[^"]+|[A-Z0-9]{10})', "X", r.content.decode())
        for r in answers
    ]
    assert body[0] == body[1]
    # typed into the form: a malformed code gets the same message
    response = client.get("/p/world/status/", {"code": "0000-OOOO-II"})
    assert response.status_code == 404
    with translation.override("zh-hans"):
        message = translation.gettext(
            "No submission has this receipt code. Check it and try again."
        )
    assert message in response.content.decode()
    # and the other campaign's page does find it
    assert client.get(f"/p/other/status/{theirs.receipt_code}/").status_code == 200


@pytest.mark.django_db
def test_items_entered_by_staff_have_no_code_and_cannot_be_looked_up(client, opened):
    staff = FeedbackItem.objects.create(
        campaign=opened.campaign, kind=FeedbackKind.PROBLEM, text=THEIRS, channel=Channel.SYMPOSIUM
    )
    assert staff.receipt_code is None
    assert client.get("/p/world/status/None/").status_code == 404


@pytest.mark.django_db
def test_codes_stay_followable_after_the_page_closes(client, opened, mine):
    public.set_public_intake(opened.campaign, actor=opened.office, enabled=False)
    assert client.get("/p/world/").status_code == 404
    assert status_page(client, mine).status_code == 200
    assert client.get("/p/world/status/").status_code == 200


@pytest.mark.django_db
def test_a_campaign_that_never_had_a_public_page_has_no_status_page(client, world):
    assert client.get("/p/world/status/").status_code == 404
    assert client.get("/p/world/status/ABCD2345XY/").status_code == 404
    assert 'data-testid="public-closed"' in client.get("/p/world/status/").content.decode()


@pytest.mark.django_db
def test_status_pages_are_not_cached_and_send_no_referrer(client, opened, mine):
    response = status_page(client, mine)
    assert "no-store" in response["Cache-Control"]
    assert response["Referrer-Policy"] == "no-referrer"


@pytest.mark.django_db
def test_lookups_are_rate_limited_per_address(client, opened, mine, settings):
    settings.PUBLIC_RATE_LIMITS = {"lookup_per_address": "3/10m"}
    for code in ["ABCD2345XY", "ABCD2345XZ", mine.receipt_code]:
        client.get(f"/p/world/status/{code}/", REMOTE_ADDR="198.51.100.3")
    response = client.get(f"/p/world/status/{mine.receipt_code}/", REMOTE_ADDR="198.51.100.3")
    assert response.status_code == 429
    assert MINE not in response.content.decode()
    minutes = -(-int(response["Retry-After"]) // 60)
    message = limits.RateLimited(
        limits.LOOKUP_TOO_OFTEN, retry_after=1, params={"minutes": minutes}
    ).render("zh-hans")
    assert texts(response, "rate-limited") == [message]
    # malformed codes typed into the form count as well
    response = client.get("/p/world/status/", {"code": "nonsense"}, REMOTE_ADDR="198.51.100.3")
    assert response.status_code == 429
    assert status_page(client, mine).status_code == 200  # another address


@pytest.mark.django_db
def test_a_fresh_receipt_is_shown_even_when_lookups_are_used_up(client, opened, settings):
    """Behind a busy shared address the submitter must still see the code once; a forged or
    reused marker does not lift the limit."""
    settings.PUBLIC_RATE_LIMITS = {"lookup_per_address": "1/10m"}
    client.get("/p/world/status/ABCD2345XY/")
    response = client.post("/p/world/", {"kind": "problem", "text": MINE})
    fresh = client.get(response["Location"])
    assert fresh.status_code == 200
    assert 'data-testid="submitted"' in fresh.content.decode()
    item = FeedbackItem.objects.get(channel=Channel.PUBLIC_PAGE)
    forged = client.get(f"/p/world/status/{item.receipt_code}/?new=1")
    assert forged.status_code == 429
    other = client.post("/p/world/", {"kind": "problem", "text": THEIRS})
    token = other["Location"].split("?new=")[1]
    assert client.get(f"/p/world/status/{item.receipt_code}/?new={token}").status_code == 429


# --- hostile text ----------------------------------------------------------------------------


HOSTILE = (
    f"{SCRIPT}<img src=x onerror=alert(2)>{RLO}gnp.exe 危险文本\x07\x1b[31m\u200f"
    + "长" * 2000
    + "x" * 2500
)


def assert_inert(html: str):
    assert SCRIPT not in html
    assert "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    for match in re.finditer(RLO, html):
        opener = html.rfind("<", 0, match.start())
        tag = html[opener : html.find(">", opener) + 1]
        assert "user-text" in tag or tag.startswith(("<bdi", "<textarea")), tag


@pytest.mark.django_db
def test_hostile_text_is_stored_as_received_and_shown_inert(client, opened):
    response = client.post(
        "/p/world/", {"kind": "problem", "text": HOSTILE, "name": SCRIPT, "contact": RLO + "1"}
    )
    assert response.status_code == 302
    item = FeedbackItem.objects.get(channel=Channel.PUBLIC_PAGE)
    assert item.text == HOSTILE
    page = client.get(response["Location"])
    html = page.content.decode()
    assert_inert(html)
    # the long line sits in the element that wraps (overflow-wrap) and isolates (bidi) user text
    own = re.search(r'<div class="user-text" data-testid="own-text">(.*?)</div>', html, re.S)
    assert own and "x" * 2500 in own.group(1)


@pytest.mark.django_db
def test_hostile_text_is_inert_when_the_form_comes_back_with_errors(client, opened):
    response = client.post("/p/world/", {"kind": "bogus", "text": HOSTILE, "name": SCRIPT})
    assert response.status_code == 400
    assert_inert(response.content.decode())


@pytest.mark.django_db
def test_a_hostile_public_title_and_campaign_name_are_inert(client, opened, mine):
    opened.campaign.name = f"{SCRIPT}{RLO}专项"
    opened.campaign.save()
    problem_for(opened, mine, public_title=f"{SCRIPT}{RLO}标题")
    html = status_page(client, mine).content.decode()
    assert_inert(html)
    assert "<title>" in html and RLO not in html[html.index("<title>") : html.index("</title>")]
