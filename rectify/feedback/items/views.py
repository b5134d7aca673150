"""Pages of raw feedback: the list, one item with its history and triage form, and the
multi-row entry form used after a symposium.

Thin views: every lookup goes through feedback/scoping.py, every write through services.py
(entry.py creates many items in one transaction through it).
"""

import tempfile

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef
from django.http import FileResponse, Http404, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from rectify.audit.timeline import timeline
from rectify.campaigns.scoping import (
    can_change_activity,
    can_record,
    can_record_without_group,
    get_activity_for_user,
    get_campaign_for_reader,
    recording_groups,
    scope_activities,
    scope_entry_activities,
    scope_work_groups,
)
from rectify.core.errors import DomainError
from rectify.core.pages import is_htmx, status_of
from rectify.feedback.items import closeness, entry, exporting, services
from rectify.feedback.items.filters import FeedbackFilter
from rectify.feedback.items.forms import (
    MAX_ROWS,
    EntryForm,
    RowFormSet,
    TriageForm,
    entry_defaults,
)
from rectify.feedback.scoping import (
    can_import,
    can_see_submitter,
    can_triage_feedback,
    get_feedback_for_user,
    scope_feedback,
)
from rectify.ledger.models import ProblemFeedback
from rectify.ledger.scoping import scope_problems
from rectify.textsim.normalise import dedup_key

PAGE_SIZE = 50
BLANK_ROWS = 3


# --- the list and one item -------------------------------------------------------------------


def _filter(request, campaign) -> FeedbackFilter:
    """The list's filter over what the user may see (the list and its export)."""
    user = request.user
    return FeedbackFilter(
        request.GET,
        campaign=campaign,
        items=scope_feedback(user, campaign),
        activities=scope_activities(user, campaign),
        groups=scope_work_groups(user, campaign),
    )


@login_required
@vary_on_headers("HX-Request")
def feedback_list(request, slug):
    user = request.user
    campaign = get_campaign_for_reader(user, slug)
    ff = _filter(request, campaign)
    merged = ProblemFeedback.objects.filter(
        feedback_item=OuterRef("pk"), problem__in=scope_problems(user, campaign)
    )
    items = ff.qs.annotate(is_merged=Exists(merged))
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    may_enter = can_record(user, campaign)
    if may_enter:  # the flag "close to problem N", for those who record (and see N)
        near = closeness.visible_flags(user, campaign, page.object_list)
        for item in page.object_list:
            item.near = near.get(item.pk)
    context = {
        "campaign": campaign,
        "form": ff.form,
        "page": page,
        "can_enter": may_enter,
        "can_import": can_import(user, campaign),
    }
    if is_htmx(request):
        return render(request, "feedback/_feedback_rows.html", context)
    return render(request, "feedback/feedback_list.html", context)


@login_required
def feedback_export(request, slug):
    """The list as filtered, as .xlsx or .csv in the standard layout (it imports back as is).
    The submitter's name and contact only for the office, as on the item page."""
    user = request.user
    campaign = get_campaign_for_reader(user, slug)
    ff = _filter(request, campaign)
    fmt = "csv" if request.GET.get("format") == "csv" else "xlsx"
    out = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 (FileResponse closes it)
    exporting.export(ff.qs, out, reader=user, campaign=campaign, format=fmt)
    out.seek(0)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return FileResponse(out, as_attachment=True, filename=f"{campaign.slug}-feedback-{stamp}.{fmt}")


@login_required
def feedback_detail(request, pk):
    item = get_feedback_for_user(request.user, pk)
    form = TriageForm(item=item) if can_triage_feedback(request.user, item.campaign) else None
    return _item_page(request, item, form)


def _item_page(request, item, form, status=200):
    user = request.user
    campaign = item.campaign
    merges = (
        item.merges.filter(problem__in=scope_problems(user, campaign))
        .select_related("problem", "merged_by")
        .order_by("merged_at", "pk")
    )
    activity = item.activity
    context = {
        "campaign": campaign,
        "item": item,
        "activity_visible": activity is not None
        and scope_activities(user, campaign).filter(pk=activity.pk).exists(),
        "merges": merges,
        "near": closeness.visible_flag(user, item) if can_record(user, campaign) else None,
        "form": form,
        "show_submitter": can_see_submitter(user, campaign),
        "timeline": timeline([item]),
    }
    return render(request, "feedback/feedback_detail.html", context, status=status)


