"""Every write to supervision actions has its home here (the demo builder writes the same log).

Each function checks the actor's role, writes the row and the activity log in one transaction.
Input is validated at the edge; these raise only domain errors.
"""

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import F, Max
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.text import Truncator
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from rectify.audit.log import record, record_many, snapshot
from rectify.campaigns.models import Campaign
from rectify.core.errors import DomainError, PermissionRefused, TransitionRefused
from rectify.ledger import services as ledger_services
from rectify.ledger.choices import OPEN_STATES
from rectify.supervision.choices import (
    Delivery,
    MailStatus,
    NoticeLevel,
    NotificationKind,
    SupervisionKind,
)
from rectify.supervision.models import (
    Notification,
    NotificationSettings,
    ReminderStart,
    SupervisionAction,
)
from rectify.supervision.recipients import Contacts, notice_recipients
from rectify.supervision.scoping import can_supervise_unit
from rectify.supervision.texts import Texts


@transaction.atomic
def record_action(
    campaign,
    *,
    actor,
    kind: str,
    target_unit,
    content: str,
    measure=None,
    problem=None,
    outcome: str = "",
    participants: str = "",
    happened_at=None,
) -> SupervisionAction:
    """Log a reminder, inspection, on-site visit, talk or escalation about `target_unit`.

    The office may supervise any unit, a supervisor the units of their subtree. A measure names
    its problem when none is given.
    """
    if not can_supervise_unit(actor, campaign, target_unit):
        raise PermissionRefused(
            _("Only the campaign office or a supervisor of this unit may record supervision.")
        )
    for obj in (measure, problem):
        if obj is not None and obj.campaign_id != campaign.pk:
            raise PermissionRefused(_("That measure or problem belongs to another campaign."))
    if measure is not None and problem is None:
        problem = measure.problem
    if measure is not None and measure.problem_id != problem.pk:
        raise DomainError(_("That measure belongs to another problem."), code="mismatch")
    action = SupervisionAction.objects.create(
        campaign=campaign,
        kind=kind,
        target_unit=target_unit,
        measure=measure,
        problem=problem,
        actor=actor if actor.is_authenticated else None,
        happened_at=happened_at or timezone.now(),
        participants=participants,
        content=content,
        outcome=outcome,
    )
    logged = ["kind", "target_unit", "measure", "happened_at", "participants", "content"]
    record(
        action,
        "supervision.create",
        actor=actor,
        after=snapshot(action, [*logged, *(["outcome"] if outcome else [])]),
    )
    return action


@transaction.atomic
def issue_notice(
    campaign,
    *,
    actor,
    unit,
    level: str,
    measures,
    content: str,
    required_by: dt.date | None = None,
    happened_at=None,
) -> SupervisionAction:
    """Issue a numbered yellow or red supervision notice (督办单) to `unit` about `measures`.

    The number runs per campaign and year (〔2026〕1号, 2号 …); the campaign row is locked while
    it is drawn, so two notices issued at once never share a number. Every measure named must be
    this campaign's and the unit's (its lead unit within the unit's subtree).
    """
    (notice,) = issue_notices(
        campaign,
        actor=actor,
        notices=[
            {
                "unit": unit,
                "level": level,
                "measures": list(measures),
                "content": content,
                "required_by": required_by,
            }
        ],
        happened_at=happened_at,
    )
    send_notice(notice, actor=actor)
    return notice


def send_notice(notice: SupervisionAction, *, actor=None) -> list[Notification]:
    """A notice issued by hand goes to its unit's liaisons and leaders and to the unit's
    supervisors (not to whoever issued it): in the app, and by e-mail by each one's choice;
    keyed by the notice, so each person gets it once. (The reminder run sends the notices it
    issues the same way, in bulk.)"""
    campaign = notice.campaign
    unit = notice.target_unit
    rows = list(
        notice.items.order_by("problem__number", "pk").values(
            "id", "content", "deadline", "problem__number"
        )
    )
    recipients = [
        u for u in notice_recipients(Contacts(campaign), unit) if u.pk != getattr(actor, "pk", None)
    ]
    with translation.override(settings.LANGUAGE_CODE):
        texts = Texts(campaign, timezone.localdate(notice.happened_at))
        subject = texts.notice_subject(notice.level, notice, unit, len(rows))
        body = texts.notice_message(notice, unit, rows)
    return notify(
        recipients,
        kind=NotificationKind.NOTICE,
        subject=subject,
        body=body,
        campaign=campaign,
        url=reverse("notice-detail", args=[campaign.slug, notice.pk]),
        measure=notice.measure,
        action=notice,
        key=f"notice:a{notice.pk}",
    )


