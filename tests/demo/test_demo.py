"""`rectify demo`: the seed's campaign, built once, through the services, safe to serve locally."""

import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from io import StringIO

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count, Q
from django.test import TestCase, override_settings

from rectify.audit.models import ActivityLog
from rectify.campaigns.models import Campaign, Program
from rectify.demo.builder import build_demo, demo_usernames
from rectify.demo.data import PROMINENT_LIST, SOURCE_LISTS
from rectify.demo.management.commands.demo import is_loopback
from rectify.feedback.choices import FeedbackKind
from rectify.feedback.models import FeedbackItem
from rectify.ledger.choices import MeasureMode, MeasureState, ProblemState, Source
from rectify.ledger.derived import annotate_problem_state
from rectify.ledger.models import (
    Category,
    Evidence,
    ExtensionRequest,
    Measure,
    Milestone,
    Problem,
    ProblemFeedback,
    ProblemList,
    ProgressReport,
    Recheck,
    Verification,
)
from rectify.ledger.scoping import scope_measures
from rectify.orgs.access import SYSTEM
from rectify.orgs.models import User
from rectify.reports import figures
from rectify.supervision.models import SupervisionAction

FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def row_counts() -> dict[str, int]:
    return {m._meta.label: m._default_manager.count() for m in apps.get_models()}


def logged(model, action: str) -> set[int]:
    """Ids of `model` rows that have an activity-log entry `action`."""
    return set(
        ActivityLog.objects.filter(
            target_type=ContentType.objects.get_for_model(model), action=action
        ).values_list("target_id", flat=True)
    )


