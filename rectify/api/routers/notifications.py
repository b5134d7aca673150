"""A person's own notifications and e-mail delivery choice, and 催办 of a measure.

GET  /notifications                  my notifications, newest first (?unread=true: unread only)
GET  /notifications/unread-count     how many are unread (the navigation's badge)
POST /notifications/read             mark mine read: the ids given, or all unread ones
GET  /notifications/delivery         my e-mail delivery choice and address
PUT  /notifications/delivery         choose the daily digest or each at once
POST /measures/{id}/urge             催办: the office or a supervisor of the measure's unit

Reads through supervision/inbox.py and scoping, writes through supervision/services.py.
"""

import datetime as dt

from django.core.exceptions import PermissionDenied
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import ConfigDict

from rectify.api.errors import ERRORS
from rectify.api.fields import Id, Text
from rectify.api.pagination import Page
from rectify.api.routers.supervision import SupervisionActionOut
from rectify.ledger.scoping import get_measure_for_user
from rectify.supervision import inbox, services
from rectify.supervision.choices import Delivery, NotificationKind
from rectify.supervision.scoping import can_urge_measure, scope_notifications

router = Router(tags=["notifications"])


class NotificationOut(Schema):
    id: int
    kind: NotificationKind
    subject: str
    body: str
    url: str = Field(description="a path on this site, or empty")
    campaign: str | None = Field(description="the campaign's slug")
    measure_id: int | None
    created_at: dt.datetime
    read_at: dt.datetime | None
    unread: bool

    @staticmethod
    def resolve_url(obj) -> str:
        return inbox.local_target(obj.url) or ""

    @staticmethod
    def resolve_campaign(obj) -> str | None:
        return obj.campaign.slug if obj.campaign_id else None

    @staticmethod
    def resolve_unread(obj) -> bool:
        return obj.read_at is None


class NotificationFilter(Schema):
    unread: bool = Field(False, description="only the unread ones")


class UnreadOut(Schema):
    unread: int


class MarkReadIn(Schema):
    model_config = ConfigDict(extra="forbid")

    ids: list[Id] | None = Field(
        None, max_length=500, description="the notifications to mark read; none: all unread"
    )


class MarkedOut(Schema):
    marked: int = Field(description="how many were unread and are now read")
    unread: int


class DeliveryIn(Schema):
    model_config = ConfigDict(extra="forbid")

    delivery: Delivery


class DeliveryOut(Schema):
    delivery: Delivery
    email: str = Field(description="where e-mail goes; empty: no e-mail is sent")


class UrgeIn(Schema):
    model_config = ConfigDict(extra="forbid")

    message: Text(services.URGE_MESSAGE_MAX) = Field(description="what the unit should do")


class UrgeOut(SupervisionActionOut):
    notified: int = Field(description="how many of the unit's liaisons were notified")

    @staticmethod
    def resolve_notified(obj) -> int:
        return obj.notifications.count()


@router.get(
    "/notifications",
    response={200: list[NotificationOut], **ERRORS},
    summary="My notifications, newest first",
)
@paginate(Page)
def list_notifications(request, filters: Query[NotificationFilter]):
    show = inbox.SHOW_UNREAD if filters.unread else inbox.SHOW_ALL
    return inbox.notifications_of(request.user, show=show)


@router.get(
    "/notifications/unread-count",
    response={200: UnreadOut, **ERRORS},
    summary="How many of my notifications are unread",
)
def unread_count(request):
    return {"unread": inbox.unread_count(request.user)}


@router.post(
    "/notifications/read",
    response={200: MarkedOut, **ERRORS},
    summary="Mark my notifications read (the ones named, or all)",
)
def mark_read(request, payload: MarkReadIn):
    user = request.user
    named = None
    if payload.ids is not None:
        named = list(scope_notifications(user).filter(pk__in=payload.ids).only("pk"))
    marked = services.mark_read(user, named)
    return {"marked": marked, "unread": inbox.unread_count(user)}


def _delivery(user) -> dict:
    return {"delivery": inbox.delivery_of(user), "email": user.email or ""}


@router.get(
    "/notifications/delivery",
    response={200: DeliveryOut, **ERRORS},
    summary="My e-mail delivery choice (daily digest or each at once)",
)
def get_delivery(request):
    return _delivery(request.user)


@router.put(
    "/notifications/delivery",
    response={200: DeliveryOut, **ERRORS},
    summary="Choose the daily digest or each notification at once by e-mail",
)
def put_delivery(request, payload: DeliveryIn):
    services.set_delivery(request.user, payload.delivery)
    return _delivery(request.user)


@router.post(
    "/measures/{id}/urge",
    response={201: UrgeOut, **ERRORS},
    summary="Urge the responsible unit about a measure (催办; office and its supervisors)",
)
def urge_measure(request, id: Id, payload: UrgeIn):
    measure = get_measure_for_user(request.user, id)
    if not can_urge_measure(request.user, measure):
        raise PermissionDenied
    action = services.urge(measure, actor=request.user, message=payload.message)
    return Status(201, action)
