"""Who sees what: every scoping function against every persona.

One World is shared by the module (rolled back at its end); the extras below add a measure of
the child unit org_a1, a problem led by org_a1 with no measure yet, feedback about each unit,
a work group, evidence, members scoped to a unit, and a second campaign.

    ministry ─┬─ bureau_a ── org_a1
              └─ bureau_b
"""

import types

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.test import override_settings

from rectify.campaigns import scoping as campaigns_scoping
from rectify.campaigns.models import WorkGroup
from rectify.feedback import scoping as feedback_scoping
from rectify.feedback.choices import Channel, FeedbackKind
from rectify.feedback.models import FeedbackItem
from rectify.ledger import scoping as ledger_scoping
from rectify.ledger import services
from rectify.ledger.choices import Source
from rectify.orgs import access
from rectify.orgs.choices import Role
from rectify.orgs.models import Membership
from tests.factories import World, add_evidence, grant, make_campaign, make_unit, make_user

ALL_MEASURES = {"a", "a1", "b", "b2"}
ALL_PROBLEMS = {"problem", "problem_b_only", "problem_a1", "problem_led_by_a1"}
ALL_FEEDBACK = {"fb_a", "fb_a1", "fb_b", "fb_none", "fb_region", "fb_group"}

# The suite's autouse fixture that picks a fast hasher is function-scoped; this one is not.
FAST_HASHING = {"PASSWORD_HASHERS": ["django.contrib.auth.hashers.MD5PasswordHasher"]}


