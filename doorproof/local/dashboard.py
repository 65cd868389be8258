"""The dashboard, served by the local stack at ``/`` (CloudFront and S3 serve it in AWS).

The built app (``make dashboard``: ``dashboard/dist``) is static: a GET outside ``/v1/``
answers a file of the build, or ``index.html`` for the app's own pages (``/sessions/{id}``,
``/keys``, ``/signin``) when a browser navigates there (``Accept: text/html``), with the same
content security policy CloudFront adds (``infra/dashboard.py``). Anything else goes on to
the API, as a request to the API's own URL does in AWS (``ROUTE_NOT_FOUND``). Two answers
exist only here: ``/config.json`` (how the app signs in: ``local``) and ``POST /local/signin``
(a one-time code from the printed link → tokens, ``people.SignInLinks``).
"""

from __future__ import annotations

import json
import mimetypes
from pathlib import Path

from doorproof.local.apigw_events import Request, Response
from doorproof.local.people import SignInLinks

DIST = Path(__file__).resolve().parents[2] / "dashboard" / "dist"
SIGNIN_PATH = "/local/signin"
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data: http://127.0.0.1:* http://localhost:*; connect-src 'self'; "
    "font-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'; object-src 'none'"
)
"""As deployed (``infra.dashboard.content_security_policy``: a test holds them together),
except for hosts: images (presigned path images and photos) come from moto, and there is
no Cognito to talk to."""
SECURITY_HEADERS = [
    ("content-security-policy", CONTENT_SECURITY_POLICY),
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "no-referrer"),
    ("x-frame-options", "DENY"),
]
NOT_BUILT = (
    "<!doctype html><title>Doorproof</title><p>The dashboard is not built: run "
    "<code>make dashboard</code> (or <code>make local</code>, which builds it).</p>"
)


def _json(status: int, body: object) -> Response:
    return Response(status, [("content-type", "application/json")], json.dumps(body).encode())


class Dashboard:
    """``answer(request)``: the dashboard's answer, or None for an API request."""

    def __init__(self, links: SignInLinks, dist: Path = DIST) -> None:
        self._links = links
        self._dist = dist.resolve()

    def answer(self, request: Request) -> Response | None:
        path = request.raw_path
        if path.startswith("/v1/"):
            return None
        if path == SIGNIN_PATH and request.method == "POST":
            return self._signin(request.body)
        if request.method not in ("GET", "HEAD"):
            return None
        if path == "/config.json":
            return _json(200, {"auth": {"kind": "local", "signInUrl": SIGNIN_PATH}, "apiUrl": ""})
        return self._file(path, navigating="text/html" in (request.header("accept") or ""))

    def _signin(self, body: bytes) -> Response:
        try:
            code = str(json.loads(body or b"{}").get("code", ""))
        except (ValueError, AttributeError):
            code = ""
        tokens = self._links.redeem(code) if code else None
        if tokens is None:
            return _json(
                400,
                {
                    "error": {
                        "code": "INVALID_SIGNIN_CODE",
                        "message": "this sign-in link was used already or is older than 15 "
                        "minutes: use the link doorproof local printed last, or restart it",
                        "details": [],
                    }
                },
            )
        return _json(200, tokens)

    def _file(self, path: str, *, navigating: bool) -> Response | None:
        target = (self._dist / path.lstrip("/")).resolve()
        if not target.is_relative_to(self._dist) or not target.is_file():
            if not navigating:  # not a page of the app: the API answers (404)
                return None
            target = self._dist / "index.html"
        if not target.is_file():
            return Response(
                503, [("content-type", "text/html"), *SECURITY_HEADERS], NOT_BUILT.encode()
            )
        kind = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        cache = "no-cache" if target.name == "index.html" else "public, max-age=31536000, immutable"
        headers = [("content-type", kind), ("cache-control", cache), *SECURITY_HEADERS]
        return Response(200, headers, target.read_bytes())
