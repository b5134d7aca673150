"""What a submitter may learn about their own item by its receipt code: its text and how far it
has come (received, merged, in progress, rectified), never anyone else's data."""

import datetime as dt
from dataclasses import dataclass, field

from rectify.feedback.models import FeedbackItem
from rectify.feedback.public.codes import format_code, normalise_code
from rectify.ledger import derived
from rectify.ledger.choices import MeasureState, ProblemState


class Stage:
    """How far an item has come, as the public sees it (each stage includes the ones before)."""

    RECEIVED = "received"
    MERGED = "merged"
    IN_PROGRESS = "in_progress"
    RECTIFIED = "rectified"

    ORDER = (RECEIVED, MERGED, IN_PROGRESS, RECTIFIED)


# Only a rectified problem (整改到位) shows as rectified; a relapse, a phase achieved on a
# long-term measure and a closure for want of conditions all still count as work under way.
_STAGE_OF_PROBLEM = {
    ProblemState.NO_MEASURE: Stage.MERGED,
    ProblemState.IN_PROGRESS: Stage.IN_PROGRESS,
    ProblemState.RECTIFIED: Stage.RECTIFIED,
    ProblemState.PHASE_DONE: Stage.IN_PROGRESS,
    ProblemState.NOT_FEASIBLE: Stage.IN_PROGRESS,
    ProblemState.RELAPSED: Stage.IN_PROGRESS,
}


@dataclass
class PublicProblem:
    """A problem the item was merged into, as far as the public may know it: its number and
    public title only when the office gave it a public title."""

    number: int | None
    public_title: str | None
    stage: str
    rectified_on: dt.date | None


@dataclass
class PublicStatus:
    """One item by its receipt code: its own text and what became of it, nothing else."""

    code: str
    kind: str
    text: str
    received_at: dt.datetime
    problems: list[PublicProblem] = field(default_factory=list)

    @property
    def display_code(self) -> str:
        return format_code(self.code)

    @property
    def stage(self) -> str:
        """received; merged; in_progress (some problem has measures); rectified (all are)."""
        if not self.problems:
            return Stage.RECEIVED
        stages = {p.stage for p in self.problems}
        if stages == {Stage.RECTIFIED}:
            return Stage.RECTIFIED
        if stages & {Stage.IN_PROGRESS, Stage.RECTIFIED}:
            return Stage.IN_PROGRESS
        return Stage.MERGED

    @property
    def rectified_on(self) -> dt.date | None:
        if self.stage != Stage.RECTIFIED:
            return None
        return max((p.rectified_on for p in self.problems if p.rectified_on), default=None)

    def reached(self, stage: str) -> bool:
        return Stage.ORDER.index(self.stage) >= Stage.ORDER.index(stage)


def public_status(campaign, typed_code: str) -> PublicStatus | None:
    """The status of the campaign's item with this receipt code, or None (unknown, malformed
    or another campaign's code all look the same)."""
    code = normalise_code(typed_code)
    if code is None:
        return None
    item = (
        FeedbackItem.objects.filter(campaign=campaign, receipt_code=code)
        .only("receipt_code", "kind", "text", "received_at")
        .first()
    )
    if item is None:
        return None
    status = PublicStatus(code=code, kind=item.kind, text=item.text, received_at=item.received_at)
    for merge in item.merges.select_related("problem").order_by("merged_at", "pk"):
        problem = merge.problem
        state = derived.problem_state(problem)
        rectified_on = None
        if state == ProblemState.RECTIFIED:
            closed = problem.measures.filter(state=MeasureState.CLOSED, closed_on__isnull=False)
            rectified_on = max(closed.values_list("closed_on", flat=True), default=None)
        shown = bool(problem.public_title.strip())
        status.problems.append(
            PublicProblem(
                number=problem.number if shown else None,
                public_title=problem.public_title if shown else None,
                stage=_STAGE_OF_PROBLEM[state],
                rectified_on=rectified_on,
            )
        )
    return status
