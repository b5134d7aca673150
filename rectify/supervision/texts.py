"""Reminders and supervision notices in words, as offices write them (in the site's
language): one home for the texts the reminder run and the pages' notices send."""

import datetime as dt

from django.conf import settings
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _

from rectify.supervision.choices import NoticeLevel


def official_date(day: dt.date) -> str:
    """A date as the active language writes it in prose (2026年12月24日)."""
    return formats.date_format(day, "DATE_FORMAT")


def site_url(path: str) -> str:
    """An absolute link for e-mail from a path on this site (notifications store paths, which
    the app's notification list follows)."""
    if not path.startswith("/"):
        return path
    return settings.SITE_URL.rstrip("/") + path


class Texts:
    """Subjects and bodies as offices write them (in the site's language)."""

    def __init__(self, campaign, today):
        self.campaign = campaign
        self.today = today
        self.office = _("%(campaign)s office") % {"campaign": campaign.name}
        # reverse() once: the measure link only differs by its number.
        self._url = reverse("measure-detail", args=[999999999]).replace("999999999", "{}")

    def measure_path(self, pk: int) -> str:
        """The measure's page on this site (a notification's link in the app)."""
        return self._url.format(pk)

    def measure_url(self, pk: int) -> str:
        """The same, absolute (in e-mail)."""
        return site_url(self.measure_path(pk))

    def label(self, r: dict) -> str:
        content = r["content"].strip().replace("\n", " ")
        return content[:30] + ("…" if len(content) > 30 else "")

    def reminder(self, due, r: dict, unit) -> tuple[str, str]:
        deadline = official_date(r["deadline"]) if r["deadline"] else ""
        p = {
            "unit": unit.name,
            "measure": self.label(r),
            "content": r["content"].strip(),
            "number": r["problem__number"],
            "title": r["problem__title"],
            "date": deadline,
            "days": due.days,
            "today": official_date(self.today),
        }
        if due.reason == "start":
            subject = _("[Rectification reminder] Please start: %(measure)s") % p
            text = _(
                "The rectification measure “%(content)s” (problem %(number)s “%(title)s”) was "
                "assigned to your unit and has not been started yet. Please start it without "
                "delay, fill in the measure's plan and report progress in the ledger."
            )
        elif due.reason == "before":
            subject = _("[Rectification reminder] %(measure)s is due on %(date)s") % p
            text = _(
                "The rectification measure “%(content)s” (problem %(number)s “%(title)s”) your "
                "unit is responsible for is due on %(date)s. Please push the work forward, "
                "complete it on time and report progress and evidence in the ledger."
            )
        elif due.reason == "due":
            subject = _("[Rectification reminder] %(measure)s is due today (%(date)s)") % p
            text = _(
                "The rectification measure “%(content)s” (problem %(number)s “%(title)s”) your "
                "unit is responsible for is due today, %(date)s. Please complete it and request "
                "closure with evidence in the ledger; if it cannot be completed, apply for an "
                "extension with the reasons."
            )
        else:
            subject = _("[Overdue reminder] %(measure)s is %(days)s days overdue") % p
            text = _(
                "The rectification measure “%(content)s” (problem %(number)s “%(title)s”) your "
                "unit is responsible for was due on %(date)s and is %(days)s days overdue as of "
                "%(today)s. Please complete it without delay and report the progress and the "
                "reasons for the delay in the ledger."
            )
        body = "\n\n".join(
            [
                _("%(unit)s:") % p,
                text % p,
                _("Open the measure: %(url)s") % {"url": self.measure_url(r["id"])},
                self.office,
            ]
        )
        return subject, body

    def notice_content(self, level, unit, rows, required_by) -> str:
        p = {
            "unit": unit.name,
            "n": len(rows),
            "today": official_date(self.today),
            "count": self.campaign.escalate_after * (2 if level == NoticeLevel.RED else 1),
            "required": official_date(required_by),
        }
        if level == NoticeLevel.RED:
            text = _(
                "As of %(today)s, the following %(n)s rectification measures of your unit are "
                "overdue and still not completed after %(count)s reminders and a yellow "
                "supervision notice. They are now placed under red-notice supervision. Complete "
                "them and report in writing to the campaign office by %(required)s; the unit's "
                "principal leader is answerable for them."
            )
        else:
            text = _(
                "As of %(today)s, the following %(n)s rectification measures of your unit are "
                "overdue and still not completed after %(count)s reminders. They are now placed "
                "under yellow-notice supervision. Complete them and report in writing to the "
                "campaign office by %(required)s."
            )
        return text % p

    def notice_message(self, notice, unit, rows) -> str:
        """The notification (and e-mail) of a notice: the notice's text, its items with their
        links, and the link to the notice itself (printable, .docx)."""
        items = [
            _("%(i)s. Problem %(number)s: %(content)s (due %(date)s) %(url)s")
            % {
                "i": i,
                "number": r["problem__number"],
                "content": self.label(r),
                "date": official_date(r["deadline"]),
                "url": self.measure_url(r["id"]),
            }
            for i, r in enumerate(rows, 1)
        ]
        link = site_url(reverse("notice-detail", args=[self.campaign.slug, notice.pk]))
        return "\n\n".join(
            [
                _("%(unit)s:") % {"unit": unit.name},
                notice.content,
                "\n".join(items),
                _("The notice: %(url)s") % {"url": link},
                self.office,
            ]
        )

    def notice_subject(self, level, notice, unit, n) -> str:
        p = {"number": notice.number, "unit": unit.name, "n": n}
        if level == NoticeLevel.RED:
            return _("[Red notice] Supervision notice %(number)s: %(unit)s, %(n)s overdue") % p
        return _("[Yellow notice] Supervision notice %(number)s: %(unit)s, %(n)s overdue") % p
