"""`rectify classify --train TRAIN --text-column NAME --label-column NAME INPUT -o OUT.csv`:
suggest a label (category, responsible unit …) for each row of INPUT from the labelled rows of
TRAIN.

Works on plain files, without the database. OUT.csv has every INPUT row, in input order, with
its columns plus `predicted_label` and `confidence` (0–1). The label is left blank when the
confidence is below the threshold (a person decides) and for every row when TRAIN has too few
labelled rows (a message says so). TRAIN and INPUT need the text column under the same header;
TRAIN rows with a blank label are ignored.
"""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from rectify.core.tables import progress_bar, read_table, write_csv
from rectify.textsim.classify import MIN_EXAMPLES, MIN_PER_LABEL, Classifier

EXTRA_COLUMNS = ["predicted_label", "confidence"]


class Command(BaseCommand):
    help = (
        "Suggest a label for each row of a spreadsheet from the labelled rows of another, and "
        "write every row with its label and confidence to a CSV file. 根据已标注的表格推荐分类。"
        "No database needed."
    )
    requires_system_checks = []
    requires_migrations_checks = False

    def add_arguments(self, parser):
        parser.add_argument("input", help="the .xlsx, .xls or .csv file to label")
        parser.add_argument(
            "--train", required=True, help="the labelled .xlsx, .xls or .csv file to learn from"
        )
        parser.add_argument(
            "--text-column", required=True, help="header (or letter) of the text, in both files"
        )
        parser.add_argument(
            "--label-column", required=True, help="header (or letter) of the label in --train"
        )
        parser.add_argument(
            "--threshold",
            type=float,
            help="confidence (0–1) needed to suggest a label; "
            f"default {Classifier.DEFAULT_ABSTAIN}",
        )
        parser.add_argument("-o", "--output", required=True, help="the CSV file to write")

    def handle(self, *args, **opts):
        threshold = opts["threshold"]
        if threshold is None:
            threshold = Classifier.DEFAULT_ABSTAIN
        if not 0 <= threshold <= 1:
            raise CommandError(_("The threshold must be between 0 and 1."))
        bar = progress_bar(self.stderr)
        if bar:
            bar.start(_("Reading"))
        train = read_table(opts["train"], progress=bar and bar.update)
        train_text = train.column(opts["text_column"])
        train_label = train.column(opts["label_column"])
        if bar:
            bar.start(_("Reading"))
        table = read_table(opts["input"], progress=bar and bar.update)
        text_at = table.column(opts["text_column"])
        labelled = [r for r in train.rows if r[train_label].strip() and r[train_text].strip()]
        if bar:
            bar.start(_("Training"))
            bar.update(0, 1)
        model = Classifier.train(
            [r[train_text] for r in labelled], [r[train_label].strip() for r in labelled]
        )
        rows = [i for i, row in enumerate(table.rows) if row[text_at].strip()]
        predicted = {}
        if model is not None:
            if bar:
                bar.start(_("Classifying"))
                bar.update(0, len(rows))
            results = model.predict([table.rows[i][text_at] for i in rows], abstain_below=threshold)
            predicted = dict(zip(rows, results, strict=True))
        if bar:
            bar.close()
        out = []
        for i, row in enumerate(table.rows):
            label, confidence = predicted.get(i, (None, None))
            shown = "" if confidence is None else f"{confidence:.3f}"
            out.append([*row, label or "", shown])
        write_csv(opts["output"], table.headers + EXTRA_COLUMNS, out)
        if model is None:
            self.stderr.write(
                _(
                    "Not enough training data in %(file)s: %(rows)s labelled rows. At least "
                    "%(min)s are needed, over at least two labels with %(per)s rows or more "
                    "each. No labels were suggested."
                )
                % {
                    "file": train.file_name,
                    "rows": len(labelled),
                    "min": MIN_EXAMPLES,
                    "per": MIN_PER_LABEL,
                }
            )
        given = sum(1 for label, _c in predicted.values() if label)
        self.stdout.write(
            _(
                "%(rows)s rows written to %(file)s: %(given)s labelled, %(blank)s left blank "
                "(threshold %(threshold)s)."
            )
            % {
                "rows": len(table.rows),
                "file": opts["output"],
                "given": given,
                "blank": len(table.rows) - given,
                "threshold": threshold,
            }
        )
