"""Every page of the ledger app, for every persona, on its own unit's records and another's.

One row per URL pattern (a guard fails when a pattern of the app has none): who may use it
(OFFICE, UNIT = the liaison of the record's unit, READERS = campaign-wide readers); everyone
else who can see the record is refused (403), whoever cannot see it gets 404, and anonymous
visitors are sent to log in. GET pages must answer 200 to those allowed; POST-only endpoints
must not refuse them (their own validation may still answer 400 or redirect).
"""

import datetime as dt
import io
from dataclasses import dataclass

import pytest
from django.core.files.base import ContentFile
from django.urls import URLPattern, URLResolver
from PIL import Image

import rectify.ledger.holidays.urls
import rectify.ledger.urls
from rectify.ledger import services
from rectify.ledger.choices import Source
from rectify.ledger.models import ConfirmationRule
from rectify.ledger.sheets import migration
from rectify.orgs.access import SYSTEM
from tests.factories import add_evidence, make_user

pytestmark = pytest.mark.usefixtures("pinned_today")

PERSONAS = ["office", "liaison", "liaison2", "leader", "supervisor", "viewer", "group", "outsider"]
READERS = {"office", "leader", "supervisor", "viewer", "group"}
OFFICE = {"office"}
UNIT = "unit"  # the liaison whose subtree holds the record's unit
EVERYONE = READERS | {"liaison", "liaison2"}  # every member of the campaign


@dataclass(frozen=True)
class Page:
    name: str
    args: str  # which record the URL names: campaign, measure, problem, milestone, evidence …
    allowed: frozenset  # personas (and/or UNIT) who may use it
    method: str = "get"
    visible: frozenset = frozenset()  # who else sees the record (refused with 403, not 404)


def page(name, args, allowed, method="get", visible=()):
    return Page(name, args, frozenset(allowed), method, frozenset(visible))


