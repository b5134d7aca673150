"""The public page (/p/<slug>/): anyone may submit a problem or suggestion without logging in,
get a receipt code, and follow their own item by that code. Plus the office's switch.

Thin views: input is bound by forms.py; intake (services.py), receipt codes (codes.py), rate
limits (limits.py) and what a submitter may see (lookup.py) are the same for the API.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from rectify.campaigns.scoping import get_campaign_for_user
from rectify.core.errors import DomainError
from rectify.feedback.public import codes, limits, lookup, services
from rectify.feedback.public.forms import PublicFeedbackForm, ReceiptLookupForm

FRESH_SALT = "rectify.feedback.public.fresh-receipt"
FRESH_SECONDS = 3600


def _closed(request):
    """The same answer for an unknown campaign and a closed page."""
    return render(request, "feedback/public_closed.html", status=404)


def _limited(request, campaign, exc: limits.RateLimited):
    response = render(
        request,
        "feedback/public_limited.html",
        {"campaign": campaign, "message": exc.message},
        status=429,
    )
    response["Retry-After"] = str(exc.retry_after)
    return response


def _too_large(request) -> bool:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0) > services.MAX_BODY_BYTES
    except ValueError:
        return True


def _fresh_token(code: str) -> str:
    """Signs "this code was just handed out", so the receipt is shown (with its "keep this
    code" banner) even when the address has used up its lookups, and only then."""
    return signing.dumps(code, salt=FRESH_SALT)


def _is_fresh(token: str | None, code: str | None) -> bool:
    if not token or not code:
        return False
    try:
        return signing.loads(token, salt=FRESH_SALT, max_age=FRESH_SECONDS) == code
    except signing.BadSignature:
        return False


def _private(response):
    """Pages showing a submitter's own text: never cached, no Referer to anywhere."""
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@csrf_exempt  # the CSRF check runs in _submission_page, after the body size is checked
@require_http_methods(["GET", "HEAD", "POST"])
def public_page(request, slug):
    """The submission form; a valid post is stored and answered with its receipt code."""
    if request.method == "POST" and _too_large(request):
        return render(request, "feedback/public_too_large.html", status=413)
    return _submission_page(request, slug)


@csrf_protect
def _submission_page(request, slug):
    try:
        campaign = services.get_open_campaign(slug)
    except services.PublicPageClosed:
        return _closed(request)
    status = 200
    if request.method == "POST":
        form = PublicFeedbackForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                item = services.submit_public(
                    campaign,
                    text=data["text"],
                    kind=data["kind"],
                    region=data["region"],
                    name=data["name"],
                    contact=data["contact"],
                    ip=limits.client_address(request),
                )
            except limits.RateLimited as exc:
                return _limited(request, campaign, exc)
            except services.PublicPageClosed:
                return _closed(request)
            url = reverse("public-status", args=[campaign.slug, item.receipt_code])
            return redirect(f"{url}?{urlencode({'new': _fresh_token(item.receipt_code)})}")
        status = 400
    else:
        form = PublicFeedbackForm()
    context = {"campaign": campaign, "form": form, "lookup_form": ReceiptLookupForm()}
    return render(request, "feedback/public_form.html", context, status=status)


@never_cache
@require_GET
def public_lookup(request, slug):
    """Enter a receipt code (a GET form: nothing changes, and the code leads to its page)."""
    try:
        campaign = services.get_followable_campaign(slug)
    except services.PublicPageClosed:
        return _closed(request)
    form = ReceiptLookupForm(request.GET if "code" in request.GET else None)
    status = 200
    if form.is_valid():
        code = codes.normalise_code(form.cleaned_data["code"])
        if code is not None:
            return redirect("public-status", campaign.slug, code)
        try:  # a malformed code counts as a lookup too
            limits.throttle_lookup(limits.client_address(request))
        except limits.RateLimited as exc:
            return _limited(request, campaign, exc)
        form.add_error("code", _("No submission has this receipt code. Check it and try again."))
        status = 404
    elif form.is_bound:
        status = 400
    context = {"campaign": campaign, "form": form}
    return _private(render(request, "feedback/public_lookup.html", context, status=status))


@never_cache
@require_GET
def public_status(request, slug, code):
    """One item by its receipt code: its own text and what became of it, nothing else."""
    try:
        campaign = services.get_followable_campaign(slug)
    except services.PublicPageClosed:
        return _closed(request)
    fresh = _is_fresh(request.GET.get("new"), codes.normalise_code(code))
    if not fresh:
        try:
            limits.throttle_lookup(limits.client_address(request))
        except limits.RateLimited as exc:
            return _limited(request, campaign, exc)
    found = lookup.public_status(campaign, code)
    if found is None:
        form = ReceiptLookupForm(initial={"code": code[:40]})
        context = {"campaign": campaign, "form": form, "not_found": True}
        return _private(render(request, "feedback/public_lookup.html", context, status=404))
    if found.code != code:  # typed in lower case or with dashes: the canonical address
        url = reverse("public-status", args=[campaign.slug, found.code])
        query = f"?{request.GET.urlencode()}" if request.GET else ""
        return redirect(url + query)
    context = {
        "campaign": campaign,
        "status": found,
        "new": fresh,
        "lookup_url": request.build_absolute_uri(reverse("public-lookup", args=[campaign.slug])),
    }
    return _private(render(request, "feedback/public_status.html", context))


@login_required
@require_POST
def public_page_toggle(request, slug):
    """The office opens or closes the campaign's public page (logged in the activity log)."""
    campaign = get_campaign_for_user(request.user, slug)
    enabled = request.POST.get("enabled") == "1"
    try:
        campaign = services.set_public_intake(campaign, actor=request.user, enabled=enabled)
    except DomainError as e:
        messages.error(request, e.message)
    else:
        if campaign.public_intake_enabled:
            messages.success(request, _("The public page is open: anyone can now submit."))
        else:
            messages.success(request, _("The public page is closed: nobody can submit now."))
    return redirect("campaign-home", slug=campaign.slug)
