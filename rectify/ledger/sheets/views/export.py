"""The ledger spreadsheet's download from the problem list: what the list shows, as .xlsx.

XlsxWriter needs to seek when it closes the file (the zip's directory), so the file is written
to an anonymous temporary file on disk (unlinked at once by the OS, gone when closed) and then
streamed by FileResponse in blocks: the process holds neither the rows nor the file in memory,
and the file goes away when the response is closed, however the download ends.
"""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse

from rectify.campaigns.scoping import get_campaign_for_user
from rectify.core.spreadsheets.writing import XLSX_CONTENT_TYPE
from rectify.ledger import derived
from rectify.ledger.sheets import export


@login_required
def ledger_export(request, slug):
    """Everyone who sees the problem list may download what it shows them (their scope, the
    list's filters)."""
    campaign = get_campaign_for_user(request.user, slug)
    on = derived.today()
    out = export.temporary_file(
        request.user, export.selection(request.user, campaign, request.GET), on=on
    )
    return FileResponse(
        out,
        as_attachment=True,
        filename=export.file_name(campaign, on),
        content_type=XLSX_CONTENT_TYPE,
    )
