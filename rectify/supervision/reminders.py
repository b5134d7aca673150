"""The reminder run (`rectify remind`, the background worker's schedule): one step writes the
reminders due today, escalates what stays overdue, and delivers e-mail.

The office sets the rules per campaign (Campaign.remind_*, escalate_after), in the days the
campaign's warning lights count (working days: weekends and official holidays skipped, make-up
workdays counted, core/workdays.py; or calendar days). With working days nothing is written on a
day off: what falls due then is written on the next working day.

For each open measure (closed measures get nothing):
- start: still in draft `remind_after_days` after it was assigned (created) — once;
- before: the deadline is 1 … `remind_before_days` days ahead — once per deadline;
- on the deadline: the deadline is today (with working days: no working day is left before
  it) — once per deadline;
- overdue: every `remind_overdue_every` days past the deadline, from its first day — once per
  period (period p covers overdue days 1+pK … K+pK);
- escalation: once the unit has been sent `escalate_after` (M) overdue reminders, a yellow
  supervision notice (督办单) to the unit, issued by the system, sent to the unit's liaisons
  and leaders and to its supervisors; once M more after the yellow, a red one. Reminders
  count from the run's first day on the campaign (ReminderStart): a measure long overdue when
  reminders began starts at one, so the first run issues no backlog of notices. A notice
  counts for the current deadline only: one issued before the deadline was moved does not.

Reminders go to the responsible unit's liaisons (supervision/recipients.py). Each is keyed by
reason, measure, deadline and period, so a second run in the same period writes nothing.
The queries do not grow with the number of measures: measures, units, memberships and notices
are read once per campaign, notifications are written in batches, one notice per unit and level.
"""

import contextlib
import datetime as dt
import logging
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from rectify.campaigns.choices import DeadlineBasis
from rectify.campaigns.models import Campaign
from rectify.core import workdays
from rectify.ledger.choices import OPEN_STATES, MeasureState
from rectify.ledger.models import Measure
from rectify.orgs.access import SYSTEM
from rectify.orgs.models import OrgUnit
from rectify.supervision import services
from rectify.supervision.choices import Delivery, MailStatus, NoticeLevel, NotificationKind
from rectify.supervision.models import Notification, NotificationSettings, SupervisionAction
from rectify.supervision.recipients import Contacts, notice_recipients
from rectify.supervision.texts import Texts, official_date, site_url

log = logging.getLogger(__name__)

# A notice asks the unit to answer within this many days (the run counts them as the campaign
# counts; the page's form proposes that many working days).
NOTICE_ANSWER_DAYS = 5


@dataclass
class Summary:
    """What one step did."""

    campaigns: int = 0
    reminders: int = 0
    notices: int = 0
    mailed: int = 0
    failed: int = 0
    notices_issued: list = field(default_factory=list)

    def __str__(self):
        return (
            f"campaigns {self.campaigns} · reminders written {self.reminders} · notices issued "
            f"{self.notices} · mails sent {self.mailed} · mails failed {self.failed}"
        )


def remind(now: dt.datetime | None = None, *, connection=None) -> Summary:
    """One step over every active campaign (started, or without a start date): reminders,
    escalation, then e-mail delivery."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    summary = Summary()
    with translation.override(settings.LANGUAGE_CODE):
        campaigns = Campaign.objects.filter(Q(starts_on__isnull=True) | Q(starts_on__lte=today))
        for campaign in campaigns.select_related("org_unit").order_by("id"):
            summary.campaigns += 1
            remind_campaign(campaign, now, summary)
        deliver(now, summary, connection=connection)
    return summary


# --- what is due ------------------------------------------------------------------------------


@dataclass
class Due:
    """One reminder due today for one measure."""

    reason: str  # start, before, due, overdue
    key: str
    days: int = 0  # days left (before) or calendar days overdue (overdue)


class Counter:
    """Days between two dates as the campaign counts them; working days from one reading of the
    office's calendar over the span the run needs."""

    def __init__(self, campaign, start: dt.date, end: dt.date):
        self.working = campaign.due_soon_basis == DeadlineBasis.WORKING
        self.span = workdays.Span(start, end) if self.working else None

    def between(self, a: dt.date, b: dt.date) -> int:
        return self.span.between(a, b) if self.working else (b - a).days

    def is_day_on(self, day: dt.date) -> bool:
        return self.span.is_workday(day) if self.working else True


