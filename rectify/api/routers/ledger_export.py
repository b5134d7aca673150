"""The ledger spreadsheet (整改台账.xlsx) of a campaign through the API.

    GET /campaigns/{slug}/ledger.xlsx?source=…&unit=…  the problem list's filters, as the page

The same file as the problem list's download (ledger.sheets.export): the measures the caller
may see, the three sheets; written to a temporary file (XlsxWriter seeks when it closes the
file) and streamed from it; the export is recorded in the activity log.
"""

from django.http import FileResponse
from ninja import Query, Router, Schema
from pydantic import Field

from rectify.api.errors import ERRORS
from rectify.api.fields import Slug
from rectify.api.routers.measures import invalid
from rectify.api.routers.problems import _values  # the page filter's accepted values
from rectify.campaigns.scoping import get_campaign_for_user
from rectify.core.spreadsheets.writing import XLSX_CONTENT_TYPE
from rectify.ledger import derived
from rectify.ledger.sheets import export

router = Router(tags=["ledger spreadsheet"])


class LedgerQuery(Schema):
    """The problem list page's filters (the same query string works on both)."""

    q: str | None = Field(None, description="Words in the problem's title")
    list: str | None = Field(None, description="Problem list id")
    category: str | None = Field(None, description="Category id")
    source: _values("source") | None = None
    prominent: _values("prominent") | None = Field(None, description="1 = yes, 0 = no")
    state: _values("state") | None = Field(None, description="Problem state")
    measure_state: _values("measure_state") | None = Field(
        None, description="Only measures in this state"
    )
    unit: str | None = Field(
        None, description="Unit id: only the measures of it and its subunits (填报单位)"
    )
    due: _values("due") | None = Field(None, description="Only overdue / due soon measures")


@router.get(
    "/campaigns/{slug}/ledger.xlsx",
    response={**ERRORS},
    summary="The campaign's ledger (整改台账) as .xlsx: the measures you may see, filtered as "
    "on the problem list, with the problem list and every progress report",
    description="Three sheets: 整改台账 (one row per measure, the columns of "
    "docs/ledger-sheets.md, a key per row for the re-import), 问题清单 and 整改进展记录. "
    "A liaison's file holds their units' measures only. Streamed; the export is logged.",
    openapi_extra={
        "responses": {
            200: {
                "description": "The ledger, as an attachment (整改台账_YYYYMMDD.xlsx)",
                "content": {XLSX_CONTENT_TYPE: {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def ledger_xlsx(request, slug: Slug, filters: Query[LedgerQuery]):
    campaign = get_campaign_for_user(request.user, slug)
    data = {k: v for k, v in request.GET.items() if k in LedgerQuery.model_fields}
    sel = export.selection(request.user, campaign, data)
    if not sel.valid:
        raise invalid(sel.form)
    on = derived.today()
    return FileResponse(
        export.temporary_file(request.user, sel, on=on),
        as_attachment=True,
        filename=export.file_name(campaign, on),
        content_type=XLSX_CONTENT_TYPE,
    )