@transaction.atomic
def add_follow_up(
    action: SupervisionAction,
    *,
    actor,
    content: str,
    problem=None,
    title: str = "",
    source: str = "",
    **fields,
):
    """A measure for the supervised unit from this action's finding, in one step: on an existing
    problem of the campaign, or on a new one (`title`, `source`), through the ledger's service
    (ledger.services.create_follow_up: the office or a supervisor of the unit), linked to the
    action and logged on both."""
    if not can_supervise_unit(actor, action.campaign, action.target_unit):
        raise PermissionRefused(
            _("Only the campaign office or a supervisor of this unit may record supervision.")
        )
    if action.is_notice:
        raise DomainError(_("A supervision notice has no follow-up measures."), code="invalid")
    reason = _("Follow-up of %(action)s on %(day)s") % {
        "action": action.get_kind_display(),
        "day": date_format(timezone.localtime(action.happened_at).date()),
    }
    measure = ledger_services.create_follow_up(
        action.campaign,
        actor=actor,
        responsible_unit=action.target_unit,
        content=content,
        problem=problem,
        title=title,
        source=source,
        reason=reason,
        **fields,
    )
    action.follow_ups.add(measure)
    if action.problem_id is None:
        action.problem = measure.problem
        action.save(update_fields=["problem"])
    record(action, "supervision.follow_up", actor=actor, after={"follow_ups": [measure.pk]})
    return measure


@transaction.atomic
def issue_notices(campaign, *, actor, notices, happened_at=None) -> list[SupervisionAction]:
    """issue_notice() for many units at once (the reminder run's escalation): `notices` is a
    list of dicts of its arguments (unit, level, measures, content, required_by). The same
    checks, numbers and activity-log rows, written in bulk so the queries do not grow with the
    number of notices."""
    when = happened_at or timezone.now()
    year = timezone.localdate(when).year
    for n in notices:
        unit = n["unit"]
        if not can_supervise_unit(actor, campaign, unit):
            raise PermissionRefused(
                _("Only the campaign office or a supervisor of this unit may record supervision.")
            )
        if n["level"] not in NoticeLevel.values:
            raise DomainError(_("Unknown notice level."), code="invalid")
        if not n["measures"]:
            raise DomainError(_("A supervision notice names at least one measure."), code="invalid")
        for m in n["measures"]:
            if m.campaign_id != campaign.pk:
                raise PermissionRefused(_("That measure or problem belongs to another campaign."))
            if not m.responsible_unit.path.startswith(unit.path):
                raise DomainError(
                    _("Measure %(id)s is not the responsibility of this unit.") % {"id": m.pk},
                    code="mismatch",
                )
    if not notices:
        return []
    Campaign.objects.select_for_update().filter(pk=campaign.pk).first()
    last = SupervisionAction.objects.filter(campaign=campaign, year=year).aggregate(
        n=Max("sequence")
    )["n"]
    actions = SupervisionAction.objects.bulk_create(
        SupervisionAction(
            campaign=campaign,
            kind=SupervisionKind.ESCALATION,
            target_unit=n["unit"],
            measure=n["measures"][0] if len(n["measures"]) == 1 else None,
            problem=n["measures"][0].problem if len(n["measures"]) == 1 else None,
            actor=actor if actor.is_authenticated else None,
            happened_at=when,
            content=n["content"],
            level=n["level"],
            year=year,
            sequence=(last or 0) + i,
            required_by=n.get("required_by"),
        )
        for i, n in enumerate(notices, 1)
    )
    through = SupervisionAction.items.through
    through.objects.bulk_create(
        (
            through(supervisionaction_id=a.pk, measure_id=m.pk)
            for a, n in zip(actions, notices, strict=True)
            for m in n["measures"]
        ),
        batch_size=5000,
    )
    entries = []
    for a, n in zip(actions, notices, strict=True):
        entries.append(
            {
                "target": a,
                "action": "supervision.create",
                "actor": actor,
                "campaign": campaign,
                "after": snapshot(a, ["kind", "target_unit", "measure", "content"]),
            }
        )
        entries.append(
            {
                "target": a,
                "action": "supervision.notice",
                "actor": actor,
                "campaign": campaign,
                "after": {
                    "level": a.level,
                    "number": a.number,
                    "required_by": a.required_by.isoformat() if a.required_by else None,
                    "items": [m.pk for m in n["measures"]],
                },
            }
        )
    record_many(entries)
    return actions


def notify(
    recipients,
    *,
    kind: str,
    subject: str,
    body: str,
    campaign=None,
    url: str = "",
    measure=None,
    action=None,
    key: str | None = None,
) -> list[Notification]:
    """Write one notification per recipient (e-mail goes out later, by the reminder run).

    With a `key`, each recipient gets it once ever (`key:u<id>`): a second call with the same key
    writes nothing for them, so a reminder run repeated in the same period sends nothing twice.
    Notifications are messages, not ledger data: they are not in the activity log.
    """
    made = []
    for user in {u.pk: u for u in recipients if u is not None and u.is_active}.values():
        row_key = f"{key}:u{user.pk}" if key else None
        if row_key and Notification.objects.filter(key=row_key).exists():
            continue
        made.append(
            Notification.objects.create(
                recipient=user,
                campaign=campaign,
                kind=kind,
                subject=subject[:200],
                body=body,
                url=url,
                measure=measure,
                action=action,
                key=row_key,
                mail_status=MailStatus.PENDING if user.email else MailStatus.NO_ADDRESS,
            )
        )
    return made


