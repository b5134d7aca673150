"""List conventions: page-number pagination over a stably ordered queryset, and updated_since."""

from typing import Any

from ninja import Field, Schema
from ninja.pagination import PaginationBase

from rectify.api.fields import Moment


class Page(PaginationBase):
    """`?page=N&page_size=M` (M ≤ 200); answers `{items, count, page, page_size}`.

    The order is made total (the primary key breaks ties) so that paging never skips or repeats
    a row while nothing changes.
    """

    class Input(Schema):
        page: int = Field(1, ge=1, le=1_000_000)
        page_size: int = Field(50, ge=1, le=200)

    class Output(Schema):
        items: list[Any]
        count: int
        page: int
        page_size: int

    items_attribute = "items"

    def paginate_queryset(self, queryset, pagination: Input, **params):
        ordering = list(queryset.query.order_by or queryset.model._meta.ordering or [])
        if "pk" not in ordering and "id" not in ordering and "-id" not in ordering:
            ordering.append("pk")
        queryset = queryset.order_by(*ordering)
        offset = (pagination.page - 1) * pagination.page_size
        return {
            "items": queryset[offset : offset + pagination.page_size],
            "count": queryset.count(),
            "page": pagination.page,
            "page_size": pagination.page_size,
        }


class SyncFilter(Schema):
    """Incremental sync: only rows changed after this time (ISO 8601, with time zone)."""

    updated_since: Moment | None = Field(None, description="e.g. 2026-11-28T09:00:00+08:00")


def since(qs, filters: SyncFilter, field: str = "updated_at"):
    if filters.updated_since is not None:
        qs = qs.filter(**{f"{field}__gt": filters.updated_since})
    return qs
