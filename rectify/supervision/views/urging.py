"""催办 from the measure page: a supervisor of the measure's unit (or the office) urges the unit
with a message (supervision.services.urge). The box on the measure page is the templatetag
`urge_box` (supervision/templatetags/notifications.py), built by urge_context here, so the page
and the form's htmx answer show the same thing."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from rectify.core.errors import DomainError
from rectify.core.forms import style
from rectify.core.pages import form_errors_to_messages, is_htmx
from rectify.ledger.choices import OPEN_STATES
from rectify.ledger.scoping import get_measure_for_user
from rectify.supervision import services, urging
from rectify.supervision.scoping import can_urge_measure


class UrgeForm(forms.Form):
    message = forms.CharField(
        label=gettext_lazy("Message to the unit"),
        max_length=services.URGE_MESSAGE_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("Sent to the unit's liaisons, in the app and by e-mail."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style(self, small=True)


def urge_context(request, measure, *, form=None, flash=None) -> dict:
    """How often the measure was urged and when last; the form for those who may urge it now."""
    may_urge = measure.state in OPEN_STATES and can_urge_measure(request.user, measure)
    return {
        "measure": measure,
        "urged": urging.urged(measure),
        "recent": urging.last_urges(measure, limit=3),
        "form": (form or UrgeForm()) if may_urge else None,
        "flash": flash,
    }


@login_required
@require_POST
@vary_on_headers("HX-Request")
def measure_urge(request, slug, pk):
    measure = get_measure_for_user(request.user, pk)
    if measure.campaign.slug != slug:
        raise Http404("measure")
    if not can_urge_measure(request.user, measure):
        raise PermissionDenied
    form = UrgeForm(request.POST)
    if form.is_valid():
        try:
            action = services.urge(
                measure, actor=request.user, message=form.cleaned_data["message"]
            )
        except DomainError as e:
            form.add_error(None, e.message)
        else:
            sent = action.notifications.count()
            if sent:
                done = ngettext(
                    "Urged: %(n)s liaison of the unit was notified.",
                    "Urged: %(n)s liaisons of the unit were notified.",
                    sent,
                ) % {"n": sent}
            else:
                done = _("Urged and recorded, but the unit has no liaison to notify.")
            if is_htmx(request):
                context = urge_context(request, measure, flash=done)
                return render(request, "supervision/_urge_box.html", context)
            messages.success(request, done)
            return redirect(reverse("measure-detail", args=[measure.pk]))
    if is_htmx(request):
        # htmx swaps only 2xx answers: the box with its errors replaces the one on the page.
        context = urge_context(request, measure, form=form)
        return render(request, "supervision/_urge_box.html", context)
    form_errors_to_messages(request, form)
    return redirect(reverse("measure-detail", args=[measure.pk]))