class DemoCampaignTests(TestCase):
    """One build (a few seconds) shared by every test here; rolled back after the class."""

    @classmethod
    def setUpTestData(cls):
        media = cls.enterClassContext(tempfile.TemporaryDirectory())
        cls.enterClassContext(override_settings(MEDIA_ROOT=media, PASSWORD_HASHERS=FAST_HASHERS))
        cls.campaign, cls.created = build_demo()
        cls.figures = figures.campaign_figures(SYSTEM, cls.campaign)

    def measures(self):
        return Measure.objects.filter(campaign=self.campaign)

    def test_it_builds_the_campaign_once(self):
        assert self.created
        assert self.campaign.slug == "demo"
        assert Campaign.objects.filter(slug="demo").count() == 1

    def test_it_reproduces_the_seed_figures(self):
        f = self.figures
        assert (f.regions, f.work_groups, f.cadres) == (32, 32, 168)
        assert f.symposiums >= 150  # 召开座谈会150多场次
        assert f.interviewees >= 1900  # 访谈干部群众1900多人次
        assert f.problems_collected >= 180  # 问题180多条
        assert f.suggestions_collected >= 200  # 意见建议200多条
        assert (f.consolidated, f.prominent) == (140, 21)
        assert (f.inspection_total, f.inspection_rectified) == (20, 17)
        assert f.subordinate_units == 161
        indicator = self.campaign.indicators.get(name="低收入群体受益人数")
        assert (indicator.value, indicator.unit) == (44_000_000, "人")

    def test_every_measure_state_occurs_and_some_are_late(self):
        f = self.figures
        assert set(f.measures_by_state) == set(MeasureState.values)
        assert all(n > 0 for n in f.measures_by_state.values()), f.measures_by_state
        assert f.overdue > 0
        assert f.due_soon > 0
        modes = set(self.measures().values_list("mode", flat=True))
        assert modes == set(MeasureMode.values)
        assert self.measures().filter(mode=MeasureMode.LONG_TERM, phase_complete=True).exists()

    def test_each_work_group_researches_one_region_with_its_cadres(self):
        groups = self.campaign.work_groups.annotate(
            n_regions=Count("regions", distinct=True), n_members=Count("members", distinct=True)
        )
        assert {g.n_regions for g in groups} == {1}
        assert sum(g.n_members for g in groups) == 168
        group_user = User.objects.get(username="group")
        assert group_user.work_groups.filter(campaign=self.campaign).count() == 1

    def test_the_problem_lists_are_one_plus_three(self):
        lists = {pl.name: pl for pl in self.campaign.problem_lists.all()}
        assert set(lists) == {PROMINENT_LIST, *SOURCE_LISTS.values()}
        problems = Problem.objects.filter(campaign=self.campaign)
        assert not problems.filter(lists=None).exists()
        prominent = set(problems.filter(is_prominent=True).values_list("pk", flat=True))
        assert set(lists[PROMINENT_LIST].problems.values_list("pk", flat=True)) == prominent
        assert not problems.filter(Q(nature="") | Q(difficulty="") | Q(category=None)).exists()

    def test_feedback_is_merged_into_problems_with_provenance(self):
        items = FeedbackItem.objects.filter(campaign=self.campaign)
        assert not items.filter(kind=FeedbackKind.PROBLEM, merges=None).exists()
        assert not items.filter(Q(region=None) | Q(activity=None) | Q(work_group=None)).exists()
        links = ProblemFeedback.objects.filter(problem__campaign=self.campaign)
        merged_in_log = sum(
            len(entry.after["feedback_items"])
            for entry in ActivityLog.objects.filter(campaign=self.campaign, action="problem.merge")
        )
        assert merged_in_log == links.count()
        assert links.exclude(similarity=None).exists()
        heard_often = Problem.objects.filter(campaign=self.campaign).annotate(
            n=Count("feedback_items", filter=Q(feedback_items__kind=FeedbackKind.PROBLEM))
        )
        assert heard_often.filter(n__gte=3).exists()  # near-duplicates merged

    def test_inspection_feedback_17_of_20_rectified_through_verification(self):
        inspection = annotate_problem_state(
            Problem.objects.filter(campaign=self.campaign, source=Source.INSPECTION)
        )
        rectified = inspection.filter(state=ProblemState.RECTIFIED)
        assert rectified.count() == 17
        closed = Measure.objects.filter(problem__in=rectified)
        assert (
            closed.count() == closed.filter(verifications__decision="accepted").distinct().count()
        )
        assert set(closed.values_list("pk", flat=True)) <= logged(Measure, "measure.verify")
        assert inspection.filter(state=ProblemState.IN_PROGRESS).count() == 3

    def test_every_ledger_change_is_in_the_activity_log(self):
        everywhere = Q(campaign=self.campaign) | Q(campaign__parent=self.campaign)
        measures = Measure.objects.filter(everywhere)
        problems = set(Problem.objects.filter(everywhere).values_list("pk", flat=True))
        assert problems <= logged(Problem, "problem.create")
        assert set(measures.values_list("pk", flat=True)) <= logged(Measure, "measure.create")
        started = measures.exclude(state=MeasureState.DRAFT).values_list("pk", flat=True)
        assert set(started) <= logged(Measure, "measure.start")
        closed = measures.filter(state=MeasureState.CLOSED).values_list("pk", flat=True)
        assert set(closed) <= logged(Measure, "measure.verify") | logged(
            Measure, "measure.close_not_feasible"
        )
        reopened = measures.filter(state=MeasureState.REOPENED).values_list("pk", flat=True)
        assert set(reopened) <= logged(Measure, "measure.reopen")
        decisions = ActivityLog.objects.filter(
            action__in=["measure.verify", "measure.return", "measure.close_not_feasible"]
        )
        assert Verification.objects.count() == decisions.count()
        assert set(ExtensionRequest.objects.values_list("pk", flat=True)) <= logged(
            ExtensionRequest, "extension.request"
        )
        assert set(Recheck.objects.values_list("pk", flat=True)) <= logged(
            Recheck, "recheck.schedule"
        )

    def test_the_rectification_records_are_all_there(self):
        """The office's to-do is not empty, and every outcome but "relapsed and re-closed" shows."""
        measures = Measure.objects.filter(campaign=self.campaign)
        assert measures.filter(state=MeasureState.CLOSURE_REQUESTED).exists()
        assert ExtensionRequest.objects.filter(status="pending").count() == 1
        assert ExtensionRequest.objects.filter(status="granted").count() == 1
        assert measures.filter(deadline_moves=1).exists()
        assert measures.filter(closure="not_feasible").count() == 1
        assert measures.exclude(cooperating_units=None).exists()
        assert Recheck.objects.filter(measure__campaign=self.campaign).count() == 3
        # Every verified closure had its milestones done (no closure over an open step).
        closed = measures.filter(state=MeasureState.CLOSED, closure="rectified")
        assert not Milestone.objects.filter(measure__in=closed, done_on=None).exists()
        outcomes = set(
            annotate_problem_state(Problem.objects.filter(campaign=self.campaign)).values_list(
                "state", flat=True
            )
        )
        assert {
            ProblemState.RECTIFIED,
            ProblemState.IN_PROGRESS,
            ProblemState.RELAPSED,
            ProblemState.NOT_FEASIBLE,
        } <= outcomes
        assert set(Evidence.objects.values_list("pk", flat=True)) <= logged(
            Evidence, "evidence.create"
        )
        assert set(ProgressReport.objects.values_list("pk", flat=True)) <= logged(
            ProgressReport, "progress.create"
        )
        lists = self.campaign.problem_lists.values_list("pk", flat=True)
        assert set(lists) <= logged(ProblemList, "problem_list.create")
        categories = self.campaign.categories.values_list("pk", flat=True)
        assert set(categories) <= logged(Category, "category.create")
        actions = SupervisionAction.objects.filter(campaign=self.campaign)
        assert actions.exists()
        # a yellow supervision notice, then a red one to the same unit, naming the same measures
        yellow, red = actions.exclude(level="").order_by("sequence")
        assert (yellow.level, red.level) == ("yellow", "red")
        assert yellow.target_unit == red.target_unit and yellow.happened_at < red.happened_at
        assert set(yellow.items.all()) == set(red.items.all()) != set()
        assert set(actions.values_list("pk", flat=True)) <= logged(
            SupervisionAction, "supervision.create"
        )

    def test_liaisons_act_on_their_own_units_measures(self):
        liaison = User.objects.get(username="liaison")
        assert ActivityLog.objects.filter(actor=liaison, action="measure.request_closure").exists()
        assert ActivityLog.objects.filter(
            actor__username="liaison2", action="measure.start"
        ).exists()

    def test_the_liaison_sees_only_their_bureaus_measures(self):
        liaison = User.objects.get(username="liaison")
        visible = scope_measures(liaison, self.campaign)
        assert 0 < visible.count() < self.measures().count()
        assert set(visible.values_list("responsible_unit__name", flat=True)) == {"广东省民政厅"}
        other = scope_measures(User.objects.get(username="liaison2"), self.campaign)
        assert other.exists()
        assert not set(other.values_list("pk", flat=True)) & set(
            visible.values_list("pk", flat=True)
        )

    def test_only_the_seven_demo_users_can_log_in(self):
        demo = User.objects.filter(username__in=demo_usernames())
        assert demo.count() == 7
        assert all(u.check_password(settings.RECTIFY_DEMO_PASSWORD) for u in demo)
        others = User.objects.exclude(username__in=demo_usernames())
        assert others.count() == 168  # 166 cadres, the office's verifier and the subordinates'
        assert not any(u.has_usable_password() for u in others)

    def test_each_subordinate_organisation_has_its_own_ledger(self):
        children = Campaign.objects.filter(parent=self.campaign).annotate(
            n_problems=Count("problems", distinct=True),
            n_measures=Count("measures", distinct=True),
            n_open=Count("measures", filter=~Q(measures__state="closed"), distinct=True),
        )
        assert children.count() == 161
        assert children.filter(slug="demo-so-001").exists()
        assert not children.filter(Q(n_problems=0) | Q(n_measures=0)).exists()
        assert children.filter(n_open=0).exists()  # some have finished
        assert children.filter(n_open__gt=0).exists()  # some lag behind
        assert {c.org_unit.kind for c in children.select_related("org_unit")} == {"social_org"}

    def test_the_programs_are_one_five_five_two(self):
        programs = Program.objects.filter(campaign=self.campaign).annotate(n=Count("problems"))
        assert Counter(p.group_label for p in programs) == {"1": 1, "5": 10, "2": 2}
        assert all(p.n > 0 for p in programs)

    def test_every_feedback_item_has_its_keys(self):
        items = FeedbackItem.objects.filter(campaign=self.campaign)
        assert not items.filter(text_key="").exists()
        assert not items.filter(row_fingerprint="").exists()

    def test_its_exported_feedback_imports_back_as_already_present(self):
        """Defect 2 of issue 10: the demo's bulk-created items had no row fingerprints, so its
        own export imported back as 398 new items."""
        before = FeedbackItem.objects.filter(campaign=self.campaign).count()
        with tempfile.TemporaryDirectory() as folder:
            path = f"{folder}/demo-feedback.xlsx"
            call_command("export-feedback", "--campaign", "demo", "-o", path, stdout=StringIO())
            out = StringIO()
            call_command("import", path, "--campaign", "demo", "--user", "office", stdout=out)
        assert FeedbackItem.objects.filter(campaign=self.campaign).count() == before
        assert f"already present {before}" in out.getvalue()

    def test_the_board_shows_the_first_regroupings(self):
        """A new demo's consolidation board is full at both levels (defect 8)."""
        runs = self.campaign.consolidation_runs.filter(status="done")
        assert set(runs.values_list("level", flat=True)) == {"duplicate", "topic"}
        assert all(run.group_count > 0 for run in runs)

    def test_building_again_changes_nothing(self):
        before = row_counts()
        campaign, created = build_demo()
        assert (campaign, created) == (self.campaign, False)
        out = StringIO()
        call_command("demo", stdout=out)
        assert "already exists" in out.getvalue()
        assert row_counts() == before


