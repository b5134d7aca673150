"""Read an edited ledger export back: print the diff; with --apply, apply it. Last line: N changes.

One line per change (row, measure, field: before → after), per refused row (row, column:
reason), per conflict and per note. Without --apply nothing changes and N is what applying would
change now; with --apply the file is kept as an upload (SheetImport) and N is what was changed.
"""

from pathlib import Path

from django.core.files import File
from django.core.management.base import CommandError

from rectify.core.errors import DomainError
from rectify.ledger.management.common import add_common, campaign_and_actor
from rectify.ledger.sheets import reimport


def add_arguments(parser) -> None:
    parser.add_argument("file", help="the edited .xlsx (an export of `rectify ledger export`)")
    add_common(parser)
    parser.add_argument("--apply", action="store_true", help="apply the accepted rows")


def _show(value: str) -> str:
    value = " ".join(value.split())
    return f"“{value[:60]}{'…' if len(value) > 60 else ''}”"


def _where(diff, cell) -> str:
    column = (
        f" {cell.column} ({cell.header})"
        if cell.column
        else f" ({cell.header})" * bool(cell.header)
    )
    return f"{diff.file_name} row {cell.row}{column}"


def lines(diff: reimport.Diff) -> list[str]:
    """The diff as the command prints it (its last line is `N changes`)."""
    out = []
    for change in diff.changed:
        for f in change.fields:
            out.append(
                f"{diff.file_name} row {change.row} problem {change.problem_number} "
                f"M{change.measure.pk} {f.column} ({f.header}): "
                f"{_show(f.before)} → {_show(f.after)}"
            )
    for c in diff.conflicts:
        out.append(f"{diff.file_name} row {c.row} M{c.measure_id} conflict: {c.text}")
        for f in c.fields:
            out.append(f"    {f.header}: ledger {_show(f.before)} / file {_show(f.after)}")
    for m in diff.refused:
        out.append(f"{_where(diff, m.cell)} refused: {m.text}")
    for m in diff.notes:
        out.append(f"{_where(diff, m.cell)} note: {m.text}")
    out.append(f"{diff.changes} changes")
    return out


def run(command, opts) -> None:
    campaign, actor = campaign_and_actor(opts)
    path = Path(opts["file"])
    if not path.is_file():
        raise CommandError(f"没有文件 “{path}” / no such file")
    try:
        if opts["apply"]:
            with path.open("rb") as f:
                sheet = reimport.upload(
                    campaign, File(f, name=path.name), actor=actor, name=path.name
                )
            diff = reimport.apply(sheet, actor=actor)
        else:
            diff = reimport.read(path, campaign=campaign, actor=actor)
    except DomainError as exc:
        raise CommandError(str(exc)) from None
    for line in lines(diff):
        command.stdout.write(line)
