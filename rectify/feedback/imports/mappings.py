"""Remembered column mappings (列对应关系): which column of a bureau's files holds which field,
suggested from a sheet's headers, saved by name, and remembered after an import so the next file
with the same headers maps itself."""

from __future__ import annotations

import contextlib
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from rectify.audit.log import record
from rectify.campaigns.models import Campaign
from rectify.core.spreadsheets.reader import Sheet
from rectify.feedback.imports import fields as fields_
from rectify.feedback.imports.errors import ImportRefused
from rectify.feedback.models import ColumnMapping, ImportBatch
from rectify.feedback.scoping import can_import


def require_importer(actor, campaign: Campaign) -> None:
    """ImportRefused unless `actor` may import into the campaign (scoping.can_import)."""
    if not can_import(actor, campaign):
        raise ImportRefused("import_not_allowed")


def headers_key(headers: list[str]) -> str:
    joined = "\x1f".join(fields_.header_key(h) for h in headers)
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()[:32]


def sheet_headers(sheet: Sheet) -> list[str]:
    return [c.label for c in sheet.columns]


def get_mapping(campaign: Campaign, name: str) -> ColumnMapping:
    mapping = ColumnMapping.objects.filter(campaign=campaign, name=name).first()
    if mapping is None:
        raise ImportRefused("mapping_missing", name=name)
    return mapping


def find_mapping(campaign: Campaign, headers: list[str]) -> ColumnMapping | None:
    """The remembered mapping for files with these headers: the same headers first, else the
    most recently used mapping whose every column is among them."""
    ordered = ColumnMapping.objects.filter(campaign=campaign).order_by(
        "-last_used_at", "-updated_at", "-id"
    )
    exact = ordered.filter(headers_key=headers_key(headers)).first()
    if exact is not None:
        return exact
    present = {fields_.header_key(h) for h in headers if h}
    for mapping in ordered[:50]:
        wanted = {fields_.header_key(h) for h in mapping.columns.values()}
        if wanted and wanted <= present and "text" in mapping.columns:
            return mapping
    return None


@transaction.atomic
def save_mapping(
    campaign: Campaign,
    name: str,
    *,
    columns: dict[str, str],
    headers: list[str],
    defaults: dict | None = None,
    actor=None,
) -> ColumnMapping:
    """Create or replace the named mapping (logged as feedback.mapping)."""
    require_importer(actor, campaign)
    unknown = sorted(set(columns) - set(fields_.FIELD_NAMES))
    if unknown:
        raise ImportRefused(
            "field_unknown", field=unknown[0], fields=", ".join(fields_.FIELD_NAMES)
        )
    mapping, created = ColumnMapping.objects.select_for_update().get_or_create(
        campaign=campaign,
        name=name,
        defaults={"created_by": actor if actor is not None and actor.is_authenticated else None},
    )
    before = {} if created else {"columns": mapping.columns, "defaults": mapping.defaults}
    mapping.columns = dict(columns)
    mapping.defaults = dict(defaults or {})
    mapping.headers = list(headers)
    mapping.headers_key = headers_key(headers)
    mapping.last_used_at = timezone.now()
    mapping.save()
    record(
        mapping,
        "feedback.mapping",
        actor=actor,
        before=before,
        after={"columns": mapping.columns, "defaults": mapping.defaults},
    )
    return mapping


@dataclass
class Suggestion:
    columns: dict[str, str]  # field → header (or letter)
    mapping: ColumnMapping | None = None  # the remembered mapping they come from, if any
    defaults: dict = field(default_factory=dict)


def suggest(campaign: Campaign, sheet: Sheet) -> Suggestion:
    """The remembered mapping for these headers if there is one, else one from the headers."""
    mapping = find_mapping(campaign, sheet_headers(sheet))
    if mapping is not None:
        columns = {f: h for f, h in mapping.columns.items() if sheet.column(h) is not None}
        return Suggestion(columns, mapping, dict(mapping.defaults))
    columns = fields_.suggest(sheet.columns)
    if "category" in columns and not campaign.categories.exists():
        # A taxonomy the campaign has not set up would refuse every row: leave it unmapped
        # (the preview lists it among the columns not imported).
        del columns["category"]
    return Suggestion(columns)


def remember(batch: ImportBatch, sheet: Sheet) -> None:
    """After a successful import the columns are remembered for files with the same headers:
    in the mapping the batch used, else in one named after the file."""
    headers = sheet_headers(sheet)
    mapping = batch.column_mapping or find_mapping(batch.campaign, headers)
    if mapping is not None and mapping.headers_key != headers_key(headers):
        mapping = None  # a looser match: keep it as it is and remember these headers apart
    name = mapping.name if mapping is not None else _free_name(batch)
    with contextlib.suppress(ImportRefused):
        saved = save_mapping(
            batch.campaign,
            name,
            columns=batch.columns,
            headers=headers,
            defaults=batch.defaults,
            actor=batch.created_by,
        )
        if batch.column_mapping_id != saved.pk:
            batch.column_mapping = saved
            batch.save(update_fields=["column_mapping"])


def _free_name(batch: ImportBatch) -> str:
    base = (Path(batch.file_name).stem or batch.file_name)[:90]
    taken = set(
        ColumnMapping.objects.filter(campaign=batch.campaign, name__startswith=base).values_list(
            "name", flat=True
        )
    )
    name, n = base, 1
    while name in taken:
        n += 1
        name = f"{base} ({n})"
    return name