@login_required
@require_POST
def feedback_triage(request, pk):
    item = get_feedback_for_user(request.user, pk)
    if not can_triage_feedback(request.user, item.campaign):
        raise PermissionDenied
    form = TriageForm(request.POST, item=item)
    if not form.is_valid():
        return _item_page(request, item, form, status=400)
    try:
        services.update_triage(
            item,
            actor=request.user,
            expected_updated_at=form.cleaned_data["updated_at"],
            **form.changes(),
        )
    except DomainError as e:
        item.refresh_from_db()
        form.add_error(None, e.message)
        return _item_page(request, item, form, status=status_of(e))
    messages.success(request, _("The triage was saved."))
    return redirect("feedback-detail", pk=item.pk)


# --- entering many items at once -------------------------------------------------------------


def _entry_activity(request):
    """The activity named by the form (or the link to it), if the user may enter its feedback."""
    raw = request.POST.get("activity") or request.GET.get("activity")
    if not raw:
        return None
    try:
        pk = int(raw)
    except ValueError:
        raise Http404("activity") from None
    activity = get_activity_for_user(request.user, pk)
    if not can_change_activity(request.user, activity):
        raise PermissionDenied
    return activity


@login_required
def feedback_entry(request, slug):
    """Several items at once: rows of kind, text, region and channel, a box that splits pasted
    lines into rows, and "add row". Saving creates every filled row or none; rows whose text
    is already in the campaign wait for "save anyway"."""
    user = request.user
    campaign = get_campaign_for_reader(user, slug)
    if not can_record(user, campaign):
        raise PermissionDenied
    activity = _entry_activity(request)
    if activity is not None and activity.campaign_id != campaign.pk:
        raise Http404("activity")
    groups = recording_groups(user, campaign)
    defaults = entry_defaults(activity)
    row_defaults = {
        "kind": "problem",
        "region": defaults.get("region"),
        "channel": defaults["channel"],
    }
    is_office = can_record_without_group(user, campaign)

    if request.method != "POST":
        header = EntryForm(initial=defaults, groups=groups, activity=activity, is_office=is_office)
        rows = _rows([row_defaults] * BLANK_ROWS, row_defaults)
        return _entry_page(request, campaign, activity, header, rows)

    action = request.POST.get("action", "save")
    data = request.POST.copy()
    lines = entry.split_lines(data.get("paste", ""))
    header = EntryForm(data, groups=groups, activity=activity, is_office=is_office)
    bound = RowFormSet(data, prefix="rows", defaults=row_defaults)
    if action in ("add_row", "split") or (lines and action == "save"):
        header.is_valid()
        new_defaults = {
            "kind": data.get("paste_kind") or "problem",
            "region": data.get("region", ""),
            "channel": data.get("channel", ""),
        }
        raw = bound.raw_rows()
        if action == "add_row":
            raw.append(new_defaults)
        else:
            raw = [r for r in raw if r["text"].strip()]
            if len(raw) + len(lines) > MAX_ROWS:
                header.add_error("paste", _too_many(MAX_ROWS))
                return _entry_page(request, campaign, activity, header, _rows(raw, new_defaults))
            raw += [{**new_defaults, "text": line} for line in lines]
        if action != "save":
            raw = raw or [new_defaults]  # always a row to type into
            kept = {k: v for k, v in data.items() if not k.startswith("rows-") and k != "paste"}
            header = EntryForm(initial=kept, groups=groups, activity=activity, is_office=is_office)
            return _entry_page(request, campaign, activity, header, _rows(raw, new_defaults))
        data = _with_rows(data, raw)
        header = EntryForm(data, groups=groups, activity=activity, is_office=is_office)
        bound = RowFormSet(data, prefix="rows", defaults=row_defaults)

    header_ok, rows_ok = header.is_valid(), bound.is_valid()
    filled = bound.filled() if rows_ok else []
    if header_ok and rows_ok and not filled:
        header.add_error(None, _("Enter at least one item: no row has text."))
    if not (header_ok and rows_ok) or not filled:
        return _entry_page(request, campaign, activity, header, bound, status=400)
    if _warn_duplicates(user, campaign, filled):
        return _entry_page(request, campaign, activity, header, bound, status=409)

    common = {
        "activity": activity,
        "work_group": header.chosen_group(),
        "received_at": header.received_at(),
    }
    rows = [
        {
            "kind": f.cleaned_data["kind"],
            "text": f.cleaned_data["text"],
            "region": f.cleaned_data["region"],
            "channel": f.cleaned_data["channel"],
        }
        for f in filled
    ]
    try:
        items = entry.create_many(campaign, actor=user, rows=rows, **common)
    except DomainError as e:
        header.add_error(None, e.message)
        return _entry_page(request, campaign, activity, header, bound, status=status_of(e))
    messages.success(
        request,
        ngettext("%(n)d item was saved.", "%(n)d items were saved.", len(items))
        % {"n": len(items)},
    )
    texts = {i.pk: i.text for i in items}
    for pk, problem in closeness.visible_flags(user, campaign, items).items():
        messages.warning(
            request,
            _("“%(text)s” is very close to problem %(n)s 《%(title)s》.")
            % {"text": Truncator(texts[pk]).chars(30), "n": problem.number, "title": problem.title},
        )
    if activity is not None:
        return redirect("activity-detail", pk=activity.pk)
    return redirect("feedback-list", slug=campaign.slug)


