"""The ledger spreadsheet's download from the problem list: what the list shows, as .xlsx.

XlsxWriter needs to seek when it closes the file (the zip's directory), so the file is written
to an anonymous temporary file on disk (unlinked at once by the OS, gone when closed) and then
streamed by FileResponse in blocks: the process holds neither the rows nor the file in memory,
and the file goes away when the response is closed, however the download ends.
"""

import tempfile

from django.contrib.auth.decorators import login_required
from django.http import FileResponse

from rectify.campaigns.scoping import get_campaign_for_user
from rectify.ledger import derived
from rectify.ledger.sheets import export

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@login_required
def ledger_export(request, slug):
    """Everyone who sees the problem list may download what it shows them (their scope, the
    list's filters)."""
    campaign = get_campaign_for_user(request.user, slug)
    on = derived.today()
    out = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it)
    export.export(request.user, campaign, out, request.GET, on=on)
    out.seek(0)
    return FileResponse(
        out, as_attachment=True, filename=export.file_name(campaign, on), content_type=XLSX
    )
