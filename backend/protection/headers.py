"""Security headers on every response, and CORS only for the origins configured.

The portal is a Vite-built React app served from this origin: its scripts are files under
/assets, so script-src is 'self' with no inline script. Mantine writes <style> tags and style
attributes at run time (CSS variables, style props), which a nonce cannot cover for attributes,
so style-src keeps 'unsafe-inline': styles cannot run code. Swagger UI (/api/docs) has one
inline bootstrap script, allowed by its SHA-256 on that page only.
"""

from __future__ import annotations

import base64
import hashlib
import re

from flask import current_app, request

CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self' 'unsafe-inline'",
    "img-src": "'self' data:",
    "font-src": "'self' data:",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
ALWAYS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}
HSTS = "max-age=31536000; includeSubDomains"
DOCS_PATH = "/api/docs"
INLINE_SCRIPT = re.compile(rb"<script>(.*?)</script>", re.S)
CORS_ALLOW_HEADERS = "Authorization, Content-Type, Idempotency-Key, X-CSRFToken, X-Filename"
CORS_EXPOSE_HEADERS = (
    "Location, Retry-After, RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset, "
    "Idempotent-Replayed, X-Request-Id"
)


def content_security_policy(script_hashes: list[str] = ()) -> str:
    directives = dict(CSP)
    if script_hashes:
        directives["script-src"] += "".join(f" 'sha256-{h}'" for h in script_hashes)
    return "; ".join(f"{name} {value}" for name, value in directives.items())


def _docs_script_hashes(response) -> list[str]:
    scripts = INLINE_SCRIPT.findall(response.get_data())
    return [base64.b64encode(hashlib.sha256(script).digest()).decode() for script in scripts]


def add_security_headers(response):
    hashes = _docs_script_hashes(response) if request.path == DOCS_PATH else []
    response.headers["Content-Security-Policy"] = content_security_policy(hashes)
    for name, value in ALWAYS.items():
        response.headers.setdefault(name, value)
    if current_app.config["ASKES"].session_cookie_secure:
        response.headers["Strict-Transport-Security"] = HSTS
    _cors(response)
    return response


def _cors(response) -> None:
    origin = request.headers.get("Origin")
    if not origin or origin not in current_app.config["ASKES"].cors_origins:
        return  # closed: no CORS header, so browsers keep other origins' scripts out
    response.headers["Access-Control-Allow-Origin"] = origin
    response.headers.add("Vary", "Origin")
    response.headers["Access-Control-Expose-Headers"] = CORS_EXPOSE_HEADERS
    if request.method == "OPTIONS":
        response.headers["Access-Control-Allow-Methods"] = "GET, POST, PUT, PATCH, DELETE"
        response.headers["Access-Control-Allow-Headers"] = CORS_ALLOW_HEADERS
        response.headers["Access-Control-Max-Age"] = "600"


def init_app(app) -> None:
    app.after_request(add_security_headers)
