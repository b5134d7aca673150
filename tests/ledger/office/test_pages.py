"""The office's pages: 待办, the verification page and its decisions, extension decisions,
re-checks (回头看) and the second confirmation."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from rectify.audit.log import history
from rectify.audit.models import ActivityLog
from rectify.ledger import services
from rectify.ledger.choices import Closure, Source, VerificationDecision
from rectify.ledger.models import (
    ConfirmationRule,
    DeadlineChange,
    ExtensionRequest,
    Measure,
    Recheck,
    Verification,
)
from tests.factories import add_evidence
from tests.helpers import attrs, messages_of, texts
from tests.ledger.office.helpers import closed, extension, requested

pytestmark = pytest.mark.usefixtures("pinned_today")
TODAY = dt.date(2026, 11, 16)
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def world(db, module_world):
    """The module's shared World; each test's changes are rolled back after it."""
    return module_world


def fresh(measure) -> Measure:
    return Measure.objects.get(pk=measure.pk)


def verify_url(measure) -> str:
    return reverse("measure-verify", args=[measure.pk])


def todo_url(world) -> str:
    return reverse("office-todo", args=[world.campaign.slug])


def decide(client, measure, decision, **fields):
    data = {"decision": decision, f"{decision}-version": fresh(measure).version}
    data.update({f"{decision}-{k}": v for k, v in fields.items()})
    return client.post(verify_url(measure), data)


def group_counts(response) -> dict[str, int]:
    groups = [a["data-group"] for a in attrs(response, "todo-group")]
    return dict(zip(groups, map(int, texts(response, "group-count")), strict=True))


# --- 待办 (the office to-do) -----------------------------------------------------------------


def test_the_office_to_do_has_its_groups_and_counts(client, world, time_machine):
    time_machine.move_to(dt.datetime(2026, 11, 10, 9, 0, tzinfo=SHANGHAI))
    requested(world, world.measure_b)  # waiting longer
    time_machine.move_to(dt.datetime(2026, 11, 16, 10, 0, tzinfo=SHANGHAI))
    requested(world, world.measure_a, percent=60)
    extension(world, world.measure_a, days=30)
    closed(world, world.measure_b2, recheck_on=TODAY)

    client.force_login(world.office)
    response = client.get(todo_url(world))
    assert response.status_code == 200
    assert group_counts(response) == {"closure": 2, "extension": 1, "recheck": 1}
    rows = [int(a["data-measure"]) for a in attrs(response, "todo")]
    # closure requests oldest first, then the extension; the re-check
    assert rows == [world.measure_b.pk, world.measure_a.pk, world.measure_a.pk]
    assert [int(a["data-measure"]) for a in attrs(response, "recheck")] == [world.measure_b2.pk]
    assert texts(response, "requester") == ["liaison2", "liaison"]
    assert texts(response, "days-waiting")[0].startswith("6")
    assert texts(response, "last-percent") == ["100%", "60%"]
    assert [a["href"] for a in attrs(response, "verify-link")] == [
        verify_url(world.measure_b),
        verify_url(world.measure_a),
    ]
    assert len(attrs(response, "extension-form")) == 1
    assert len(attrs(response, "recheck-form")) == 1
    # the navigation counts what needs acting on
    assert texts(response, "nav-count") == ["4"]


def test_a_confirmer_sees_only_the_closures_waiting_for_them(client, world):
    services.create_confirmation_rule(
        world.campaign, actor=world.office, source=Source.INSPECTION, confirmer=world.supervisor
    )
    closed(world, world.measure_b2)
    client.force_login(world.supervisor)
    response = client.get(todo_url(world))
    assert response.status_code == 200
    assert group_counts(response) == {"confirm": 1}
    assert attrs(response, "confirm-link")[0]["href"] == verify_url(world.measure_b2)


@pytest.mark.parametrize("who", ["liaison", "viewer", "leader"])
def test_others_may_not_see_the_to_do(client, world, who):
    client.force_login(world.personas[who])
    assert client.get(todo_url(world)).status_code == 403


def test_an_outsider_finds_no_to_do(client, world):
    client.force_login(world.outsider)
    assert client.get(todo_url(world)).status_code == 404


# --- the verification page -----------------------------------------------------------------------


def test_the_page_shows_the_request_this_rounds_evidence_and_warnings(client, world, time_machine):
    m = world.measure_a
    time_machine.move_to(dt.datetime(2026, 11, 1, 9, 0, tzinfo=SHANGHAI))
    old = add_evidence(m, world.liaison, b"an old file", "旧材料.pdf")
    time_machine.move_to(dt.datetime(2026, 11, 2, 9, 0, tzinfo=SHANGHAI))
    m = services.start(m, actor=world.liaison)
    services.add_milestone(m, actor=world.office, title="建立长效机制", due_on=dt.date(2026, 12, 1))
    time_machine.move_to(dt.datetime(2026, 11, 16, 10, 0, tzinfo=SHANGHAI))
    m = requested(world, m, percent=60, text="已清理考核事项23项")

    client.force_login(world.office)
    response = client.get(verify_url(m))
    assert response.status_code == 200
    assert texts(response, "request-description") == ["已清理考核事项23项"]
    assert "liaison" in texts(response, "request-meta")[0]
    shown = texts(response, "evidence")
    assert len(shown) == 1 and "整改后照片.jpg" in shown[0]
    assert old.original_name not in " ".join(shown)
    assert texts(response, "earlier-evidence")
    assert "60%" in texts(response, "warning-percent")[0]
    assert texts(response, "warning-milestones")
    assert [a["data-open"] for a in attrs(response, "milestone")] == ["true"]
    assert "disabled" in attrs(response, "accept-button")[0]
    assert "disabled" not in attrs(response, "return-button")[0]
    assert not texts(response, "warning-own")
    assert texts(response, "progress-report")
    assert texts(response, "timeline")


def test_no_progress_report_is_a_warning_too(client, world):
    m = requested(world, percent=None)
    client.force_login(world.office)
    response = client.get(verify_url(m))
    assert texts(response, "warning-percent")
    assert "disabled" not in attrs(response, "accept-button")[0]


def test_accepting_needs_an_opinion_and_stores_it_with_a_re_check(client, world):
    m = requested(world)
    client.force_login(world.office)
    response = decide(client, m, "accept", opinion="  ")
    assert response.status_code == 400
    assert texts(response, "error-opinion")
    assert fresh(m).state == "closure_requested"

    response = decide(client, m, "accept", opinion="经实地核查，整改到位", recheck_on="2027-02-01")
    assert response.status_code == 302
    assert response["Location"] == todo_url(world)
    m = fresh(m)
    assert (m.state, m.closure, m.closure_opinion) == (
        "closed",
        Closure.RECTIFIED,
        "经实地核查，整改到位",
    )
    v = Verification.objects.get(measure=m)
    assert (v.decision, v.reason, v.decided_by) == (
        "accepted",
        "经实地核查，整改到位",
        world.office,
    )
    assert v.closure_request == m.closure_requests.get()
    assert list(Recheck.objects.filter(measure=m).values_list("due_on", flat=True)) == [
        dt.date(2027, 2, 1)
    ]
    page = client.get(response["Location"])
    assert messages_of(page)

    detail = client.get(reverse("measure-detail", args=[m.pk]))
    assert attrs(detail, "closure-kind")[0]["data-closure"] == "rectified"
    assert texts(detail, "closure-opinion") == ["经实地核查，整改到位"]
    assert [a["data-result"] for a in attrs(detail, "measure-recheck")] == [""]


def test_a_re_check_date_in_the_past_is_refused(client, world):
    m = requested(world)
    client.force_login(world.office)
    response = decide(client, m, "accept", opinion="整改到位", recheck_on="2026-01-01")
    assert response.status_code == 400
    assert texts(response, "error-recheck_on")
    assert fresh(m).state == "closure_requested"


def test_closing_with_an_open_milestone_is_refused_with_the_reason(client, world):
    m = world.measure_a
    services.add_milestone(m, actor=world.office, title="第一阶段", due_on=dt.date(2026, 12, 1))
    m = requested(world, m)
    client.force_login(world.office)
    response = decide(client, m, "accept", opinion="整改到位")
    assert response.status_code == 409
    assert texts(response, "form-error")
    assert texts(response, "error-opinion") == []
    assert fresh(m).state == "closure_requested"


def test_returning_needs_reasons(client, world):
    m = requested(world)
    client.force_login(world.office)
    response = decide(client, m, "return", reason="")
    assert response.status_code == 400
    assert fresh(m).state == "closure_requested"

    response = decide(client, m, "return", reason="佐证材料不足，请补充会议纪要")
    assert response.status_code == 302
    m = fresh(m)
    assert m.state == "returned"
    v = Verification.objects.get(measure=m)
    assert (v.decision, v.reason) == (VerificationDecision.RETURNED, "佐证材料不足，请补充会议纪要")


def test_closing_as_not_feasible_for_now(client, world):
    m = requested(world)
    client.force_login(world.office)
    assert decide(client, m, "not_feasible", reason="").status_code == 400
    response = decide(client, m, "not_feasible", reason="涉及法律修订，需待上位法出台")
    assert response.status_code == 302
    m = fresh(m)
    assert (m.state, m.closure, m.closure_opinion) == (
        "closed",
        Closure.NOT_FEASIBLE,
        "涉及法律修订，需待上位法出台",
    )
    assert Verification.objects.get(measure=m).decision == VerificationDecision.NOT_FEASIBLE


def test_whoever_requested_closure_cannot_verify_it_even_as_office(client, world):
    m = requested(world, by=world.office)
    client.force_login(world.office)
    response = client.get(verify_url(m))
    assert texts(response, "warning-own")
    for button in ("accept-button", "return-button", "not-feasible-button"):
        assert "disabled" in attrs(response, button)[0], button
    response = decide(client, m, "accept", opinion="整改到位")
    assert response.status_code == 403
    assert texts(response, "form-error")
    assert fresh(m).state == "closure_requested"
    assert not Verification.objects.filter(measure=m).exists()


def test_a_decision_without_a_form_here_is_refused_visibly(client, world):
    m = requested(world)
    client.force_login(world.office)
    response = decide(client, m, "confirm", note="确认")
    assert response.status_code == 400
    assert texts(response, "refusal")
    assert fresh(m).state == "closure_requested"


def test_a_stale_version_is_shown_not_overwritten(client, world):
    m = requested(world)
    stale = fresh(m).version
    services.update_measure(fresh(m), actor=world.office, expected_version=stale, content="改")
    client.force_login(world.office)
    response = client.post(
        verify_url(m),
        {"decision": "return", "return-version": stale, "return-reason": "材料不足"},
    )
    assert response.status_code == 409
    assert texts(response, "conflict")
    assert fresh(m).state == "closure_requested"
    assert attrs(response, "decide-return")  # the form is offered again, with the text kept
    assert "材料不足" in response.content.decode()
    assert f'value="{fresh(m).version}"' in response.content.decode()


def test_the_measure_page_leads_to_the_verification_page(client, world):
    m = requested(world)
    client.force_login(world.office)
    response = client.get(reverse("measure-detail", args=[m.pk]))
    assert attrs(response, "verify-link")[0]["href"] == verify_url(m)
    assert b'data-transition="verify"' not in response.content


@pytest.mark.parametrize("who", ["liaison", "viewer"])
def test_who_sees_the_measure_but_does_not_verify_gets_403(client, world, who):
    m = requested(world)
    client.force_login(world.personas[who])
    assert client.get(verify_url(m)).status_code == 403
    assert decide(client, m, "accept", opinion="整改到位").status_code == 403
    assert fresh(m).state == "closure_requested"


def test_another_units_liaison_does_not_find_the_page(client, world):
    m = requested(world)
    client.force_login(world.liaison2)
    assert client.get(verify_url(m)).status_code == 404


# --- extension requests (延期申请) ----------------------------------------------------------------


def extension_post(client, ext, **data):
    return client.post(reverse("extension-decide", args=[ext.pk]), data)


def test_granting_an_extension_moves_the_deadline_and_keeps_the_original(client, world):
    ext = extension(world, days=90)
    client.force_login(world.office)
    response = extension_post(client, ext, decision="grant", reason="同意")
    assert response.status_code == 302
    m = fresh(world.measure_a)
    assert m.deadline == dt.date(2027, 3, 31)
    assert m.original_deadline == dt.date(2026, 12, 31)
    assert m.deadline_moves == 1
    change = DeadlineChange.objects.get(measure=m)
    assert (change.old_deadline, change.new_deadline, change.extension) == (
        dt.date(2026, 12, 31),
        dt.date(2027, 3, 31),
        ExtensionRequest.objects.get(pk=ext.pk),
    )
    assert ExtensionRequest.objects.get(pk=ext.pk).status == "granted"
    assert ActivityLog.objects.filter(action="extension.grant", target_id=ext.pk).exists()

    detail = client.get(reverse("measure-detail", args=[m.pk]))
    assert texts(detail, "original-deadline") == ["2026-12-31"]
    assert len(attrs(detail, "deadline-change")) == 1
    assert [a["data-status"] for a in attrs(detail, "extension-decided")] == ["granted"]


def test_granting_another_date(client, world):
    ext = extension(world, days=90)
    client.force_login(world.office)
    extension_post(client, ext, decision="grant", deadline="2027-01-31", reason="给予一个月")
    assert fresh(world.measure_a).deadline == dt.date(2027, 1, 31)
    # a "new" date before the current deadline is no extension
    ext2 = extension(world, days=30)
    response = extension_post(client, ext2, decision="grant", deadline="2026-12-01")
    assert response.status_code == 302
    assert fresh(world.measure_a).deadline == dt.date(2027, 1, 31)
    assert ExtensionRequest.objects.get(pk=ext2.pk).status == "pending"


def test_refusing_an_extension_needs_a_reason(client, world):
    ext = extension(world)
    client.force_login(world.office)
    response = extension_post(client, ext, decision="refuse", reason="", next=todo_url(world))
    assert response["Location"] == todo_url(world)
    assert ExtensionRequest.objects.get(pk=ext.pk).status == "pending"
    extension_post(client, ext, decision="refuse", reason="时限已留有余量，请加快进度")
    ext = ExtensionRequest.objects.get(pk=ext.pk)
    assert (ext.status, ext.decision_reason) == ("refused", "时限已留有余量，请加快进度")
    m = fresh(world.measure_a)
    assert (m.deadline, m.deadline_moves) == (dt.date(2026, 12, 31), 0)
    assert not DeadlineChange.objects.filter(measure=m).exists()


def test_from_the_to_do_list_htmx_replaces_the_row(client, world):
    ext = extension(world)
    client.force_login(world.office)
    url = reverse("extension-decide", args=[ext.pk])
    response = client.post(url, {"decision": "refuse", "reason": ""}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response["HX-Retarget"] == f"#ext-{ext.pk}-errors"
    assert texts(response, "inline-error")
    response = client.post(url, {"decision": "grant"}, HTTP_HX_REQUEST="true")
    assert "HX-Retarget" not in response
    assert "2027-03-31" in texts(response, "inline-done")[0]
    assert fresh(world.measure_a).deadline == dt.date(2027, 3, 31)


def test_the_office_decides_from_the_measure_page_too(client, world):
    extension(world)
    client.force_login(world.office)
    response = client.get(reverse("measure-detail", args=[world.measure_a.pk]))
    assert len(attrs(response, "extension-form")) == 1
    client.force_login(world.liaison)
    response = client.get(reverse("measure-detail", args=[world.measure_a.pk]))
    assert [a["data-status"] for a in attrs(response, "extension-pending")] == ["pending"]
    assert attrs(response, "extension-form") == []  # (the office's; the unit's waits)


def test_a_liaison_may_not_decide_an_extension(client, world):
    ext = extension(world)
    client.force_login(world.liaison)
    assert extension_post(client, ext, decision="grant").status_code == 403
    client.force_login(world.liaison2)
    assert extension_post(client, ext, decision="grant").status_code == 404
    assert ExtensionRequest.objects.get(pk=ext.pk).status == "pending"


# --- re-checks (回头看) ---------------------------------------------------------------------------


def test_a_relapse_reopens_the_measure_and_counts(client, world):
    m = closed(world, recheck_on=TODAY)
    recheck = Recheck.objects.get(measure=m)
    url = reverse("recheck-record", args=[recheck.pk])
    client.force_login(world.office)
    client.post(url, {"result": "relapsed", "note": ""})
    assert Recheck.objects.get(pk=recheck.pk).result == ""
    client.post(url, {"result": "relapsed", "note": "考核事项又有反弹"})
    m = fresh(m)
    assert (m.state, m.relapse_count) == ("reopened", 1)
    assert Recheck.objects.get(pk=recheck.pk).result == "relapsed"
    detail = client.get(reverse("measure-detail", args=[m.pk]))
    assert "1" in texts(detail, "relapse-count")[0]
    assert [a["data-result"] for a in attrs(detail, "measure-recheck")] == ["relapsed"]


def test_a_held_re_check(client, world):
    m = closed(world, recheck_on=TODAY)
    recheck = Recheck.objects.get(measure=m)
    client.force_login(world.office)
    client.post(reverse("recheck-record", args=[recheck.pk]), {"result": "held"})
    assert Recheck.objects.get(pk=recheck.pk).result == "held"
    assert fresh(m).state == "closed"


def test_the_re_check_list_per_reader(client, world):
    closed(world, world.measure_a, recheck_on=TODAY)
    closed(world, world.measure_b, recheck_on=TODAY + dt.timedelta(days=30))
    url = reverse("rechecks", args=[world.campaign.slug])

    client.force_login(world.office)
    response = client.get(url)
    assert [a["data-measure"] for a in attrs(response, "recheck")] == [
        str(world.measure_a.pk),
        str(world.measure_b.pk),
    ]
    assert len(attrs(response, "recheck-form")) == 1  # on the due one

    client.force_login(world.liaison)
    response = client.get(url)
    assert [a["data-measure"] for a in attrs(response, "recheck")] == [str(world.measure_a.pk)]
    assert attrs(response, "recheck-form") == []
    recheck = Recheck.objects.get(measure=world.measure_a)
    post = client.post(reverse("recheck-record", args=[recheck.pk]), {"result": "held"})
    assert post.status_code == 403

    # Campaign-wide readers see every re-check and record none.
    client.force_login(world.viewer)
    response = client.get(url)
    assert len(attrs(response, "recheck")) == 2
    assert attrs(response, "recheck-form") == []
    client.force_login(world.outsider)
    assert client.get(url).status_code == 404


def test_the_office_sets_a_re_check_from_the_measure_page(client, world):
    m = closed(world)
    url = reverse("measure-recheck", args=[m.pk])
    client.force_login(world.office)
    detail = client.get(reverse("measure-detail", args=[m.pk]))
    assert attrs(detail, "recheck-schedule")
    client.post(url, {"due_on": "2027-05-01"})
    assert list(Recheck.objects.filter(measure=m).values_list("due_on", flat=True)) == [
        dt.date(2027, 5, 1)
    ]
    client.force_login(world.liaison)
    assert client.post(url, {"due_on": "2027-06-01"}).status_code == 403
    assert Recheck.objects.filter(measure=m).count() == 1


# --- second confirmation --------------------------------------------------------------------------


def test_the_confirmation_rule_flow(client, world):
    url = reverse("confirmation-rules", args=[world.campaign.slug])
    client.force_login(world.office)
    assert client.get(url).status_code == 200
    response = client.post(url, {"source": Source.INSPECTION, "confirmer": world.outsider.pk})
    assert response.status_code == 400  # not a member of the campaign: not offered
    response = client.post(url, {"source": Source.INSPECTION, "confirmer": world.supervisor.pk})
    assert response.status_code == 302
    rule = ConfirmationRule.objects.get(campaign=world.campaign)
    assert (rule.source, rule.confirmer) == (Source.INSPECTION, world.supervisor)
    assert history(rule).get().action == "confirmation_rule.create"

    # a closure of an inspection problem waits for the supervisor
    m = closed(world, world.measure_b2)
    assert fresh(m).awaiting_confirmation
    client.force_login(world.supervisor)
    page = client.get(verify_url(m))
    assert page.status_code == 200
    assert attrs(page, "confirm-button") and attrs(page, "decline-button")
    assert attrs(page, "accept-button") == []
    detail = client.get(reverse("measure-detail", args=[m.pk]))
    assert attrs(detail, "awaiting-confirmation")
    assert attrs(detail, "confirm-button")

    # while it waits, the rule stays
    client.force_login(world.office)
    client.post(reverse("confirmation-rule-delete", args=[world.campaign.slug, rule.pk]))
    assert ConfirmationRule.objects.filter(pk=rule.pk).exists()

    client.force_login(world.supervisor)
    response = decide(client, m, "confirm", note="同意销号")
    assert response.status_code == 302
    m = fresh(m)
    assert not m.awaiting_confirmation and m.state == "closed"
    assert Verification.objects.filter(measure=m, decision="confirmed").exists()

    client.force_login(world.office)
    client.post(reverse("confirmation-rule-delete", args=[world.campaign.slug, rule.pk]))
    assert not ConfirmationRule.objects.filter(pk=rule.pk).exists()
    assert ActivityLog.objects.filter(action="confirmation_rule.delete").exists()


def test_the_confirmer_declines_with_reasons(client, world):
    services.create_confirmation_rule(
        world.campaign, actor=world.office, source=Source.INSPECTION, confirmer=world.supervisor
    )
    m = closed(world, world.measure_b2)
    client.force_login(world.supervisor)
    assert decide(client, m, "decline", reason="").status_code == 400
    response = decide(client, m, "decline", reason="现场核查发现仍未落实")
    assert response.status_code == 302
    m = fresh(m)
    assert (m.state, m.awaiting_confirmation, m.closure) == ("returned", False, "")


def test_only_the_office_manages_the_rules(client, world):
    client.force_login(world.supervisor)
    url = reverse("confirmation-rules", args=[world.campaign.slug])
    assert client.get(url).status_code == 403
    assert (
        client.post(url, {"source": Source.AUDIT, "confirmer": world.supervisor.pk}).status_code
        == 403
    )
    assert not ConfirmationRule.objects.exists()


def test_naming_another_confirmer_replaces_the_first(client, world):
    services.create_confirmation_rule(
        world.campaign, actor=world.office, source=Source.AUDIT, confirmer=world.supervisor
    )
    rule = services.create_confirmation_rule(
        world.campaign, actor=world.office, source=Source.AUDIT, confirmer=world.leader
    )
    assert ConfirmationRule.objects.get().confirmer == world.leader
    assert [e.action for e in history(rule)] == [
        "confirmation_rule.update",
        "confirmation_rule.create",
    ]
