"""`rectify cluster INPUT --text-column NAME -o OUT.csv`: group near-duplicate texts in a file.

Works on a plain file, without the database. OUT.csv has every input row, in input order, with
its columns plus `group` (1 = the largest group), `group_size`, `similarity` (to the group's
representative, 0–1) and `representative` (the representative's id from --id-column, else its
row number in the input). Rows with a blank text get no group. A progress bar goes to standard
error on a terminal; the last line of standard output sums up, naming the measure used.

The sentence model is settings.MEANING_MODEL: none by default (characters only); m3e-small's
licence is non-commercial, research only.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from rectify.core.tables import progress_bar, read_table, write_csv
from rectify.textsim import DEFAULT_THRESHOLDS, group_texts, semantic
from rectify.textsim.grouping import MEASURES, SEMANTIC_LIMIT, semantic_for

EXTRA_COLUMNS = ["group", "group_size", "similarity", "representative"]


class Command(BaseCommand):
    help = (
        "Group near-duplicate (or same-topic) texts of a spreadsheet (.xlsx, .xls, .csv) and "
        "write every row with its group to a CSV file. 对表格中的文本归并分组。No database needed. "
        "The sentence model is the setting MEANING_MODEL (none: characters only). The m3e-small "
        "model is for non-commercial research use only. m3e-small 模型非商用，仅供研究使用。"
    )
    requires_system_checks = []
    requires_migrations_checks = False

    def add_arguments(self, parser):
        parser.add_argument("input", help="the .xlsx, .xls or .csv file")
        parser.add_argument("--text-column", required=True, help="header (or letter) of the text")
        parser.add_argument("--id-column", help="header (or letter) of an id for each row")
        parser.add_argument(
            "--level",
            choices=sorted(DEFAULT_THRESHOLDS),
            default="duplicate",
            help="duplicate: the same problem said again (default); topic: the same place or "
            "object",
        )
        parser.add_argument(
            "--threshold",
            type=float,
            help="similarity (0–1) needed to group; default "
            + ", ".join(f"{k} {v}" for k, v in sorted(DEFAULT_THRESHOLDS.items())),
        )
        parser.add_argument(
            "--measure",
            choices=MEASURES,
            default="auto",
            help=f"semantic: the sentence model chosen by MEANING_MODEL decides near-duplicates "
            f"(about 65 texts a second on 2 cores); lexical: characters only (seconds for "
            f"100,000); auto (default): semantic up to {SEMANTIC_LIMIT:,} texts when a model is "
            f"chosen, else lexical",
        )
        parser.add_argument("--sheet", help="sheet name (default: the first visible sheet)")
        parser.add_argument("-o", "--output", required=True, help="the CSV file to write")

    def handle(self, *args, **opts):
        threshold = opts["threshold"]
        if threshold is not None and not 0 < threshold <= 1:
            raise CommandError(_("The threshold must be above 0 and at most 1."))
        bar = progress_bar(self.stderr)
        if bar:
            bar.start(_("Reading"))
        table = read_table(opts["input"], sheet=opts["sheet"], progress=bar and bar.update)
        text_at = table.column(opts["text_column"])
        id_at = table.column(opts["id_column"]) if opts["id_column"] else None
        rows = [i for i, row in enumerate(table.rows) if row[text_at].strip()]
        try:
            folder = semantic.find(settings.MEANING_MODEL)
            by_meaning = semantic_for(len(rows), opts["measure"], folder)
        except semantic.ModelMissing as err:
            raise CommandError(f"MEANING_MODEL={settings.MEANING_MODEL!r}: {err}") from err
        if bar:
            bar.start(_("Grouping by meaning") if by_meaning else _("Grouping"))
        groups = group_texts(
            [table.rows[i][text_at] for i in rows],
            level=opts["level"],
            threshold=threshold,
            progress=bar and bar.update,
            measure=opts["measure"],
            model=folder,
        )
        if bar:
            bar.close()
        extra = {}
        for number, group in enumerate(groups, start=1):
            rep = rows[group.representative]
            shown = table.rows[rep][id_at] if id_at is not None else str(table.row_numbers[rep])
            for member, similarity in zip(group.members, group.similarity, strict=True):
                extra[rows[member]] = [
                    str(number),
                    str(len(group.members)),
                    f"{similarity:.3f}",
                    shown,
                ]
        blank = [""] * len(EXTRA_COLUMNS)
        write_csv(
            opts["output"],
            table.headers + EXTRA_COLUMNS,
            [row + extra.get(i, blank) for i, row in enumerate(table.rows)],
        )
        merged = sum(1 for g in groups if len(g.members) > 1)
        self.stdout.write(
            _(
                "%(rows)s rows written to %(file)s: %(groups)s groups, %(merged)s of them with "
                "more than one row (level %(level)s, threshold %(threshold)s, %(measure)s)."
            )
            % {
                "rows": len(table.rows),
                "file": opts["output"],
                "groups": len(groups),
                "merged": merged,
                "level": opts["level"],
                "measure": _measure(by_meaning, folder),
                "threshold": threshold
                if threshold is not None
                else DEFAULT_THRESHOLDS[opts["level"]],
            }
        )


def _measure(by_meaning: bool, folder) -> str:
    """The measure used, as the summary line names it."""
    if by_meaning:
        return _("by meaning (sentence model %(model)s)") % {"model": folder.name}
    if folder is None:
        return _("by characters only: no sentence model is chosen (MEANING_MODEL)")
    return _("by characters only")