@pytest.mark.django_db
@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.20", "::", "example.org"])
def test_it_refuses_to_serve_well_known_passwords_off_loopback(host):
    with pytest.raises(CommandError, match="not a loopback address"):
        call_command("demo", "--serve", "--host", host)
    assert not User.objects.exists()
    assert not Campaign.objects.exists()


@pytest.mark.parametrize(
    "host, expected",
    [
        ("127.0.0.1", True),
        ("127.3.2.1", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("10.0.0.5", False),
        ("::", False),
        ("demo.example.org", False),
    ],
)
def test_is_loopback(host, expected):
    assert is_loopback(host) is expected


@pytest.mark.django_db
def test_it_will_not_take_over_existing_users_with_demo_names():
    User.objects.create_user("office", password="someone-else's")
    with pytest.raises(CommandError, match="empty database"):
        build_demo()
    assert User.objects.count() == 1
    assert not Campaign.objects.exists()


@pytest.mark.django_db
def test_building_without_serving_is_allowed_on_any_host(monkeypatch):
    from rectify.demo.management.commands import demo as command

    class Built(Exception):
        pass

    def fake_build(**kwargs):
        raise Built

    monkeypatch.setattr(command, "build_demo", fake_build)
    with pytest.raises(Built):
        call_command("demo", "--host", "0.0.0.0", stdout=StringIO())


SUPERVISED = """
import os, sys, time
import django
django.setup()
from rectify.demo.management.commands.demo import serve_beside_worker
worker = [sys.executable, "-c", "import time; time.sleep(120)"]
serve_beside_worker(lambda: time.sleep(120), worker, announce=lambda pid: print(pid, flush=True))
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (exited, not yet reaped by init) counts as stopped.
    with open(f"/proc/{pid}/stat") as f:
        return f.read().split(") ")[1][0] != "Z"


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGHUP, signal.SIGKILL])
def test_stopping_the_demo_server_stops_its_worker(how):
    """Defect 8 of issue 10: stopping the server left the background worker running."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "rectify.settings"}
    server = subprocess.Popen(
        [sys.executable, "-c", SUPERVISED], stdout=subprocess.PIPE, text=True, env=env
    )
    worker = int(server.stdout.readline())
    assert _alive(worker)
    server.send_signal(how)
    server.wait(timeout=20)
    deadline = time.monotonic() + 10
    while _alive(worker) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(worker)