# Who sees a measure: campaign-wide readers and the liaison of its unit (tests/ledger scoping).
SEES_MEASURE = READERS | {UNIT}
PAGES = [
    # problems, lists, categories (the office edits; every member reads)
    page("problem-list", "campaign", EVERYONE),
    page("ledger-export", "campaign", EVERYONE),
    page("problem-create", "campaign", OFFICE, visible=EVERYONE),
    page("problem-classify", "campaign", OFFICE, "post", visible=EVERYONE),
    page("problem-assign", "campaign", OFFICE, "post", visible=EVERYONE),
    page("problem-detail", "problem", READERS | {UNIT}),
    # (office-only pages refuse other members at the campaign, before looking at the problem)
    page("problem-edit", "problem", OFFICE, visible=EVERYONE),
    page("problem-apply-suggestion", "problem", OFFICE, "post", visible=EVERYONE),
    page("measure-create", "problem", OFFICE, visible=EVERYONE),
    page("problem-lists", "campaign", EVERYONE),
    page("problem-list-edit", "list", OFFICE, "post", visible=EVERYONE),
    page("categories", "campaign", EVERYONE),
    page("category-edit", "category", OFFICE, "post", visible=EVERYONE),
    page("deadline-preview", "campaign", EVERYONE),
    # a measure and its records
    page("measure-detail", "measure", SEES_MEASURE),
    page("measure-edit", "measure", OFFICE | {UNIT}, visible=SEES_MEASURE),
    page("measure-transition", "transition", OFFICE | {UNIT}, "post", visible=SEES_MEASURE),
    page("measure-progress", "measure", OFFICE | {UNIT}, "post", visible=SEES_MEASURE),
    page("measure-request-closure", "measure", OFFICE | {UNIT}, "post", visible=SEES_MEASURE),
    page("measure-extension", "measure", OFFICE | {UNIT}, "post", visible=SEES_MEASURE),
    page("measure-phase-complete", "measure", OFFICE | {UNIT}, "post", visible=SEES_MEASURE),
    page("milestone-add", "measure", OFFICE | {UNIT}, "post", visible=SEES_MEASURE),
    page("milestone-edit", "milestone", OFFICE | {UNIT}, visible=SEES_MEASURE),
    page("milestone-done", "milestone", OFFICE | {UNIT}, "post", visible=SEES_MEASURE),
    page("milestone-delete", "milestone", OFFICE | {UNIT}, "post", visible=SEES_MEASURE),
    page("evidence-download", "evidence", SEES_MEASURE),
    page("evidence-preview", "evidence", SEES_MEASURE),
    # the unit's and the office's lists
    page("my-tasks", "campaign", EVERYONE),
    page("office-todo", "campaign", OFFICE, visible=EVERYONE),
    page("rechecks", "campaign", EVERYONE),
    page("confirmation-rules", "campaign", OFFICE, visible=EVERYONE),
    page("confirmation-rule-delete", "rule", OFFICE, "post", visible=EVERYONE),
    # the office's decisions
    page("measure-verify", "measure", OFFICE, visible=SEES_MEASURE),
    page("measure-recheck", "closed", OFFICE, "post", visible=SEES_MEASURE),
    page("recheck-record", "recheck", OFFICE, "post", visible=SEES_MEASURE),
    page("extension-decide", "extension", OFFICE, "post", visible=SEES_MEASURE),
    # an edited ledger read back (uploaded by the office: others see only their own uploads)
    page("ledger-reimport", "campaign", OFFICE | {"liaison", "liaison2"}, visible=EVERYONE),
    page("ledger-reimport-detail", "sheet", OFFICE, visible=READERS),
    page("ledger-reimport-apply", "sheet", OFFICE, "post", visible=READERS),
    # the holiday calendar (not a campaign's: every signed-in user reads, the office edits)
    page("calendar", "none", EVERYONE | {"outsider"}),
    page("calendar-year", "year", EVERYONE | {"outsider"}),
    page("calendar-edit", "year", OFFICE, visible=EVERYONE | {"outsider"}),
    # moving an existing ledger in (the office only)
    page("ledger-migrate", "campaign", OFFICE, visible=EVERYONE),
    page("ledger-migrate-mapping", "migration", OFFICE, visible=EVERYONE),
    page("ledger-migrate-units", "migration", OFFICE, visible=EVERYONE),
    page("ledger-migrate-confirm", "migration", OFFICE, visible=EVERYONE),
    page("ledger-migrate-report", "migrated", OFFICE, visible=EVERYONE),
]


def walk(patterns):
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from walk(p.url_patterns)
        elif isinstance(p, URLPattern):
            yield p.name


def test_every_page_of_the_app_is_in_the_matrix():
    names = set(walk(rectify.ledger.urls.urlpatterns)) | set(
        walk(rectify.ledger.holidays.urls.urlpatterns)
    )
    assert names == {p.name for p in PAGES}


