"""Figures and roll-ups count what the reader may see (defect 1 of issue 10).

A viewer limited to one unit saw that unit's 18 measures in the lists but the campaign's 281 on
the campaign home, and every subordinate campaign on the subordinates page. Each figure a
unit-limited person sees is compared here with the list behind it.
"""

import datetime as dt

import pytest

from rectify.campaigns import services as campaign_services
from rectify.campaigns.choices import ActivityKind
from rectify.campaigns.scoping import scope_activities
from rectify.feedback.choices import Channel, FeedbackKind
from rectify.feedback.items import services as feedback_services
from rectify.feedback.scoping import scope_feedback
from rectify.ledger.scoping import scope_measures, scope_problems
from rectify.orgs.access import SYSTEM
from rectify.orgs.choices import Role
from rectify.reports import figures
from tests.factories import grant, make_campaign, make_user

LIMITED_ROLES = (Role.VIEWER, Role.LEADER, Role.SUPERVISOR)


@pytest.fixture
def scene(world):
    """Feedback, activities and subordinate campaigns at both bureaus of the World."""
    w = world
    for unit, n in ((w.bureau_a, 2), (w.bureau_b, 3)):
        campaign_services.create_activity(
            w.campaign,
            actor=w.office,
            kind=ActivityKind.SYMPOSIUM,
            title=f"{unit.name}座谈会",
            held_on=dt.date(2026, 10, 1),
            org_unit=unit,
            participant_count=10 * n,
        )
        for i in range(n):
            item = feedback_services.create_feedback(
                w.campaign,
                actor=w.office,
                kind=FeedbackKind.PROBLEM if i else FeedbackKind.SUGGESTION,
                text=f"{unit.name}的第{i + 1}条意见",
                channel=Channel.SYMPOSIUM,
                flag=False,
            )
            feedback_services.update_triage(item, actor=w.office, org_unit=unit)
    for unit in (w.org_a1, w.bureau_b):
        make_campaign(unit, slug=f"sub-{unit.pk}", parent=w.campaign)
    return w


@pytest.mark.django_db
@pytest.mark.parametrize("role", LIMITED_ROLES)
def test_every_figure_of_a_unit_limited_reader_matches_the_list_behind_it(scene, role):
    w = scene
    person = make_user(f"limited-{role}")
    grant(person, w.campaign, role, w.bureau_a)
    f = figures.campaign_figures(person, w.campaign)
    measures = scope_measures(person, w.campaign)
    problems = scope_problems(person, w.campaign)
    feedback = scope_feedback(person, w.campaign)
    activities = scope_activities(person, w.campaign)

    assert f.measures_total == measures.count() == 1  # bureau A's one measure of three
    assert f.consolidated == problems.count() == 1
    assert sum(f.problems_by_state.values()) == f.consolidated
    assert sum(f.measures_by_state.values()) == f.measures_total
    assert f.problems_collected == feedback.filter(kind=FeedbackKind.PROBLEM).count() == 1
    assert f.suggestions_collected == feedback.filter(kind=FeedbackKind.SUGGESTION).count() == 1
    assert f.activities == activities.count() == 1
    assert f.interviewees == 20
    assert [n for _list, n in f.lists] == [0] * len(f.lists)
    # Only the subordinate campaign of a unit within bureau A.
    rows = figures.subordinate_rollup(person, w.campaign)
    assert [r.campaign.org_unit for r in rows] == [w.org_a1]
    assert f.subordinate_units == 1


@pytest.mark.django_db
def test_the_office_sees_the_whole_campaign(scene):
    w = scene
    f = figures.campaign_figures(w.office, w.campaign)
    assert (f.measures_total, f.consolidated, f.activities) == (3, 2, 2)
    assert (f.problems_collected, f.suggestions_collected, f.subordinate_units) == (3, 2, 2)
    assert f == figures.campaign_figures(SYSTEM, w.campaign)


@pytest.mark.django_db
def test_the_pages_show_the_limited_figures(scene, client):
    w = scene
    grant(w.viewer, w.campaign, Role.VIEWER, w.bureau_a)
    w.viewer.memberships.filter(org_unit=None).delete()
    client.force_login(w.viewer)
    home = client.get(f"/c/{w.campaign.slug}/")
    assert home.context["figures"].measures_total == 1
    page = client.get(f"/c/{w.campaign.slug}/subordinates/")
    assert [r.campaign.org_unit for r in page.context["rows"]] == [w.org_a1]