def due_reminders(campaign, m: dict, today: dt.date, counter: Counter) -> list[Due]:
    """The reminders due today for one open measure (a dict of state, deadline, assigned_on)."""
    out = []
    mid, deadline = m["id"], m["deadline"]
    after = campaign.remind_after_days
    draft = m["state"] == MeasureState.DRAFT
    if after and draft and counter.between(m["assigned_on"], today) >= after:
        out.append(Due("start", f"remind:start:m{mid}"))
    if deadline is None:
        return out
    if deadline >= today:
        left = counter.between(today, deadline)
        if left == 0 and campaign.remind_on_deadline:
            out.append(Due("due", f"remind:due:m{mid}:{deadline}"))
        elif 1 <= left <= campaign.remind_before_days:
            out.append(Due("before", f"remind:before:m{mid}:{deadline}", days=left))
        return out
    every = campaign.remind_overdue_every
    late = counter.between(deadline, today)
    if every and late >= 1:
        period = (late - 1) // every
        out.append(
            Due(
                "overdue",
                f"remind:overdue:m{mid}:{deadline}:{period}",
                days=(today - deadline).days,
            )
        )
    return out


def notice_due(campaign, count: int, issued: dict[str, dt.date], count_on) -> str | None:
    """The notice level a measure with `count` overdue reminders sent is due for, given the
    notices already issued about its current deadline ({level: day}): yellow once M reminders
    were sent, red once M more were sent after the yellow (`count_on(day)`: sent by that day)."""
    m = campaign.escalate_after
    if not m or count < m or NoticeLevel.RED in issued:
        return None
    if NoticeLevel.YELLOW not in issued:
        return NoticeLevel.YELLOW
    if count - count_on(issued[NoticeLevel.YELLOW]) >= m:
        return NoticeLevel.RED
    return None


def overdue_count(counter, deadline: dt.date, day: dt.date, every: int) -> int:
    """Overdue reminders due for `deadline` by `day` (periods begun)."""
    late = counter.between(deadline, day)
    return (late - 1) // every + 1 if late >= 1 else 0


# --- one campaign -----------------------------------------------------------------------------


MEASURE_FIELDS = (
    "id",
    "state",
    "deadline",
    "created_at",
    "content",
    "responsible_unit_id",
    "problem__number",
    "problem__title",
)


def remind_campaign(campaign, now: dt.datetime, summary: Summary) -> None:
    today = timezone.localdate(now)
    rules = (
        campaign.remind_after_days,
        campaign.remind_before_days,
        campaign.remind_on_deadline,
        campaign.remind_overdue_every,
    )
    if not any(rules):
        return
    # Only measures a rule can reach today: drafts (start reminder), those past their deadline
    # and those whose deadline is near (a working-day window is at most ~3x calendar days).
    horizon = today + dt.timedelta(days=3 * campaign.remind_before_days + 30)
    rows = list(
        Measure.objects.filter(campaign=campaign, state__in=OPEN_STATES)
        .filter(Q(state=MeasureState.DRAFT) | Q(deadline__lte=horizon))
        .values(*MEASURE_FIELDS)
    )
    if not rows:
        return
    for r in rows:
        r["assigned_on"] = timezone.localdate(r["created_at"])
    earliest = min(
        [today, *(r["deadline"] for r in rows if r["deadline"]), *(r["assigned_on"] for r in rows)]
    )
    end = max([horizon, *(r["deadline"] for r in rows if r["deadline"])])
    counter = Counter(campaign, earliest, end)
    if not counter.is_day_on(today):
        return

    started = services.reminders_started(campaign, today)
    every = campaign.remind_overdue_every

    def reminders_by(day: dt.date, deadline: dt.date) -> int:
        """Overdue reminders sent about `deadline` by `day`: periods begun, counted from the
        period in which reminders started when the deadline passed before that."""
        n = overdue_count(counter, deadline, day, every)
        if started > deadline:
            n -= overdue_count(counter, deadline, started, every) - 1
        return n

    units = {u.pk: u for u in OrgUnit.objects.subtree(campaign.org_unit)}
    contacts = Contacts(campaign)
    liaisons: dict[int, list] = {}
    issued = issued_notices(campaign)
    texts = Texts(campaign, today)

    written = recent_reminder_keys(campaign, now)
    messages, escalate = [], defaultdict(list)
    for r in rows:
        dues = due_reminders(campaign, r, today, counter)
        if not dues:
            continue
        unit = units.get(r["responsible_unit_id"])
        if unit is None:  # a unit outside the campaign's tree (moved away): nobody to remind
            continue
        if unit.pk not in liaisons:
            liaisons[unit.pk] = contacts.liaisons(unit)
        for due in dues:
            if due.reason == "overdue":
                done = levels_since(issued, r["id"], r["deadline"])
                level = notice_due(
                    campaign,
                    reminders_by(today, r["deadline"]),
                    done,
                    lambda day, d=r["deadline"]: reminders_by(day, d),
                )
                if level:
                    escalate[(unit.pk, level)].append(r)
            if due.key in written:  # written already (the database would skip it anyway)
                continue
            subject, body = texts.reminder(due, r, unit)
            messages.append(
                {
                    "recipients": liaisons[unit.pk],
                    "kind": NotificationKind.REMINDER,
                    "subject": subject,
                    "body": body,
                    "campaign": campaign,
                    "url": texts.measure_path(r["id"]),
                    "measure_id": r["id"],
                    "key": due.key,
                }
            )
    summary.reminders += services.notify_many(messages, now=now)
    if escalate:
        issue_notices(campaign, now, escalate, units, contacts, counter, texts, summary)


