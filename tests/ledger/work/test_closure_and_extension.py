"""申请销号 from the measure page (a description and fresh evidence, more files in the same form)
and 延期申请 (a later date with a reason; its status while waiting, the office's reply after)."""

import datetime as dt

import pytest
from django.urls import reverse

from rectify.core.errors import DomainError
from rectify.ledger import services
from rectify.ledger.models import ClosureRequest, Evidence, ExtensionRequest, Measure
from tests.factories import add_evidence
from tests.helpers import attrs, messages_of, texts

from .conftest import png, started, text_file

pytestmark = pytest.mark.usefixtures("pinned_today")
HTMX = {"HTTP_HX_REQUEST": "true"}


def closure_url(measure):
    return reverse("measure-request-closure", args=[measure.pk])


def extension_url(measure):
    return reverse("measure-extension", args=[measure.pk])


def detail(measure):
    return reverse("measure-detail", args=[measure.pk])


def state_of(measure) -> str:
    return Measure.objects.get(pk=measure.pk).state


# --- closure request ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_measure_page_offers_the_closure_form_instead_of_a_bare_button(client, world):
    m = started(world.measure_a, world.liaison)
    client.force_login(world.liaison)
    page = client.get(detail(m))
    assert not page.content.decode().count('data-transition="request_closure"')
    form = attrs(page, "closure-form")[0]
    assert form["action"] == closure_url(m) and form["hx-post"] == closure_url(m)
    assert attrs(page, "fresh-evidence")[0]["data-count"] == "0"
    add_evidence(m, world.liaison)
    page = client.get(detail(m))
    assert attrs(page, "fresh-evidence")[0]["data-count"] == "1"
    # the office's decisions lead to the verification page
    services.request_closure(m, actor=world.liaison, reason="已完成")
    client.force_login(world.office)
    page = client.get(detail(m))
    assert not attrs(page, "closure-form")
    assert attrs(page, "verify-link")


@pytest.mark.django_db
def test_a_closure_request_needs_a_description(client, world):
    m = started(world.measure_a, world.liaison)
    add_evidence(m, world.liaison)
    client.force_login(world.liaison)
    response = client.post(closure_url(m), {"description": "  ", "version": m.version})
    assert response.status_code == 400
    assert texts(response, "error-description")
    assert state_of(m) == "in_progress"
    response = client.post(
        closure_url(m), {"description": "清理考核事项12项", "version": m.version}, follow=True
    )
    assert response.redirect_chain[-1][0] == detail(m)
    assert state_of(m) == "closure_requested"
    request = ClosureRequest.objects.get(measure=m)
    assert (request.description, request.requested_by) == ("清理考核事项12项", world.liaison)
    assert messages_of(response)


@pytest.mark.django_db
def test_old_evidence_does_not_satisfy_a_new_request(client, world):
    m = started(world.measure_a, world.liaison)
    add_evidence(m, world.liaison, content=b"first round")
    services.request_closure(m, actor=world.liaison, reason="第一次申请")
    services.return_measure(m, actor=world.office, reason="佐证不足")
    client.force_login(world.liaison)
    page = client.get(detail(m))
    assert attrs(page, "fresh-evidence")[0]["data-count"] == "0"
    m = Measure.objects.get(pk=m.pk)
    response = client.post(closure_url(m), {"description": "补充整改", "version": m.version})
    assert response.status_code == 400
    assert texts(response, "error-files")
    assert response.context["form"].has_error("files", "evidence_required")
    assert state_of(m) == "returned"
    # the same form takes new files: stored and the request made, in one go
    response = client.post(
        closure_url(m),
        {"description": "补充整改", "version": m.version, "files": [png(), text_file()]},
    )
    assert response.status_code == 302
    assert state_of(m) == "closure_requested"
    assert Evidence.objects.filter(measure=m).count() == 3
    assert ClosureRequest.objects.filter(measure=m).latest().description == "补充整改"


@pytest.mark.django_db
def test_the_service_decides_too_and_a_refusal_saves_no_file(client, world, monkeypatch):
    m = started(world.measure_a, world.liaison)
    client.force_login(world.liaison)
    # a stale version: nothing stored, the conflict said in place
    response = client.post(
        closure_url(m), {"description": "完成", "version": 99, "files": [png()]}, **HTMX
    )
    assert response.status_code == 200
    assert texts(response, "form-error")
    assert not Evidence.objects.exists() and state_of(m) == "in_progress"
    assert attrs(response, "closure-request")[0]["id"] == "closure-request"
    # a refused file names itself and nothing is kept
    real = services.add_evidence

    def checking(measure, *, name, **kw):
        if name == "病毒.pdf":
            raise DomainError("内容不是 PDF。", code="file_type")
        return real(measure, name=name, **kw)

    monkeypatch.setattr(services, "add_evidence", checking)
    bad = text_file("病毒.pdf", b"MZ")
    response = client.post(
        closure_url(m), {"description": "完成", "version": m.version, "files": [png(), bad]}
    )
    assert response.status_code == 400
    assert "病毒.pdf" in texts(response, "error-files")[0]
    assert not Evidence.objects.exists() and state_of(m) == "in_progress"


@pytest.mark.django_db
def test_by_htmx_a_request_reloads_the_measure_page(client, world):
    m = started(world.measure_a, world.liaison)
    client.force_login(world.liaison)
    response = client.post(
        closure_url(m), {"description": "完成", "version": m.version, "files": [png()]}, **HTMX
    )
    assert response.status_code == 200
    assert response["HX-Redirect"] == detail(m)
    assert state_of(m) == "closure_requested"
    page = client.get(detail(m))
    assert messages_of(page)


