"""The public page through the API: no account, the same service, the same rate limits and the
same privacy as the page."""

import datetime as dt

import pytest

from rectify.audit.models import ActivityLog
from rectify.feedback.choices import Channel
from rectify.feedback.models import TEXT_MAX_LENGTH, FeedbackItem
from rectify.feedback.public import codes, limits
from rectify.feedback.public import services as public
from rectify.ledger import services
from rectify.ledger.choices import Source
from rectify.orgs.access import SYSTEM
from rectify.orgs.models import Region
from tests.factories import add_evidence, make_campaign

SUBMIT = "/api/v1/public/world/feedback"
TEXT = "公交站台被占用，老人候车不便"


@pytest.fixture
def opened(world):
    public.set_public_intake(world.campaign, actor=world.office, enabled=True)
    world.campaign.refresh_from_db()
    return world


def post(client, data, path=SUBMIT, **extra):
    return client.post(path, data, content_type="application/json", **extra)


def body(**fields):
    return {"kind": "problem", "text": TEXT, **fields}


@pytest.mark.django_db
def test_anyone_submits_without_a_token(client, opened):
    region = Region.objects.get(code="110000")
    response = post(client, body(region_id=region.pk, name="王某", contact="13800000000"))
    assert response.status_code == 201, response.content
    data = response.json()
    item = FeedbackItem.objects.get(channel=Channel.PUBLIC_PAGE)
    assert data["receipt_code"] == codes.format_code(item.receipt_code)
    assert data["status_url"] == f"http://testserver/p/world/status/{item.receipt_code}/"
    assert set(data) == {"receipt_code", "status_url", "received_at"}
    assert item.text == TEXT
    assert item.region == region
    assert item.submitter_contact == "13800000000"
    assert item.created_by is None
    entry = ActivityLog.objects.get(action="feedback.create", target_id=item.pk)
    assert entry.actor is None


@pytest.mark.django_db
def test_the_text_is_stored_exactly_as_sent(client, opened):
    text = "  <b>粗体</b>\u202e\r\n\t末尾空格  "
    assert post(client, body(text=text)).status_code == 201
    assert FeedbackItem.objects.get(channel=Channel.PUBLIC_PAGE).text == text


@pytest.mark.django_db
def test_a_closed_page_is_404(client, world):
    response = post(client, body())
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert post(client, body(), path="/api/v1/public/nope/feedback").json() == response.json()
    assert (
        not FeedbackItem.objects.exists()
        or not FeedbackItem.objects.filter(channel=Channel.PUBLIC_PAGE).exists()
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    "payload",
    [
        body(text="  短  "),
        body(text="长" * (TEXT_MAX_LENGTH + 1)),
        body(text="含有\x00的文本"),
        body(kind="complaint"),
        body(contact="1" * 101),
        body(name="名" * 51),
        body(region_id=999_999),
        body(channel="symposium"),  # unknown fields are refused, not ignored
        body(receipt_code="ABCD2345XY"),
    ],
)
def test_bad_input_is_422(client, opened, payload):
    response = post(client, payload)
    assert response.status_code == 422, response.content
    assert not FeedbackItem.objects.filter(channel=Channel.PUBLIC_PAGE).exists()


@pytest.mark.django_db
def test_an_oversized_body_is_413_before_it_is_read(client, opened):
    raw = '{"kind": "problem", "text": "' + "x" * public.MAX_BODY_BYTES + '"}'
    response = client.post(SUBMIT, raw, content_type="application/json")
    assert response.status_code == 413
    assert response.json()["code"] == "too_large"