@pytest.fixture(scope="module")
def scene(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic(), override_settings(**FAST_HASHING):
        w = World()
        c = w.campaign
        x = types.SimpleNamespace(world=w, campaign=c)
        x.users = dict(w.personas)
        x.users["superuser"] = make_user("root", is_superuser=True)
        x.users["anonymous"] = AnonymousUser()
        x.users["inactive_office"] = make_user("inactive_office", is_active=False)
        grant(x.users["inactive_office"], c, Role.OFFICE)
        for name, role, unit in [
            ("leader_b", Role.LEADER, w.bureau_b),
            ("supervisor_a", Role.SUPERVISOR, w.bureau_a),
            ("viewer_a1", Role.VIEWER, w.org_a1),
            ("group_a", Role.GROUP, w.bureau_a),
            ("office_scoped", Role.OFFICE, w.bureau_b),  # the office sees all regardless
        ]:
            x.users[name] = make_user(name)
            grant(x.users[name], c, role, unit)

        x.problem_a1 = services.create_problem(
            c, actor=w.office, title="协会收费不规范", source=Source.GRASSROOTS
        )
        x.problem_led_by_a1 = services.create_problem(
            c, actor=w.office, title="协会章程待修订", source=Source.STUDY, lead_unit=w.org_a1
        )
        x.measures = {
            "a": w.measure_a,
            "b": w.measure_b,
            "b2": w.measure_b2,
            "a1": w.measure(x.problem_a1, w.org_a1, "清理违规收费"),
        }
        x.problems = {
            "problem": w.problem,
            "problem_b_only": w.problem_b_only,
            "problem_a1": x.problem_a1,
            "problem_led_by_a1": x.problem_led_by_a1,
        }
        x.evidence = {
            "a": add_evidence(w.measure_a, w.office, b"a"),
            "b": add_evidence(w.measure_b, w.office, b"b"),
        }

        group = WorkGroup.objects.create(campaign=c, name="第一工作组")
        group.members.add(w.group)
        group.regions.add(w.region)
        group.org_units.add(w.bureau_b)

        def fb(**fields):
            return FeedbackItem.objects.create(
                campaign=c, kind=FeedbackKind.PROBLEM, text="反映", channel=Channel.OTHER, **fields
            )

        far_unit = make_unit("丙省民政厅", w.ministry)
        x.feedback = {
            "fb_a": fb(org_unit=w.bureau_a),
            "fb_a1": fb(org_unit=w.org_a1),
            "fb_b": fb(org_unit=w.bureau_b),
            "fb_none": fb(),
            "fb_region": fb(region=w.region, org_unit=far_unit),
            "fb_group": fb(work_group=group),
        }

        # A second campaign of the same ministry, with bureau_a's own liaison there.
        x.other = make_campaign(w.ministry, slug="other")
        other_problem = services.create_problem(
            x.other, actor=x.users["superuser"], title="另一项工作的问题", source=Source.SELF
        )
        x.other_measure = services.create_measure(
            other_problem,
            actor=x.users["superuser"],
            content="另一项工作的措施",
            responsible_unit=w.bureau_a,
        )
        x.other_evidence = add_evidence(x.other_measure, x.users["superuser"], b"other")
        x.users["other_liaison"] = make_user("other_liaison", org_unit=w.bureau_a)
        grant(x.users["other_liaison"], x.other, Role.LIAISON, w.bureau_a)
        x.users["other_office"] = make_user("other_office")
        grant(x.users["other_office"], x.other, Role.OFFICE)
        yield x
        transaction.set_rollback(True)


@pytest.fixture
def s(db, scene):
    return scene


def names(objs, qs) -> set[str]:
    by_pk = {o.pk: name for name, o in objs.items()}
    return {by_pk[pk] for pk in qs.values_list("pk", flat=True)}


SEE_ALL = ["office", "superuser", "leader", "supervisor", "viewer", "group", "office_scoped"]
SEE_NOTHING = ["outsider", "anonymous", "inactive_office", "other_liaison", "other_office"]

MEASURES_SEEN = {
    **dict.fromkeys(SEE_ALL, ALL_MEASURES),
    **dict.fromkeys(SEE_NOTHING, set()),
    "liaison": {"a", "a1"},
    "liaison2": {"b", "b2"},
    "leader_b": {"b", "b2"},
    "supervisor_a": {"a", "a1"},
    "viewer_a1": {"a1"},
    "group_a": {"a", "a1"},
}

PROBLEMS_SEEN = {
    **dict.fromkeys(SEE_ALL, ALL_PROBLEMS),
    **dict.fromkeys(SEE_NOTHING, set()),
    # through a measure of their subtree, or because a unit of it leads the problem
    "liaison": {"problem", "problem_a1", "problem_led_by_a1"},
    "liaison2": {"problem", "problem_b_only"},
    "leader_b": {"problem", "problem_b_only"},
    "supervisor_a": {"problem", "problem_a1", "problem_led_by_a1"},
    "viewer_a1": {"problem_a1", "problem_led_by_a1"},
    "group_a": {"problem", "problem_a1", "problem_led_by_a1"},
}

FEEDBACK_SEEN = {
    **dict.fromkeys(["office", "superuser", "leader", "supervisor", "viewer"], ALL_FEEDBACK),
    "office_scoped": ALL_FEEDBACK,
    **dict.fromkeys(SEE_NOTHING, set()),
    # liaisons never see raw feedback
    "liaison": set(),
    "liaison2": set(),
    # what the group collected, its assigned region (Beijing) and its assigned unit (bureau_b)
    "group": {"fb_group", "fb_region", "fb_b"},
    # readers limited to a unit see the feedback about that subtree
    "leader_b": {"fb_b"},
    "supervisor_a": {"fb_a", "fb_a1"},
    "viewer_a1": {"fb_a1"},
    # a group member who belongs to no work group sees nothing
    "group_a": set(),
}


def test_the_tables_cover_every_persona(s):
    assert set(MEASURES_SEEN) == set(s.users)
    assert set(PROBLEMS_SEEN) == set(s.users)
    assert set(FEEDBACK_SEEN) == set(s.users)


@pytest.mark.parametrize("who", sorted(MEASURES_SEEN))
def test_scope_measures(s, who):
    seen = names(s.measures, ledger_scoping.scope_measures(s.users[who], s.campaign))
    assert seen == MEASURES_SEEN[who]


@pytest.mark.parametrize("who", sorted(PROBLEMS_SEEN))
def test_scope_problems(s, who):
    seen = names(s.problems, ledger_scoping.scope_problems(s.users[who], s.campaign))
    assert seen == PROBLEMS_SEEN[who]


@pytest.mark.parametrize("who", sorted(FEEDBACK_SEEN))
def test_scope_feedback(s, who):
    seen = names(s.feedback, feedback_scoping.scope_feedback(s.users[who], s.campaign))
    assert seen == FEEDBACK_SEEN[who]


@pytest.mark.parametrize("who", sorted(MEASURES_SEEN))
def test_get_problem_for_user_agrees_with_scope_problems(s, who):
    for name, problem in s.problems.items():
        if name in PROBLEMS_SEEN[who]:
            got = ledger_scoping.get_problem_for_user(s.users[who], s.campaign, problem.number)
            assert got == problem
        else:
            with pytest.raises(Http404):
                ledger_scoping.get_problem_for_user(s.users[who], s.campaign, problem.number)


# --- one measure: 404 when unseen, 403 when seen but not writable ------------------------------

WRITERS = {
    **dict.fromkeys(["office", "superuser", "office_scoped"], ALL_MEASURES),
    "liaison": {"a", "a1"},
    "liaison2": {"b", "b2"},
}


@pytest.mark.parametrize("who", sorted(MEASURES_SEEN))
def test_get_measure_for_user(s, who):
    user = s.users[who]
    for name, measure in s.measures.items():
        if name not in MEASURES_SEEN[who]:
            for write in (False, True):
                with pytest.raises(Http404):
                    ledger_scoping.get_measure_for_user(user, measure.pk, write=write)
            continue
        assert ledger_scoping.get_measure_for_user(user, measure.pk) == measure
        if name in WRITERS.get(who, ()):
            assert ledger_scoping.get_measure_for_user(user, measure.pk, write=True) == measure
            assert ledger_scoping.can_change_measure(user, measure)
        else:
            with pytest.raises(PermissionDenied):
                ledger_scoping.get_measure_for_user(user, measure.pk, write=True)
            assert not ledger_scoping.can_change_measure(user, measure)


def test_it_answers_404_for_a_measure_that_does_not_exist(s):
    with pytest.raises(Http404):
        ledger_scoping.get_measure_for_user(s.users["superuser"], 10**9)


def test_a_liaison_of_another_campaign_gets_404_for_this_campaigns_measure(s):
    with pytest.raises(Http404):
        ledger_scoping.get_measure_for_user(s.users["other_liaison"], s.measures["a"].pk)
    # …and this campaign's liaison of the same unit cannot reach the other campaign's measure.
    with pytest.raises(Http404):
        ledger_scoping.get_measure_for_user(s.users["liaison"], s.other_measure.pk)
    assert ledger_scoping.get_measure_for_user(
        s.users["other_liaison"], s.other_measure.pk, write=True
    )


# --- evidence ---------------------------------------------------------------------------------


@pytest.mark.parametrize("who", sorted(MEASURES_SEEN))
def test_get_evidence_for_user_follows_the_measure(s, who):
    for name, evidence in s.evidence.items():
        if name in MEASURES_SEEN[who]:
            assert ledger_scoping.get_evidence_for_user(s.users[who], evidence.pk) == evidence
        else:
            with pytest.raises(Http404):
                ledger_scoping.get_evidence_for_user(s.users[who], evidence.pk)


def test_evidence_of_another_campaign_is_404(s):
    with pytest.raises(Http404):
        ledger_scoping.get_evidence_for_user(s.users["liaison"], s.other_evidence.pk)
    with pytest.raises(Http404):
        ledger_scoping.get_evidence_for_user(s.users["office"], s.other_evidence.pk)
    with pytest.raises(Http404):
        ledger_scoping.get_evidence_for_user(s.users["office"], 10**9)


# --- campaigns --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "who,expected",
    [
        ("office", {"world"}),
        ("liaison", {"world"}),
        ("viewer_a1", {"world"}),
        ("other_liaison", {"other"}),
        ("superuser", {"world", "other"}),
        ("outsider", set()),
        ("anonymous", set()),
        ("inactive_office", set()),
    ],
)
def test_scope_campaigns(s, who, expected):
    campaigns = campaigns_scoping.scope_campaigns(s.users[who])
    assert set(campaigns.values_list("slug", flat=True)) == expected
    assert campaigns.count() == len(expected)  # one row per campaign, however many roles