def reminders_started(campaign, today: dt.date) -> dt.date:
    """The day the reminder run first worked on `campaign` (today, on its first run)."""
    start, _created = ReminderStart.objects.get_or_create(
        campaign=campaign, defaults={"started_on": today}
    )
    return start.started_on


def notify_many(messages, *, now=None, batch_size: int = 2000) -> int:
    """notify() for many messages at once (the reminder run): `messages` yields dicts of
    notify()'s arguments (recipients, kind, subject, body, campaign, url, measure_id, action,
    key), written at `now` (the run's time). Rows are inserted in batches and a keyed row that
    exists already is skipped by the database (the key is unique), so the key rule is
    notify()'s: once per person, ever.

    Returns how many rows were written.
    """
    rows = []
    for m in messages:
        key = m.get("key")
        for user in {u.pk: u for u in m["recipients"] if u is not None and u.is_active}.values():
            rows.append(
                Notification(
                    recipient_id=user.pk,
                    campaign=m.get("campaign"),
                    kind=m["kind"],
                    subject=m["subject"][:200],
                    body=m["body"],
                    url=m.get("url", ""),
                    measure_id=m.get("measure_id"),
                    action=m.get("action"),
                    key=f"{key}:u{user.pk}" if key else None,
                    mail_status=MailStatus.PENDING if user.email else MailStatus.NO_ADDRESS,
                    created_at=now or timezone.now(),
                )
            )
    if not rows:
        return 0
    before = Notification.objects.count()
    Notification.objects.bulk_create(rows, batch_size=batch_size, ignore_conflicts=True)
    return Notification.objects.count() - before


def record_mail(sent_ids, *, now, failed_ids=(), error: str = "") -> None:
    """What the reminder run's e-mail delivery did: sent rows get their time, failed ones stay
    pending with one more attempt and the error (retried on the next run)."""
    for chunk in _chunks(list(sent_ids)):
        Notification.objects.filter(pk__in=chunk, mail_status=MailStatus.PENDING).update(
            mail_status=MailStatus.SENT, mailed_at=now, mail_error=""
        )
    for chunk in _chunks(list(failed_ids)):
        Notification.objects.filter(pk__in=chunk).update(
            mail_attempts=F("mail_attempts") + 1, mail_error=error[:1000]
        )


def _chunks(ids: list, size: int = 5000):
    for i in range(0, len(ids), size):
        yield ids[i : i + size]


def mark_read(user, notifications=None) -> int:
    """Mark the user's notifications read (all unread ones when none are named)."""
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notifications is not None:
        qs = qs.filter(pk__in=[n.pk for n in notifications])
    return qs.update(read_at=timezone.now())


def set_delivery(user, delivery: str) -> NotificationSettings:
    """A person chooses the daily digest or each notification at once (their own choice only)."""
    if delivery not in Delivery.values:
        raise DomainError(_("Unknown delivery choice."), code="invalid")
    obj, _created = NotificationSettings.objects.update_or_create(
        user=user, defaults={"delivery": delivery}
    )
    return obj


URGE_MESSAGE_MAX = 2000


@transaction.atomic
def urge(measure, *, actor, message: str) -> SupervisionAction:
    """催办: a supervisor (or the office) urges the responsible unit about an open measure with a
    message. Recorded as a supervision action of kind REMINDER (logged by record_action) and sent
    to the unit's liaisons as an URGE notification linking to the measure (e-mail follows by
    their delivery choice, through the reminder run)."""
    message = (message or "").strip()
    if not message:
        raise DomainError(_("Say what the unit should do: the message is empty."), code="invalid")
    if measure.state not in OPEN_STATES:
        raise TransitionRefused(_("Only an open measure can be urged."), code="not_open")
    unit = measure.responsible_unit
    action = record_action(
        measure.campaign,
        actor=actor,
        kind=SupervisionKind.REMINDER,
        target_unit=unit,
        content=message,
        measure=measure,
    )
    problem = measure.problem
    with translation.override(settings.LANGUAGE_CODE):
        text = Truncator(measure.content).chars(60)
        subject = gettext("[Urged] %(measure)s") % {"measure": text}
        lines = [
            gettext("%(actor)s urges %(unit)s on this measure:")
            % {"actor": actor, "unit": unit.name},
            gettext("Problem %(number)s: %(problem)s")
            % {"number": problem.number, "problem": problem.title},
            gettext("Measure: %(measure)s") % {"measure": measure.content},
            gettext("Deadline: %(deadline)s")
            % {"deadline": date_format(measure.deadline) if measure.deadline else "—"},
            "",
            gettext("Message: %(message)s") % {"message": message},
            "",
            gettext("Please speed up the work and report progress in time."),
        ]
    notify(
        Contacts(measure.campaign).liaisons(unit),
        kind=NotificationKind.URGE,
        subject=subject,
        body="\n".join(lines),
        campaign=measure.campaign,
        url=reverse("measure-detail", args=[measure.pk]),
        measure=measure,
        action=action,
    )
    return action
