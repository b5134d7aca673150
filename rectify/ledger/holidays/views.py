"""The holiday calendar's pages: the years (everyone signed in), one year's days and history,
and the entry: paste the State Council's notice → read it into the list of days → preview
every day → save (staff and campaign offices).

The list of days (one a line) is what is saved: the notice only fills it. A save stores the
list the preview showed (its fingerprint travels with the form) and refuses if the year was
saved by someone else since the page was opened.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from rectify.core.errors import ConflictError, DomainError
from rectify.core.workdays import package_years
from rectify.ledger.holidays import services, years
from rectify.ledger.holidays.forms import EntryForm, YearForm
from rectify.ledger.holidays.messages import message
from rectify.ledger.holidays.notice import lines_of, read_lines, read_notice
from rectify.ledger.holidays.scoping import may_edit_calendar


def _year_or_404(year: int) -> int:
    if not years.in_range(year):
        raise Http404("year")
    return year


@login_required
def calendar_overview(request):
    may_edit = may_edit_calendar(request.user)
    form = YearForm(request.GET or None)
    if request.GET and form.is_valid():
        year = form.cleaned_data["year"]
        return redirect("calendar-edit" if may_edit else "calendar-year", year)
    known = sorted(package_years())
    context = {
        "rows": years.overview(timezone.localdate()),
        "form": form,
        "may_edit": may_edit,
        "package_first": known[0] if known else None,
        "package_last": known[-1] if known else None,
    }
    return render(request, "ledger/calendar.html", context)


@login_required
def calendar_year(request, year):
    year = _year_or_404(year)
    shown = years.year_of(year)
    if shown.source == years.OFFICE:
        rows, _diff = years.preview(year, shown.days)
    else:
        rows = [years.PreviewRow(d, "same", None, no_effect=False) for d in shown.days]
    context = {
        "year": year,
        "shown": shown,
        "rows": rows,
        "package_column": shown.source == years.OFFICE and shown.package_covers,
        "may_edit": may_edit_calendar(request.user),
        "history": years.history(year),
        "calendar_years": [] if shown.covered else [year],
    }
    return render(request, "ledger/calendar_year.html", context)


@login_required
def calendar_edit(request, year):
    year = _year_or_404(year)
    if not may_edit_calendar(request.user):
        raise PermissionDenied
    saved = years.office_days(year)
    context = {
        "year": year,
        "package_covers": year in package_years(),
        "saved_count": len(saved),
    }
    if request.method != "POST":
        form = EntryForm(initial={"lines": lines_of(saved), "based_on": years.fingerprint(saved)})
        return render(request, "ledger/calendar_edit.html", {**context, "form": form})

    form = EntryForm(request.POST)
    action = request.POST.get("action")
    if not form.is_valid():
        return render(request, "ledger/calendar_edit.html", {**context, "form": form})
    data = form.cleaned_data
    if action == "read":
        reading = read_notice(data["notice"], year)
        if not reading.days and not reading.unread:
            # Not a notice, but perhaps a list of days pasted into the notice's box.
            as_list = read_lines(data["notice"], year)
            if as_list.days and as_list.ok:
                reading = as_list
        if reading.notice_year not in (None, year):
            # Read into the wrong year, its days would be wrong: say so and read nothing.
            context.update(unread=_unread(reading, year), unread_in="notice")
            return render(request, "ledger/calendar_edit.html", {**context, "form": form})
        if not reading.days and not reading.unread:
            form.add_error("notice", _("No holiday or make-up workday was found in this text."))
            return render(request, "ledger/calendar_edit.html", {**context, "form": form})
        bound = request.POST.copy()
        bound["lines"] = lines_of(reading.days)
        if reading.reference and not data["basis"]:
            bound["basis"] = reading.reference
        form = EntryForm(bound)
        form.is_valid()
        context.update(unread=_unread(reading, year), unread_in="notice")
        return _preview(request, context, form, year, reading.days, ok=reading.ok)

    reading = read_lines(data["lines"], year)
    if not reading.ok:
        context.update(unread=_unread(reading, year), unread_in="lines")
        return render(request, "ledger/calendar_edit.html", {**context, "form": form})
    if action == "save":
        if data["checked"] != years.fingerprint(reading.days):
            messages.warning(
                request, _("The list changed since the preview: check the preview and save again.")
            )
        else:
            try:
                diff = services.replace_year(
                    year,
                    reading.days,
                    actor=request.user,
                    expected=data["based_on"] or None,
                    reason=data["basis"].strip(),
                )
            except ConflictError as exc:
                messages.error(request, exc.message)
                context["conflict"] = True
                return render(request, "ledger/calendar_edit.html", {**context, "form": form})
            except DomainError as exc:
                messages.error(request, exc.message)
                return render(request, "ledger/calendar_edit.html", {**context, "form": form})
            messages.success(
                request,
                _(
                    "The calendar of %(year)s is saved: %(off)d days off and %(work)d make-up "
                    "workdays (%(added)d added, %(changed)d changed, %(removed)d removed)."
                )
                % {
                    "year": year,
                    "off": sum(not d.is_workday for d in reading.days),
                    "work": sum(d.is_workday for d in reading.days),
                    "added": len(diff.added),
                    "changed": len(diff.changed),
                    "removed": len(diff.removed),
                },
            )
            return redirect("calendar-year", year)
    return _preview(request, context, form, year, reading.days, ok=True)


def _unread(reading, year) -> list[dict]:
    return [{"line": u.line, "text": u.text, "message": message(u, year)} for u in reading.unread]


def _preview(request, context, form, year, days, *, ok: bool):
    rows, diff = years.preview(year, days)
    context.update(
        {
            "form": form,
            "rows": rows,
            "diff": diff,
            "previewed": True,
            "can_save": ok,
            "checked": years.fingerprint(days) if ok else "",
            "days_off": sum(not d.is_workday for d in days),
            "make_up_days": sum(d.is_workday for d in days),
        }
    )
    return render(request, "ledger/calendar_edit.html", context)
