"""Import batches share the job base with regroupings (core/jobs.py): done / total."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("feedback", "0007_feedbackitem_near_problem")]

    operations = [
        migrations.RenameField("importbatch", "rows_done", "done"),
        migrations.RenameField("importbatch", "rows_total", "total"),
        migrations.AlterField(
            "importbatch",
            "done",
            models.PositiveIntegerField(default=0, verbose_name="done so far"),
        ),
        migrations.AlterField(
            "importbatch",
            "total",
            models.PositiveIntegerField(default=0, verbose_name="total (estimate)"),
        ),
    ]
