"""`rectify import FILE --campaign SLUG`: import feedback from an .xlsx, .xls or .csv file.

The same checks as the import page. Without --skip-bad-rows a file with bad rows imports
nothing: each problem is printed (file, sheet, row, column, reason) and the command exits 1.
The last line of standard output is always

    read N, imported N, already present N, refused N

so scripts can read the outcome. A progress bar goes to standard error on a terminal.
"""

import sys

from django.core.management.base import BaseCommand, CommandError

from rectify.campaigns.models import Campaign
from rectify.core.spreadsheets.errors import SpreadsheetError
from rectify.core.tables import ProgressBar
from rectify.feedback.imports.batches import prepare
from rectify.feedback.imports.fields import FIELD_NAMES
from rectify.feedback.imports.mappings import save_mapping, sheet_headers
from rectify.feedback.imports.report import write_xlsx
from rectify.feedback.imports.running import run, validate
from rectify.feedback.models import ImportBatch
from rectify.orgs.access import SYSTEM
from rectify.orgs.models import User

EXIT_BAD_ROWS = 1
EXIT_REFUSED = 2


class Command(BaseCommand):
    help = (
        "Import feedback items from a spreadsheet (.xlsx, .xls, .csv). "
        "从电子表格导入反映问题和意见建议。Fields: " + ", ".join(FIELD_NAMES)
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the .xlsx, .xls or .csv file")
        parser.add_argument("--campaign", required=True, help="campaign slug")
        parser.add_argument("--mapping", help="use the campaign's saved column mapping NAME")
        parser.add_argument(
            "--column",
            action="append",
            default=[],
            metavar="FIELD=HEADER",
            help="map a column (by header or letter) to a field; repeatable",
        )
        parser.add_argument("--kind", help="kind of rows without one: problem or suggestion")
        parser.add_argument("--channel", help="channel of rows without one (default: import)")
        parser.add_argument("--region", help="region of rows without one (name or code)")
        parser.add_argument("--sheet", help="sheet name (default: the first visible sheet)")
        parser.add_argument(
            "--header-rows", type=int, choices=(1, 2), help="header rows (default: detected)"
        )
        parser.add_argument(
            "--skip-bad-rows",
            action="store_true",
            help="import the good rows and refuse the bad ones (default: import nothing)",
        )
        parser.add_argument(
            "--user",
            help="import as this user (office or work-group member); without it, as the "
            "system (the server's operator), recorded as no person",
        )
        parser.add_argument("--report", help="write the report to this .xlsx file")
        parser.add_argument("--save-mapping", metavar="NAME", help="save the columns as NAME")
        parser.add_argument(
            "--dry-run", action="store_true", help="check every row, import nothing"
        )

    def handle(self, *args, **opts):
        self.counts_line = "read 0, imported 0, already present 0, refused 0"
        try:
            code = self._import(opts)
        except SpreadsheetError as exc:
            self.stdout.write(self.counts_line)
            raise CommandError(exc.message, returncode=EXIT_REFUSED) from None
        if code:
            sys.exit(code)

    def _import(self, opts) -> int:
        campaign = Campaign.objects.filter(slug=opts["campaign"]).first()
        if campaign is None:
            raise CommandError(f"没有专项工作 “{opts['campaign']}” / no campaign with that slug")
        actor = SYSTEM
        if opts["user"]:
            actor = User.objects.filter(username=opts["user"]).first()
            if actor is None:
                raise CommandError(f"没有用户 “{opts['user']}” / no such user")
        columns = {}
        for pair in opts["column"]:
            field, sep, header = pair.partition("=")
            if not sep or not field.strip():
                raise CommandError(f"--column {pair}: write FIELD=HEADER, e.g. text=内容")
            columns[field.strip()] = header.strip()
        defaults = {k: opts[k] for k in ("kind", "channel", "region") if opts[k]}
        mode = (
            ImportBatch.Mode.GOOD_ROWS if opts["skip_bad_rows"] else ImportBatch.Mode.ALL_OR_NOTHING
        )
        choices = {
            "sheet": opts["sheet"],
            "columns": columns or None,
            "mapping": opts["mapping"],
            "defaults": defaults,
            "header_rows": opts["header_rows"],
            "mode": mode,
        }
        batch, sheet = prepare(campaign, opts["file"], actor=actor, **choices)
        self._print_columns(batch)
        if opts["save_mapping"]:
            try:
                save_mapping(
                    campaign,
                    opts["save_mapping"],
                    columns=batch.columns,
                    headers=sheet_headers(sheet),
                    defaults=batch.defaults,
                    actor=actor,
                )
            except BaseException:
                sheet.workbook.close()
                raise
        bar = ProgressBar(self.stderr) if self.stderr.isatty() else None
        callback = phase_callback(bar) if bar else None
        if opts["dry_run"]:
            sheet.workbook.close()
            report = validate(batch, progress=callback)
        else:
            report = run(batch, progress=callback, sheet=sheet)
        if bar:
            bar.close()
        for text in report.note_messages():
            self.stdout.write(text)
        for line in report.problem_lines():
            self.stdout.write(line)
        if report.problem_count > len(report.problems):
            self.stdout.write(f"… {report.problem_count - len(report.problems)} more")
        if opts["report"]:
            write_xlsx(report, opts["report"])
        self.counts_line = report.summary
        if report.error:
            self.stdout.write(self.counts_line)
            raise CommandError(report.error_message, returncode=EXIT_REFUSED)
        self.stdout.write(self.counts_line)
        if report.refused and (mode == ImportBatch.Mode.ALL_OR_NOTHING or opts["dry_run"]):
            return EXIT_BAD_ROWS
        return 0

    def _print_columns(self, batch) -> None:
        pairs = [f"{field} ← {header}" for field, header in batch.columns.items()]
        defaults = [f"{k}={v}" for k, v in batch.defaults.items()]
        # Information, not an error: without Django's red error style on a terminal.
        self.stderr.write("columns: " + "; ".join(pairs + defaults), style_func=str)


def phase_callback(bar: ProgressBar):
    """The importer reports (phase, done, total); the bar shows the phase's label."""

    def update(phase: str, done: int, total: int) -> None:
        label = str(ImportBatch.Status(phase).label)
        if label != bar.phase:
            bar.start(label)
        bar.update(done, total)

    return update
