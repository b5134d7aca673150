"""The pages of reading an edited ledger back: upload, the diff to check, apply, what was done.

Thin: the file is read and checked by ledger/sheets/reimport.py, kept and applied through
ledger/services.py, who may by ledger/scoping.py.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rectify.campaigns.scoping import get_campaign_for_user
from rectify.core.errors import DomainError
from rectify.core.pages import status_of
from rectify.ledger.models import SheetImport
from rectify.ledger.scoping import (
    can_reimport_ledger,
    get_sheet_import_for_user,
    scope_sheet_imports,
)
from rectify.ledger.sheets import reimport

SHOWN = 500  # rows of each list shown on the page; the rest are counted


def _campaign(request, slug):
    campaign = get_campaign_for_user(request.user, slug)
    if not can_reimport_ledger(request.user, campaign):
        raise PermissionDenied
    return campaign


def _sheet(request, slug, pk):
    campaign = _campaign(request, slug)
    sheet = get_sheet_import_for_user(request.user, pk, kind=SheetImport.Kind.REIMPORT)
    if sheet.campaign_id != campaign.pk:
        raise PermissionDenied
    return campaign, sheet


@login_required
def reimport_upload(request, slug):
    """上传回填的台账: choose the edited export; it is checked, kept, and its diff shown."""
    campaign = _campaign(request, slug)
    error, status = "", 200
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            error, status = _("Choose the edited ledger file (.xlsx)."), 400
        else:
            try:
                sheet = reimport.upload(campaign, upload, actor=request.user, name=upload.name)
            except DomainError as exc:
                error, status = exc.message, status_of(exc)
            else:
                return redirect("ledger-reimport-detail", campaign.slug, sheet.pk)
    recent = (
        scope_sheet_imports(request.user, campaign)
        .filter(kind=SheetImport.Kind.REIMPORT)
        .select_related("uploaded_by")[:10]
    )
    context = {
        "campaign": campaign,
        "error": error,
        "limit": reimport.max_bytes(),
        "recent": recent,
    }
    return render(request, "ledger/sheets/reimport_upload.html", context, status=status)


@login_required
def reimport_detail(request, slug, pk):
    """The diff of an uploaded sheet (computed now, for this user) with the apply button; once
    applied, what was done (as kept)."""
    campaign, sheet = _sheet(request, slug, pk)
    error = ""
    if sheet.status == SheetImport.Status.APPLIED:
        data = sheet.result
    else:
        try:
            data = reimport.read(sheet, campaign=campaign, actor=request.user).as_json()
        except DomainError as exc:
            data, error = {}, exc.message
    context = {
        "campaign": campaign,
        "sheet": sheet,
        "applied": sheet.status == SheetImport.Status.APPLIED,
        "diff": reimport.shown(data, limit=SHOWN) if data else None,
        "error": error,
        "shown": SHOWN,
    }
    return render(request, "ledger/sheets/reimport_detail.html", context)


@login_required
@require_POST
def reimport_apply(request, slug, pk):
    campaign, sheet = _sheet(request, slug, pk)
    try:
        diff = reimport.apply(sheet, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("Applied: %(n)s changes; refused rows: %(refused)s; conflicts: %(conflicts)s.")
            % {"n": diff.changes, "refused": diff.refused_rows, "conflicts": len(diff.conflicts)},
        )
    return redirect("ledger-reimport-detail", campaign.slug, sheet.pk)