def _too_many(limit: int) -> str:
    return ngettext(
        "At most %(n)d row at once: save these, then paste the rest.",
        "At most %(n)d rows at once: save these, then paste the rest.",
        limit,
    ) % {"n": limit}


def _rows(raw: list[dict], defaults: dict):
    """An unbound set of rows showing `raw` (no errors until the user saves)."""
    return RowFormSet(initial=raw, prefix="rows", defaults=defaults)


def _with_rows(data: QueryDict, raw: list[dict]) -> QueryDict:
    """`data` with its rows replaced by `raw` and the paste box emptied."""
    out = QueryDict(mutable=True)
    for key, values in data.lists():
        if not key.startswith("rows-") and key != "paste":
            out.setlist(key, values)
    out["rows-TOTAL_FORMS"] = str(len(raw))
    out["rows-INITIAL_FORMS"] = "0"
    for i, row in enumerate(raw):
        for name in ("kind", "text", "region", "channel"):
            out[f"rows-{i}-{name}"] = row.get(name) or ""
        if row.get("allow_duplicate"):
            out[f"rows-{i}-allow_duplicate"] = "on"
    return out


def _warn_duplicates(user, campaign, filled) -> bool:
    """Mark the rows whose text the campaign already has (or an earlier row repeats); True if
    one of them is not confirmed with "save anyway"."""
    texts = [f.cleaned_data["text"] for f in filled]
    existing = entry.existing_duplicates(campaign, texts)
    visible = set(
        scope_feedback(user, campaign)
        .filter(pk__in=[i.pk for i in existing.values()])
        .values_list("pk", flat=True)
    )
    seen: dict[str, int] = {}
    waiting = False
    for form, text in zip(filled, texts, strict=True):
        key = dedup_key(text)
        form.duplicate_of = existing.get(key)
        form.duplicate_visible = form.duplicate_of is not None and form.duplicate_of.pk in visible
        form.duplicate_row = seen.get(key)
        seen.setdefault(key, form.number)
        if form.warned and not form.cleaned_data["allow_duplicate"]:
            waiting = True
    return waiting


def _enterable(user, campaign):
    """The activities whose feedback the user enters (for the chooser)."""
    return scope_entry_activities(user, campaign).order_by("-held_on", "-id")[:300]


def _entry_page(request, campaign, activity, header, rows, status=200):
    warned = [f for f in rows.forms if getattr(f, "warned", False)] if rows.is_bound else []
    context = {
        "campaign": campaign,
        "activity": activity,
        "header": header,
        "rows": rows,
        "warned": warned,
        "row_errors": rows.is_bound and any(form.errors for form in rows.forms),
        "max_rows": MAX_ROWS,
        "activities": None if activity is not None else _enterable(request.user, campaign),
    }
    return render(request, "feedback/feedback_entry.html", context, status=status)
