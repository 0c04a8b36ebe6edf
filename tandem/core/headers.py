"""Standard security headers beside Django's own (SecurityMiddleware, the CSP middleware, X-Frame-Options).

- Permissions-Policy: browser features Tandem never uses (camera, microphone, location...) are off.
- Cross-Origin-Resource-Policy: same-origin, so other sites cannot embed Tandem's responses.
- A PDF is shown by the browser's own viewer, which a page policy (object-src 'none') can stop; a PDF
  gets a policy that only forbids framing it.

The CSP nonce reaches templates through `csp_nonce` below as `csp_nonce` and as `cspNonce` (the name the
NHS.UK page template uses for its one inline script).
"""

from __future__ import annotations

from django.conf import settings
from django.middleware.csp import get_nonce
from django.utils.csp import CSP

PDF_POLICY = {"frame-ancestors": [CSP.NONE]}


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.permissions_policy = getattr(settings, "TANDEM_PERMISSIONS_POLICY", "")

    def __call__(self, request):
        response = self.get_response(request)
        if self.permissions_policy:
            response.headers.setdefault("Permissions-Policy", self.permissions_policy)
        response.headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        if response.get("Content-Type", "").startswith("application/pdf") and not hasattr(response, "_csp_config"):
            response._csp_config = PDF_POLICY
        return response


def csp_nonce(request) -> dict:
    """Template context: this request's CSP nonce, as text (asking for it adds it to the header)."""
    nonce = get_nonce(request)
    if nonce is None:
        return {}
    value = str(nonce)
    return {"csp_nonce": value, "cspNonce": value}