@pytest.mark.django_db
def test_submissions_share_the_pages_limits(client, opened, settings):
    settings.PUBLIC_RATE_LIMITS = {"submit_per_address": "2/10m"}
    assert client.post("/p/world/", {"kind": "problem", "text": TEXT}).status_code == 302
    assert post(client, body()).status_code == 201
    response = post(client, body())
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    data = response.json()
    assert data["code"] == "rate_limited"
    minutes = -(-int(response["Retry-After"]) // 60)
    exc = limits.RateLimited(limits.SUBMIT_TOO_OFTEN, retry_after=1, params={"minutes": minutes})
    assert data["message"] == exc.render("zh-hans")
    assert data["message_en"] == exc.render("en")
    assert FeedbackItem.objects.filter(channel=Channel.PUBLIC_PAGE).count() == 2


@pytest.mark.django_db
def test_submissions_are_limited_per_campaign(client, opened, settings):
    settings.PUBLIC_RATE_LIMITS = {"submit_per_campaign": "1/h"}
    assert post(client, body(), REMOTE_ADDR="198.51.100.1").status_code == 201
    response = post(client, body(), REMOTE_ADDR="198.51.100.2")
    assert response.status_code == 429
    assert response.json()["code"] == "rate_limited"


# --- receipts --------------------------------------------------------------------------------


@pytest.fixture
def submitted(client, opened):
    code = post(client, body(name="王某", contact="13800000000")).json()["receipt_code"]
    other = post(client, body(text="另一位群众的反映内容", contact="13911112222"))
    assert other.status_code == 201
    return code


def receipt(client, code, slug="world"):
    return client.get(f"/api/v1/public/{slug}/receipts/{code}")


@pytest.mark.django_db
def test_a_receipt_shows_only_the_items_own_progress(client, opened, submitted):
    response = receipt(client, submitted.lower().replace("-", ""))
    assert response.status_code == 200
    data = response.json()
    assert data["receipt_code"] == submitted
    assert data["text"] == TEXT
    assert data["kind"] == "problem"
    assert data["stage"] == "received"
    assert data["rectified_on"] is None
    assert data["problems"] == []
    raw = response.content.decode()
    for secret in ["王某", "13800000000", "另一位群众", "13911112222"]:
        assert secret not in raw


@pytest.mark.django_db
def test_a_receipt_follows_the_ledger(client, opened, submitted, time_machine):
    item = FeedbackItem.objects.get(receipt_code=codes.normalise_code(submitted))
    shown = services.create_problem(
        opened.campaign,
        actor=opened.office,
        title="内部标题",
        public_title="公交站台占用",
        source=Source.GRASSROOTS,
        feedback_items=[item],
    )
    assert receipt(client, submitted).json()["stage"] == "merged"
    hidden = services.create_problem(
        opened.campaign,
        actor=opened.office,
        title="内部标题二",
        source=Source.GRASSROOTS,
        feedback_items=[item],
    )
    measures = []
    for problem in (shown, hidden):
        measures.append(
            services.create_measure(
                problem,
                actor=opened.office,
                content="清理占道",
                responsible_unit=opened.bureau_a,
                deadline=dt.date(2026, 12, 31),
            )
        )
    time_machine.move_to(dt.datetime(2026, 11, 9, 10, 0, tzinfo=dt.UTC), tick=False)
    services.start(measures[0], actor=opened.office)
    assert receipt(client, submitted).json()["stage"] == "in_progress"
    for i, measure in enumerate(measures):
        time_machine.move_to(dt.datetime(2026, 11, 10 + i, 10, 0, tzinfo=dt.UTC), tick=False)
        measure.refresh_from_db()
        if measure.state == "draft":
            measure = services.start(measure, actor=opened.office)
        add_evidence(measure, opened.office)
        measure = services.request_closure(measure, actor=SYSTEM, reason="整改完成")
        services.verify(measure, actor=opened.office, reason="同意销号")
    data = receipt(client, submitted).json()
    assert data["stage"] == "rectified"
    assert data["rectified_on"] == "2026-11-11"
    assert data["problems"] == [
        {
            "number": shown.number,
            "public_title": "公交站台占用",
            "stage": "rectified",
            "rectified_on": "2026-11-10",
        },
        {"number": None, "public_title": None, "stage": "rectified", "rectified_on": "2026-11-11"},
    ]
    assert "内部标题" not in receipt(client, submitted).content.decode()


@pytest.mark.django_db
def test_unknown_codes_and_other_campaigns_codes_are_the_same_404(client, opened, submitted):
    other = make_campaign(opened.ministry, slug="other", public_intake_enabled=True)
    theirs = public.submit_public(other, text="别的专项的反映", kind="problem", ip="192.0.2.1")
    answers = [
        receipt(client, theirs.receipt_code),
        receipt(client, "ABCD2345XY"),
        receipt(client, "not-a-code"),
        receipt(client, submitted, slug="nope"),
    ]
    assert {r.status_code for r in answers} == {404}
    assert len({r.content for r in answers}) == 1
    assert receipt(client, theirs.receipt_code, slug="other").status_code == 200


@pytest.mark.django_db
def test_lookups_share_the_pages_limit(client, opened, submitted, settings):
    settings.PUBLIC_RATE_LIMITS = {"lookup_per_address": "2/10m"}
    assert client.get(f"/p/world/status/{codes.normalise_code(submitted)}/").status_code == 200
    assert receipt(client, "ABCD2345XY").status_code == 404
    response = receipt(client, submitted)
    assert response.status_code == 429
    assert response.json()["code"] == "rate_limited"
    assert TEXT not in response.content.decode()


@pytest.mark.django_db
def test_the_public_operations_need_no_authentication_in_the_document(client, db):
    schema = client.get("/api/v1/openapi.json").json()
    for path in ("/api/v1/public/{slug}/feedback", "/api/v1/public/{slug}/receipts/{code}"):
        for operation in schema["paths"][path].values():
            assert not operation.get("security")
    staff = schema["paths"]["/api/v1/campaigns/{slug}/feedback"]["post"]
    assert staff.get("security")
