"""A person's own notifications, across campaigns: the list (unread emphasised), opening one
(marks it read, then follows its link if that stays on this site), marking all read, and the
choice of e-mail delivery (daily digest or at once).

Reads through supervision/inbox.py, writes through supervision/services.py.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from rectify.core.pages import is_htmx, safe_next
from rectify.supervision import inbox, services
from rectify.supervision.choices import Delivery
from rectify.supervision.scoping import get_notification_for_user

PAGE_SIZE = 25


class DeliveryForm(forms.Form):
    delivery = forms.ChoiceField(
        label=gettext_lazy("E-mail delivery"),
        choices=Delivery.choices,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )


def _show(request) -> str:
    show = request.GET.get("show")
    return show if show in (inbox.SHOW_UNREAD, inbox.SHOW_ALL) else inbox.SHOW_ALL


def _list_context(request, *, show: str) -> dict:
    page = Paginator(inbox.notifications_of(request.user, show=show), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return {"page": page, "show": show}


@login_required
@vary_on_headers("HX-Request")
def notification_list(request):
    """通知: the person's notifications, newest first; ?show=unread for the unread ones only."""
    context = _list_context(request, show=_show(request))
    if is_htmx(request):
        return render(request, "supervision/_notification_rows.html", context)
    delivery = inbox.delivery_of(request.user)
    context["delivery_form"] = DeliveryForm(initial={"delivery": delivery})
    return render(request, "supervision/notifications.html", context)


@login_required
def notification_open(request, pk):
    """Open one: it is marked read, and the reader goes to its link (only a path on this site;
    anything else, or none, leads back to the list)."""
    notification = get_notification_for_user(request.user, pk)
    services.mark_read(request.user, [notification])
    target = inbox.local_target(notification.url)
    return redirect(target or f"{reverse('notifications')}#notification-{notification.pk}")


@login_required
@require_POST
@vary_on_headers("HX-Request")
def notifications_read_all(request):
    """Mark every unread notification of the person read."""
    marked = services.mark_read(request.user)
    if is_htmx(request):
        context = {**_list_context(request, show=_show(request)), "oob_nav": True}
        return render(request, "supervision/_notification_rows.html", context)
    if marked:
        messages.success(request, _("All notifications are marked read."))
    return redirect(safe_next(request, reverse("notifications")))


@login_required
@require_POST
def notification_delivery(request):
    """The person's own choice: one daily digest or each notification at once by e-mail."""
    form = DeliveryForm(request.POST)
    if form.is_valid():
        services.set_delivery(request.user, form.cleaned_data["delivery"])
        messages.success(request, _("Your e-mail delivery choice was saved."))
        return redirect(reverse("notifications"))
    context = {
        **_list_context(request, show=inbox.SHOW_ALL),
        "delivery_form": form,
    }
    return render(request, "supervision/notifications.html", context, status=400)