def recent_reminder_keys(campaign, now: dt.datetime) -> set[str]:
    """The keys of the reminders written in the last weeks (each person's row is keyed
    `key:u<id>`): a later step of the same period skips them before building their texts. Only
    a shortcut: the unique key is what guarantees nothing is written twice."""
    days = 3 * max(campaign.remind_overdue_every, campaign.remind_before_days, 1) + 14
    keys = Notification.objects.filter(
        campaign=campaign,
        kind=NotificationKind.REMINDER,
        created_at__gte=now - dt.timedelta(days=days),
    ).values_list("key", flat=True)
    return {key.rsplit(":u", 1)[0] for key in keys.iterator(chunk_size=20000) if key}


def issued_notices(campaign) -> dict[int, list[tuple[str, dt.date]]]:
    """The (level, day issued) of every notice naming each measure of the campaign."""
    through = SupervisionAction.items.through
    rows = through.objects.filter(
        supervisionaction__campaign=campaign, supervisionaction__level__in=NoticeLevel.values
    ).values_list("measure_id", "supervisionaction__level", "supervisionaction__happened_at")
    by_measure: dict[int, list[tuple[str, dt.date]]] = defaultdict(list)
    for mid, level, when in rows:
        by_measure[mid].append((level, timezone.localdate(when)))
    return by_measure


def levels_since(issued, measure_id: int, deadline: dt.date) -> dict[str, dt.date]:
    """The notices about the measure's current deadline (issued after it passed): the first
    day of each level."""
    out: dict[str, dt.date] = {}
    for level, day in sorted(issued.get(measure_id, ()), key=lambda x: x[1]):
        if day > deadline:
            out.setdefault(level, day)
    return out


def issue_notices(campaign, now, escalate, units, contacts, counter, texts, summary):
    """One notice per unit and level naming its measures due for it; sent to the unit's leaders
    and supervisors (keyed by the notice, so each reaches each person once)."""
    today = timezone.localdate(now)
    ids = [r["id"] for rows in escalate.values() for r in rows]
    measures = {
        m.pk: m
        for m in Measure.objects.filter(pk__in=ids).select_related("responsible_unit", "problem")
    }
    required_by = _answer_date(today, counter)
    order = sorted(escalate.items(), key=lambda kv: (kv[0][1], kv[0][0]))
    planned = [
        {
            "unit": units[unit_id],
            "level": level,
            "measures": [measures[r["id"]] for r in rows],
            "content": texts.notice_content(level, units[unit_id], rows, required_by),
            "required_by": required_by,
        }
        for (unit_id, level), rows in order
    ]
    notices = services.issue_notices(campaign, actor=SYSTEM, notices=planned, happened_at=now)
    summary.notices += len(notices)
    summary.notices_issued.extend(notices)
    messages = []
    for notice, plan, ((_unit_id, level), rows) in zip(notices, planned, order, strict=True):
        unit = plan["unit"]
        messages.append(
            {
                "recipients": notice_recipients(contacts, unit),
                "kind": NotificationKind.NOTICE,
                "subject": texts.notice_subject(level, notice, unit, len(rows)),
                "body": texts.notice_message(notice, unit, rows),
                "campaign": campaign,
                "url": reverse("notice-detail", args=[campaign.slug, notice.pk]),
                "measure_id": rows[0]["id"] if len(rows) == 1 else None,
                "action": notice,
                "key": f"notice:a{notice.pk}",
            }
        )
    services.notify_many(messages, now=now)


def _answer_date(today: dt.date, counter: Counter) -> dt.date:
    if counter.working:
        return workdays.add_working_days(today, NOTICE_ANSWER_DAYS)
    return today + dt.timedelta(days=NOTICE_ANSWER_DAYS)


# --- e-mail -----------------------------------------------------------------------------------


