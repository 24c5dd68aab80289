"""Response headers every answer carries, and the trusted proxy in front of the service.

Everything the API answers is private to its caller (invoices, statements, exports, PDFs,
calendar feeds): it is never cached (``Cache-Control: no-store``), never sniffed into another
type, never framed, and may load nothing (``default-src 'none'``). The documentation page is
the one HTML page: it may load its own assets and run its one inline script, by hash.
"""

from __future__ import annotations

import base64
import hashlib
import re
from functools import cache

from flask import Flask, request
from werkzeug.middleware.proxy_fix import ProxyFix

API_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
# the web pages (logipool.web): their own stylesheet and scripts only, no inline code, forms to themselves
PAGES_POLICY = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
_INLINE_SCRIPT = re.compile(rb"<script>(.*?)</script>", re.S)


@cache
def _docs_policy(page: bytes) -> str:
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(script).digest()).decode() + "'"
        for script in _INLINE_SCRIPT.findall(page)
    )
    return ("default-src 'none'; script-src 'self' " + hashes + "; style-src 'self' 'unsafe-inline'; "
            "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; "
            "base-uri 'none'; form-action 'none'")


def init_app(app: Flask) -> None:
    docs_page = f"{app.config['OPENAPI_URL_PREFIX']}/{app.config['OPENAPI_SWAGGER_UI_PATH']}"
    public = (f"{docs_page}/assets/", f"{app.config['OPENAPI_URL_PREFIX']}/{app.config['OPENAPI_JSON_PATH']}")

    @app.after_request
    def _headers(response):
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "no-referrer"
        if request.path == docs_page and response.mimetype == "text/html":
            response.headers["Content-Security-Policy"] = _docs_policy(response.get_data())
        elif response.mimetype == "text/html":
            response.headers["Content-Security-Policy"] = PAGES_POLICY
        else:
            response.headers["Content-Security-Policy"] = API_POLICY
        if not request.path.startswith(public) and request.path != docs_page:
            response.headers["Cache-Control"] = "no-store"
        return response

    hops = app.config["PROXY_FIX"]
    if hops:
        counts = hops if isinstance(hops, dict) else {"x_for": int(hops), "x_proto": int(hops)}
        app.wsgi_app = ProxyFix(app.wsgi_app, **counts)


def external_url(path: str, app: Flask) -> str:
    """An absolute URL for ``path`` on the configured public base, never on the request's Host."""
    return str(app.config["EXTERNAL_URL"]).rstrip("/") + path
