"""Regroupings share the job base with import batches (core/jobs.py): done / total."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("consolidation", "0002_item_meaning")]

    operations = [
        migrations.RenameField("run", "items_done", "done"),
        migrations.RenameField("run", "items_total", "total"),
        migrations.AlterField(
            "run", "done", models.PositiveIntegerField(default=0, verbose_name="done so far")
        ),
        migrations.AlterField(
            "run",
            "total",
            models.PositiveIntegerField(default=0, verbose_name="total (estimate)"),
        ),
    ]