def png(color) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), color).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def records(world):
    """For each unit (own = bureau_a, other = bureau_b), on a problem of its own: a measure
    waiting for verification with a photo, a milestone and an extension request; a closed
    measure with a re-check."""
    w = world
    out = {}
    for side, unit, liaison, color in (
        ("own", w.bureau_a, w.liaison, "red"),
        ("other", w.bureau_b, w.liaison2, "blue"),
    ):
        problem = services.create_problem(
            w.campaign, actor=w.office, title=f"{side} 问题", source=Source.AUDIT
        )
        m = services.start(w.measure(problem, unit, f"{side} 措施"), actor=liaison)
        milestone = services.add_milestone(
            m, actor=liaison, title="阶段一", due_on=dt.date(2026, 12, 1)
        )
        extension = services.request_extension(
            m, actor=liaison, requested_deadline=dt.date(2027, 3, 1), reason="需协调"
        )
        evidence = add_evidence(m, liaison, content=png(color), name="现场照片.png")
        m = services.request_closure(m, actor=liaison, reason="已完成")
        closed = services.start(w.measure(problem, unit, f"{side} 已销号"), actor=liaison)
        add_evidence(closed, liaison, content=f"{side} closed".encode())
        closed = services.request_closure(closed, actor=SYSTEM, reason="已完成")
        closed = services.verify(closed, actor=w.office, reason="同意")
        recheck = services.schedule_recheck(closed, actor=w.office, due_on=dt.date(2026, 11, 20))
        out[side] = {
            "measure": m,
            "closed": closed,
            "milestone": milestone,
            "extension": extension,
            "evidence": evidence,
            "recheck": recheck,
            "problem": problem,
        }
    out["sheet"] = services.upload_ledger_sheet(
        w.campaign,
        actor=w.office,
        upload=ContentFile(b"not a workbook"),
        name="台账.xlsx",
        kind="reimport",
    )
    for key, apply in (("migration", False), ("migrated", True)):
        ledger = (
            "序号,问题描述,整改措施,责任单位,整改时限\n1,迁入问题,迁入措施,甲省民政厅,2026年6月\n"
        )
        upload = ContentFile(ledger.encode())
        si = migration.upload(w.campaign, actor=w.office, upload_file=upload, name="台账.csv")
        if apply:
            migration.apply(si, actor=w.office)
        out[key] = si
    out["rule"] = ConfirmationRule.objects.create(
        campaign=w.campaign, source=Source.INSPECTION, confirmer=make_user("inspection_liaison")
    )
    return out


def args_of(p: Page, w, records, side):
    r = records[side]
    slug = w.campaign.slug
    return {
        "campaign": [slug],
        "problem": [slug, r["problem"].number],
        "measure": [r["measure"].pk],
        "closed": [r["closed"].pk],
        "transition": [r["measure"].pk, "start"],
        "milestone": [r["milestone"].pk],
        "evidence": [r["evidence"].pk],
        "recheck": [r["recheck"].pk],
        "extension": [r["extension"].pk],
        "rule": [slug, records["rule"].pk],
        "sheet": [slug, records["sheet"].pk],
        "migration": [slug, records["migration"].pk],
        "migrated": [slug, records["migrated"].pk],
        "none": [],
        "year": [2027],
    }[p.args]


# What the URL names is not a unit's record: one side only, no unit liaison's right.
CAMPAIGN_WIDE = ("campaign", "none", "year", "rule", "migration", "migrated")


def expected(p: Page, who: str, side: str) -> set[int]:
    """The statuses this persona may get; allowed GET = 200, allowed POST = not refused."""
    unit_here = (side == "own" and who == "liaison") or (side == "other" and who == "liaison2")
    per_record = p.args not in CAMPAIGN_WIDE + ("list", "category")

    def holds(group):
        return who in group or (UNIT in group and unit_here and per_record)

    if holds(p.allowed):
        return {200} if p.method == "get" else {200, 204, 302, 303, 400, 409}
    if holds(p.visible):
        return {403}
    return {404}


# The lists' and categories' inline edit forms have their permission tests in
# test_problem_classify.py.
CASES = [
    (p, who, side)
    for p in PAGES
    if p.args not in ("list", "category")
    for who in PERSONAS
    for side in (("own", "other") if p.args not in CAMPAIGN_WIDE else ("own",))
]


@pytest.mark.parametrize(
    "p,who,side", CASES, ids=[f"{p.name}-{who}-{side}" for p, who, side in CASES]
)
def test_the_matrix(client, world, records, p, who, side):
    from django.urls import reverse

    url = reverse(p.name, args=args_of(p, world, records, side))
    client.force_login(world.personas[who])
    response = getattr(client, p.method)(url)
    assert response.status_code in expected(p, who, side), (p.name, who, side, url)


@pytest.mark.parametrize("p", [p for p in PAGES if p.args not in ("list", "category")])
def test_anonymous_visitors_are_sent_to_log_in(client, world, records, p):
    from django.urls import reverse

    url = reverse(p.name, args=args_of(p, world, records, "own"))
    response = getattr(client, p.method)(url)
    assert response.status_code == 302
    assert "/login/" in response["Location"] or "/accounts/login/" in response["Location"]