def test_get_campaign_for_user(s):
    assert campaigns_scoping.get_campaign_for_user(s.users["liaison"], "world") == s.campaign
    for who, slug in [("liaison", "other"), ("outsider", "world"), ("anonymous", "world")]:
        with pytest.raises(Http404):
            campaigns_scoping.get_campaign_for_user(s.users[who], slug)


def test_a_user_with_two_roles_is_listed_once(s):
    grant(s.users["viewer_a1"], s.campaign, Role.SUPERVISOR, s.world.bureau_b)
    assert campaigns_scoping.scope_campaigns(s.users["viewer_a1"]).count() == 1


# --- access() ---------------------------------------------------------------------------------


def test_access_reports_roles_and_paths(s):
    w = s.world
    assert access.access(s.users["office"], s.campaign).is_office
    assert access.access(s.users["superuser"], s.other).is_office
    liaison = access.access(s.users["liaison"], s.campaign)
    assert liaison.roles == {Role.LIAISON: (w.bureau_a.path,)}
    assert liaison.covers_unit(w.org_a1, Role.LIAISON)
    assert not liaison.covers_unit(w.bureau_b, Role.LIAISON)
    assert not liaison.is_office
    assert access.access(s.users["leader"], s.campaign).paths(Role.LEADER) is None
    assert access.access(s.users["leader_b"], s.campaign).paths(Role.LEADER) == (w.bureau_b.path,)
    for who in ["outsider", "anonymous", "inactive_office"]:
        assert access.access(s.users[who], s.campaign).roles == {}
    assert access.access(s.users["liaison"], s.other).roles == {}


