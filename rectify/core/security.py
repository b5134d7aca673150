"""Security plumbing of every request: the Content-Security-Policy header (and more below).

Small middleware of our own rather than libraries where a few lines do: each is read here whole.
"""

from django.conf import settings


def csp_header(policy: dict[str, list[str]]) -> str:
    """{"script-src": ["'self'"], …} as the header's text: "script-src 'self'; …"."""
    return "; ".join(" ".join([directive, *sources]) for directive, sources in policy.items())


class ContentSecurityPolicyMiddleware:
    """Send settings.SECURE_CSP as the Content-Security-Policy of every response.

    No library (django-csp): one fixed policy without nonces is a header, and Django 6.0 brings
    its own middleware reading the same setting in the same shape, so the upgrade swaps one line.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "Content-Security-Policy" not in response.headers:
            response.headers["Content-Security-Policy"] = csp_header(settings.SECURE_CSP)
        return response
