"""campaigns/coverage.py on hand-built data: counts per region and per assigned unit, the thin
places, sorting, scoped counts, and a fixed number of queries however many regions."""

import datetime as dt

import pytest

from rectify.campaigns.choices import ActivityKind
from rectify.campaigns.models import ResearchActivity, WorkGroup
from rectify.feedback.models import FeedbackItem
from rectify.orgs.models import Region
from rectify.reports import coverage
from rectify.reports.coverage import CoverageRow, mark_thin, region_coverage, sort_rows
from tests.campaigns.scene import region
from tests.factories import make_campaign, make_unit

pytestmark = pytest.mark.django_db


def act(w, title, region=None, unit=None, people=0, group=None):
    return ResearchActivity.objects.create(
        campaign=w.campaign,
        kind=ActivityKind.SYMPOSIUM,
        title=title,
        held_on=dt.date(2026, 3, 1),
        region=region,
        org_unit=unit,
        participant_count=people,
        work_group=group,
    )


def item(w, kind="problem", region=None, unit=None, activity=None, text=None):
    return FeedbackItem.objects.create(
        campaign=w.campaign,
        kind=kind,
        channel="symposium",
        text=text or f"意见{FeedbackItem.objects.count()}",
        region=region,
        org_unit=unit,
        activity=activity,
    )


@pytest.fixture
def data(world):
    """Beijing: 2 activities (10 + 5 people), 3 problems + 2 suggestions (one about a district);
    Tianjin: 1 activity (3 people), 1 problem; Hebei: nothing; one activity and one item with
    no region; a second campaign's rows that must not count."""
    w = world
    w.beijing = w.region
    w.tianjin = region("120000", "天津市")
    w.hebei = region("130000", "河北省")
    w.district = Region.objects.create(
        code="110101", name="东城区", short_name="东城", level="county", parent=w.beijing
    )
    w.group_a = WorkGroup.objects.create(campaign=w.campaign, name="一组")
    w.group_a.regions.add(w.beijing, w.tianjin)
    w.group_a.org_units.add(w.bureau_a)
    w.group_b = WorkGroup.objects.create(campaign=w.campaign, name="二组")
    w.group_b.regions.add(w.beijing)
    bj1 = act(w, "北京一", w.beijing, w.bureau_a, 10, w.group_a)
    act(w, "北京二", w.district, w.org_a1, 5, w.group_a)
    act(w, "天津", w.tianjin, None, 3)
    act(w, "书面", None, None, 4)
    for _ in range(2):
        item(w, "problem", w.beijing)
    item(w, "problem", w.district)
    item(w, "suggestion", w.beijing, activity=bj1)
    item(w, "suggestion", w.beijing, unit=w.org_a1)
    item(w, "problem", w.tianjin)
    item(w, "suggestion", None)
    other = make_campaign(w.ministry, slug="other")
    ResearchActivity.objects.create(
        campaign=other, kind="symposium", title="x", held_on=dt.date(2026, 3, 1), region=w.hebei
    )
    FeedbackItem.objects.create(
        campaign=other, kind="problem", channel="symposium", text="x", region=w.hebei
    )
    return w


def row_of(cov, place) -> CoverageRow:
    return next(r for r in cov.rows if r.place == place)


def test_counts_per_region(data):
    cov = region_coverage(data.campaign)
    assert len(cov.rows) == Region.objects.filter(level="province").count() == 32
    bj = row_of(cov, data.beijing)
    assert (bj.activities, bj.participants, bj.problems, bj.suggestions) == (2, 15, 3, 2)
    assert [g.name for g in bj.groups] == ["一组", "二组"]
    tj = row_of(cov, data.tianjin)
    assert (tj.activities, tj.participants, tj.problems, tj.suggestions) == (1, 3, 1, 0)
    hb = row_of(cov, data.hebei)
    assert (hb.activities, hb.participants, hb.items, hb.groups) == (0, 0, 0, [])


def test_activities_and_items_without_a_region_are_counted_apart(data):
    cov = region_coverage(data.campaign)
    u = cov.unplaced
    assert (u.activities, u.participants, u.problems, u.suggestions) == (1, 4, 0, 1)
    total = cov.total
    assert (total.activities, total.participants, total.items) == (4, 22, 7)


def test_regions_without_activity_or_items_are_thin(data):
    cov = region_coverage(data.campaign)
    assert not row_of(cov, data.beijing).thin
    assert not row_of(cov, data.tianjin).thin  # the median is 0: only zeros are thin
    hb = row_of(cov, data.hebei)
    assert hb.thin and hb.reasons == ["no_activity", "no_items"]
    assert len(cov.thin_rows) == 30


def test_few_items_against_the_median_is_thin():
    rows = [CoverageRow(place=None, activities=1, problems=n) for n in (10, 10, 12, 2, 3)]
    rows.append(CoverageRow(place=None, activities=0, problems=9))
    median, threshold = mark_thin(rows)
    assert (median, threshold) == (9.5, 2.375)
    assert [r.thin for r in rows] == [False, False, False, True, False, True]
    assert rows[3].reasons == ["few_items"]
    assert rows[5].reasons == ["no_activity"]


def test_counts_follow_the_querysets_given(data):
    """Callers pass scoped querysets: a count covers only what the reader may see."""
    feedback = FeedbackItem.objects.filter(campaign=data.campaign, kind="problem")
    activities = ResearchActivity.objects.filter(campaign=data.campaign, work_group=data.group_a)
    cov = region_coverage(data.campaign, activities=activities, feedback=feedback)
    bj = row_of(cov, data.beijing)
    assert (bj.activities, bj.problems, bj.suggestions) == (2, 3, 0)
    assert row_of(cov, data.tianjin).activities == 0


def test_counts_per_assigned_unit_include_subunits_and_items_heard_there(data):
    cov = coverage.unit_coverage(data.campaign)
    assert [r.place for r in cov.rows] == [data.bureau_a]
    (row,) = cov.rows
    # activities at bureau_a and at its child org_a1; the item triaged to org_a1 and the one
    # heard at the activity held at bureau_a
    assert (row.activities, row.participants, row.problems, row.suggestions) == (2, 15, 0, 2)
    assert [g.name for g in row.groups] == ["一组"]


def test_a_unit_nobody_reached_is_thin(data):
    lonely = make_unit("丙省民政厅", data.ministry)
    data.group_b.org_units.add(lonely)
    cov = coverage.unit_coverage(data.campaign)
    row = next(r for r in cov.rows if r.place == lonely)
    assert row.thin and row.reasons == ["no_activity", "no_items"]


def test_sorting(data):
    rows = region_coverage(data.campaign).rows
    assert [r.place for r in sort_rows(rows, "-items")[:2]] == [data.beijing, data.tianjin]
    assert sort_rows(rows, "items")[-1].place == data.beijing
    assert sort_rows(rows, "-place")[0].place.code == "660000"
    assert sort_rows(rows, "nonsense") == rows


def test_one_query_per_figure_however_many_regions(data, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        cov = region_coverage(data.campaign)
        [r.groups for r in cov.rows]
    with django_assert_max_num_queries(2):
        coverage.unit_coverage(data.campaign)