def test_a_liaison_without_a_unit_reaches_nothing(s):
    # Membership.clean() refuses it, but a row made without clean() must fail closed.
    stray = make_user("stray_liaison")
    Membership.objects.create(user=stray, campaign=s.campaign, role=Role.LIAISON)
    assert not ledger_scoping.scope_measures(stray, s.campaign).exists()
    assert not ledger_scoping.scope_problems(stray, s.campaign).exists()
    assert not ledger_scoping.can_change_measure(stray, s.measures["a"])
    with pytest.raises(Http404):
        ledger_scoping.get_measure_for_user(stray, s.measures["a"].pk)


def test_two_scoped_memberships_add_up(s):
    both = make_user("both_bureaus")
    grant(both, s.campaign, Role.LIAISON, s.world.org_a1)
    grant(both, s.campaign, Role.LIAISON, s.world.bureau_b)
    assert names(s.measures, ledger_scoping.scope_measures(both, s.campaign)) == {"a1", "b", "b2"}


def test_a_unit_whose_id_extends_anothers_is_not_inside_it(s):
    # Paths end with "/", so unit 1's subtree never takes in unit 10 or 100.
    assert all(p.endswith("/") for p in [s.world.bureau_a.path, s.world.org_a1.path])
    lookalike = make_unit("相似编号")
    assert not lookalike.path.startswith(s.world.bureau_a.path)


def test_querysets_scoped_to_a_campaign_never_leak_the_other_campaign(s):
    for who in ["office", "leader", "liaison", "viewer"]:
        user = s.users[who]
        assert not ledger_scoping.scope_measures(user, s.campaign).filter(campaign=s.other).exists()
        assert not ledger_scoping.scope_measures(user, s.other).exists()
        assert not ledger_scoping.scope_problems(user, s.other).exists()
        assert not feedback_scoping.scope_feedback(user, s.other).exists()
