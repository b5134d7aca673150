"""Supervision notices (督办单): the campaign's list, issuing one by hand (a unit's overdue
measures, the colour, the date required, the text), the printable notice and its .docx.

Thin views: reads through supervision/scoping.py, the document's content from
supervision/documents.py, the writing through supervision.services.issue_notice.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from rectify.campaigns.scoping import get_campaign_for_reader, get_campaign_for_user
from rectify.core import workdays
from rectify.core.errors import DomainError
from rectify.core.pages import status_of
from rectify.ledger import derived
from rectify.supervision import services
from rectify.supervision.documents import DOCX_CONTENT_TYPE, notice_document, notice_docx
from rectify.supervision.inputs import NoticeForm, NoticeUnitForm
from rectify.supervision.reminders import NOTICE_ANSWER_DAYS
from rectify.supervision.scoping import (
    can_record_supervision,
    get_action_for_user,
    overdue_measures,
    scope_supervision_actions,
    supervisable_units,
)

PAGE_SIZE = 50


@login_required
def notice_list(request, slug):
    user = request.user
    campaign = get_campaign_for_reader(user, slug)
    qs = (
        scope_supervision_actions(user, campaign)
        .exclude(level="")
        .select_related("target_unit", "actor")
        .annotate(item_count=Count("items"))
        .order_by("-year", "-sequence")
    )
    context = {
        "campaign": campaign,
        "page": Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page")),
        "can_issue": can_record_supervision(user, campaign),
    }
    return render(request, "supervision/notice_list.html", context)


@login_required
def notice_create(request, slug):
    user = request.user
    campaign = get_campaign_for_reader(user, slug)
    if not can_record_supervision(user, campaign):
        raise PermissionDenied
    units = supervisable_units(user, campaign)
    unit_form = NoticeUnitForm(request.GET or None, units=units)
    unit = unit_form.cleaned_data["unit"] if unit_form.is_valid() else None
    form = measures = None
    status = 200
    if unit is not None:
        overdue = overdue_measures(user, campaign, unit)
        measures = list(overdue)
        today = derived.today()
        form = NoticeForm(
            request.POST if request.method == "POST" else None,
            measures=overdue,
            required_by=workdays.add_working_days(today, NOTICE_ANSWER_DAYS),
        )
        if request.method == "POST":
            status = 400
            if form.is_valid():
                data = form.cleaned_data
                try:
                    notice = services.issue_notice(
                        campaign,
                        actor=user,
                        unit=unit,
                        level=data["level"],
                        measures=data["measures"],
                        content=data["content"],
                        required_by=data["required_by"],
                    )
                except DomainError as e:
                    form.add_error(None, e.message)
                    status = status_of(e)
                else:
                    messages.success(
                        request,
                        _("Supervision notice %(number)s was issued.") % {"number": notice.number},
                    )
                    return redirect("notice-detail", slug=campaign.slug, pk=notice.pk)
    elif request.method == "POST":
        status = 400
    context = {
        "campaign": campaign,
        "unit_form": unit_form,
        "unit": unit,
        "form": form,
        # each checkbox beside its measure (the field's choices are the queryset, in its order)
        "rows": list(zip(form["measures"], measures, strict=True)) if form else [],
    }
    return render(request, "supervision/notice_form.html", context, status=status)


@login_required
def notice_detail(request, slug, pk):
    campaign = get_campaign_for_user(request.user, slug)
    notice = get_action_for_user(request.user, campaign, pk, notice=True)
    context = {
        "campaign": campaign,
        "notice": notice,
        "doc": notice_document(notice),
        "can_issue": can_record_supervision(request.user, campaign),
    }
    return render(request, "supervision/notice_print.html", context)


@login_required
def notice_docx_download(request, slug, pk):
    campaign = get_campaign_for_user(request.user, slug)
    notice = get_action_for_user(request.user, campaign, pk, notice=True)
    doc = notice_document(notice)
    response = HttpResponse(notice_docx(doc), content_type=DOCX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, doc.filename)
    return response