@pytest.mark.parametrize(
    ("persona", "status"),
    [("liaison2", 404), ("outsider", 404), ("viewer", 403), ("leader", 403)],
)
@pytest.mark.django_db
def test_who_may_request_closure(client, world, persona, status):
    m = started(world.measure_a, world.liaison)
    add_evidence(m, world.liaison)
    client.force_login(world.personas[persona])
    assert client.get(closure_url(m)).status_code == status
    response = client.post(closure_url(m), {"description": "完成", "version": m.version})
    assert response.status_code == status
    assert state_of(m) == "in_progress"


@pytest.mark.django_db
def test_the_closure_page_without_javascript(client, world):
    m = started(world.measure_a, world.liaison)
    client.force_login(world.liaison)
    response = client.get(closure_url(m))
    assert response.status_code == 200
    assert "hx-post" not in attrs(response, "closure-form")[0]
    response = client.get(closure_url(m), **HTMX)
    assert "<html" not in response.content.decode()


# --- extension request --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"requested_deadline": "2026-12-31", "reason": "需协调"}, "requested_deadline"),
        ({"requested_deadline": "2026-12-01", "reason": "需协调"}, "requested_deadline"),
        ({"requested_deadline": "", "reason": "需协调"}, "requested_deadline"),
        ({"requested_deadline": "2027-03-31", "reason": " "}, "reason"),
    ],
)
@pytest.mark.django_db
def test_what_an_extension_request_needs(client, world, values, field):
    m = started(world.measure_a, world.liaison)  # deadline 2026-12-31
    client.force_login(world.liaison)
    response = client.post(extension_url(m), values)
    assert response.status_code == 400
    assert texts(response, f"error-{field}")
    assert not ExtensionRequest.objects.exists()


@pytest.mark.django_db
def test_an_extension_request_waits_then_shows_the_offices_reply(client, world):
    m = started(world.measure_a, world.liaison)
    client.force_login(world.liaison)
    page = client.get(detail(m))
    form = attrs(page, "extension-form")[0]
    assert form["hx-post"] == extension_url(m) and form["hx-target"] == "#extension-box"

    response = client.post(
        extension_url(m), {"requested_deadline": "2027-03-31", "reason": "需省级财政配套"}, **HTMX
    )
    assert response.status_code == 200
    assert "<html" not in response.content.decode()
    assert attrs(response, "extension-pending")
    assert not attrs(response, "extension-form")
    assert [a["data-level"] for a in attrs(response, "message")] == ["success"]
    ext = ExtensionRequest.objects.get(measure=m)
    assert (ext.requested_deadline, ext.reason, ext.requested_by) == (
        dt.date(2027, 3, 31),
        "需省级财政配套",
        world.liaison,
    )
    # while it waits: its status instead of the form; a second request is refused
    page = client.get(detail(m))
    assert "需省级财政配套" in texts(page, "extension-pending")[0]
    assert not attrs(page, "extension-form")
    response = client.post(
        extension_url(m), {"requested_deadline": "2027-04-30", "reason": "再延"}, follow=True
    )
    assert ExtensionRequest.objects.count() == 1
    # the office refuses with a reply: shown, and the unit may ask again
    services.decide_extension(ext, actor=world.office, grant=False, reason="时限不可调整")
    page = client.get(detail(m))
    decided = attrs(page, "extension-decided")
    assert [d["data-status"] for d in decided] == ["refused"]
    assert "时限不可调整" in texts(page, "extension-decided")[0]
    assert attrs(page, "extension-form")
    # a plain POST redirects back to the measure
    response = client.post(
        extension_url(m), {"requested_deadline": "2027-02-28", "reason": "资金未到位"}
    )
    assert response.status_code == 302 and response["Location"] == detail(m)
    latest = ExtensionRequest.objects.filter(measure=m).order_by("-id").first()
    services.decide_extension(latest, actor=world.office, grant=True, reason="同意")
    page = client.get(detail(m))
    assert [d["data-status"] for d in attrs(page, "extension-decided")] == ["granted", "refused"]


@pytest.mark.django_db
def test_readers_see_the_status_but_no_form(client, world):
    m = started(world.measure_a, world.liaison)
    services.request_extension(
        m, actor=world.liaison, requested_deadline=dt.date(2027, 3, 31), reason="需协调"
    )
    client.force_login(world.viewer)
    page = client.get(detail(m))
    assert attrs(page, "extension-pending")
    assert client.post(extension_url(m), {}).status_code == 403
    client.force_login(world.liaison2)
    assert client.post(extension_url(m), {}).status_code == 404
    assert client.get(extension_url(m)).status_code == 404


@pytest.mark.django_db
def test_a_requested_closure_shows_what_the_office_is_deciding_on(client, world):
    m = started(world.measure_a, world.liaison)
    services.add_progress_report(m, actor=world.liaison, text="过半", percent_done=60)
    client.force_login(world.liaison)
    page = client.get(detail(m))
    assert "60" in texts(page, "closure-percent-note")[0]  # below 100 %: said before asking
    assert not attrs(page, "closure-pending")
    client.post(
        closure_url(m), {"description": "已完成主要任务", "version": m.version, "files": [png()]}
    )
    page = client.get(detail(m))
    pending = texts(page, "closure-pending")[0]
    assert "已完成主要任务" in pending and "60" in pending
    assert not attrs(page, "closure-form")
