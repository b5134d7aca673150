import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import rectify.campaigns.models


class Migration(migrations.Migration):
    dependencies = [
        ("campaigns", "0002_campaign_relations"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="ActivityAttachment",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "file",
                    models.FileField(
                        max_length=200,
                        upload_to=rectify.campaigns.models.attachment_path,
                        verbose_name="file",
                    ),
                ),
                (
                    "sha256",
                    models.CharField(
                        db_index=True, editable=False, max_length=64, verbose_name="SHA-256"
                    ),
                ),
                ("original_name", models.CharField(max_length=255, verbose_name="file name")),
                ("size", models.PositiveBigIntegerField(default=0, verbose_name="size")),
                (
                    "content_type",
                    models.CharField(blank=True, max_length=100, verbose_name="content type"),
                ),
                (
                    "description",
                    models.CharField(blank=True, max_length=200, verbose_name="description"),
                ),
                ("uploaded_at", models.DateTimeField(auto_now_add=True, verbose_name="uploaded")),
                (
                    "activity",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="attachments",
                        to="campaigns.researchactivity",
                        verbose_name="research activity",
                    ),
                ),
                (
                    "uploaded_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="uploaded by",
                    ),
                ),
            ],
            options={
                "verbose_name": "activity attachment",
                "verbose_name_plural": "activity attachments",
                "ordering": ["activity", "-uploaded_at", "-id"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("activity", "sha256"),
                        name="campaigns_activityattachment_unique_activity_sha256",
                        violation_error_message="This file is already attached to this activity.",
                    )
                ],
            },
        ),
    ]