def deliver(now: dt.datetime | None = None, summary: Summary | None = None, *, connection=None):
    """Send the pending notifications by e-mail over one connection: to people who chose
    immediate delivery each at once; to the others one digest a day, at or after
    REMIND_DIGEST_HOUR (local time). A failure leaves the rows pending with one more attempt
    and the error, for the next run; nothing is lost and nothing is sent twice."""
    now = now or timezone.now()
    summary = summary or Summary()
    local = timezone.localtime(now)
    rows = list(
        Notification.objects.filter(mail_status=MailStatus.PENDING)
        .exclude(recipient__email="")
        .filter(recipient__is_active=True)
        .order_by("recipient_id", "created_at", "id")
        .values("id", "recipient_id", "recipient__email", "subject", "body", "url")
    )
    if not rows:
        return summary
    immediate = set(
        NotificationSettings.objects.filter(delivery=Delivery.IMMEDIATE).values_list(
            "user_id", flat=True
        )
    )
    digest_time = local.hour >= settings.REMIND_DIGEST_HOUR
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    digested_today = set()
    if digest_time:
        digested_today = set(
            Notification.objects.filter(mail_status=MailStatus.SENT, mailed_at__gte=midnight)
            .exclude(recipient_id__in=immediate)
            .values_list("recipient_id", flat=True)
            .distinct()
        )
    by_person = defaultdict(list)
    for r in rows:
        by_person[r["recipient_id"]].append(r)
    outgoing: list[tuple[EmailMessage, list[int]]] = []
    sender = settings.DEFAULT_FROM_EMAIL
    with translation.override(settings.LANGUAGE_CODE):
        for person, items in by_person.items():
            to = [items[0]["recipient__email"]]
            if person in immediate:
                for r in items:
                    outgoing.append((EmailMessage(r["subject"], r["body"], sender, to), [r["id"]]))
            elif digest_time and person not in digested_today:
                subject, body = digest(items, local.date())
                outgoing.append((EmailMessage(subject, body, sender, to), [r["id"] for r in items]))
    if not outgoing:
        return summary
    sent, failed, error = _send(outgoing, connection)
    sent_set = set(sent)
    sent_messages = sum(1 for _m, ids in outgoing if ids[0] in sent_set)
    failed_messages = len(outgoing) - sent_messages
    services.record_mail(sent, now=now, failed_ids=failed, error=error)
    summary.mailed += sent_messages
    summary.failed += failed_messages
    return summary


def digest(items: list[dict], day: dt.date) -> tuple[str, str]:
    """One e-mail listing a person's pending notifications."""
    subject = _("[Rectification reminder] Daily digest of %(date)s: %(n)s notifications") % {
        "date": official_date(day),
        "n": len(items),
    }
    lines = [
        _("You have %(n)s new notifications:") % {"n": len(items)},
        "",
        *(
            f"{i}. {r['subject']}" + (f"\n   {site_url(r['url'])}" if r["url"] else "")
            for i, r in enumerate(items, 1)
        ),
        "",
        _("See them all in the app: %(url)s") % {"url": site_url("/")},
    ]
    return subject, "\n".join(lines)


def _send(outgoing, connection) -> tuple[list[int], list[int], str]:
    """Send each message over one connection; returns (sent ids, failed ids, last error)."""
    connection = connection or get_connection()
    sent, failed, error = [], [], ""
    try:
        connection.open()
    except Exception as exc:  # refused, timed out, bad credentials …
        error = f"{type(exc).__name__}: {exc}"
        log.warning("reminder e-mail: cannot connect (%s); %s messages wait", error, len(outgoing))
        return [], [i for _m, ids in outgoing for i in ids], error
    try:
        for message, ids in outgoing:
            try:
                if connection.send_messages([message]):
                    sent.extend(ids)
                else:
                    raise RuntimeError("not sent")
            except Exception as exc:
                error = f"{type(exc).__name__}: {exc}"
                failed.extend(ids)
    finally:
        with contextlib.suppress(Exception):  # closing a broken connection
            connection.close()
    if failed:
        log.warning(
            "reminder e-mail: %s messages failed (%s); retried next run", len(failed), error
        )
    return sent, failed, error


# --- the background worker's schedule ---------------------------------------------------------


@task()
def remind_and_reschedule() -> dict:
    """The worker's task: one step, then the next one enqueued REMIND_INTERVAL later. A step is
    idempotent, so a duplicate chain (two demos started) only repeats work, never mail."""
    try:
        summary = remind()
    finally:
        enqueue_next()
    return {
        "reminders": summary.reminders,
        "notices": summary.notices,
        "mailed": summary.mailed,
        "failed": summary.failed,
    }


def enqueue_next(delay: int | None = None):
    delay = settings.REMIND_INTERVAL if delay is None else delay
    when = timezone.now() + dt.timedelta(seconds=delay)
    return remind_and_reschedule.using(run_after=when).enqueue()


def start_schedule():
    """Put the reminder step in the worker's queue unless a step already waits there (what
    `rectify demo --serve` calls; production may run `rectify remind --loop` instead)."""
    from django_tasks_db.models import DBTaskResult

    path = remind_and_reschedule.module_path
    recent = timezone.now() - dt.timedelta(hours=1)  # a worker killed mid-step leaves RUNNING
    waiting = DBTaskResult.objects.filter(task_path=path).filter(
        Q(status="READY") | Q(status="RUNNING", started_at__gte=recent)
    )
    if waiting.exists():
        return None
    return enqueue_next(delay=0)
