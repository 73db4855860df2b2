"""The portal: the built React app from frontend/dist when there is one (any unknown path gets
index.html, so client-side routes survive a reload); before it exists, `/` leads to the API docs."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, send_from_directory

from backend.settings import PROJECT_ROOT

PORTAL_DIST = PROJECT_ROOT / "frontend" / "dist"
RESERVED_PREFIXES = ("api/", "fhir", "health", "ready", "metrics")

blp = Blueprint("portal", __name__)


@blp.get("/", defaults={"path": ""})
@blp.get("/<path:path>")
def portal(path: str):
    if path.startswith(RESERVED_PREFIXES):
        abort(404)
    if not (PORTAL_DIST / "index.html").exists():
        return redirect("/api/docs") if path == "" else abort(404)
    if path and (PORTAL_DIST / path).is_file():
        return send_from_directory(PORTAL_DIST, path)
    return send_from_directory(PORTAL_DIST, "index.html")
