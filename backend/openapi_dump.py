"""The API's OpenAPI document as the portal's typed client is generated from it.

`python -m backend.openapi_dump frontend/openapi.json` writes it (what `make api-types` runs before
openapi-typescript); a test compares the committed file with the app's spec so they cannot drift.
Building the app opens no connection, so this needs no running database.
"""

from __future__ import annotations

import json
import sys
from decimal import Decimal
from pathlib import Path

OFFLINE_URLS = {
    "database_url": "postgresql+psycopg://spec@127.0.0.1:1/spec",
    "redis_url": "redis://127.0.0.1:1/0",
    "testing": True,
}


def openapi_text() -> str:
    from backend import create_app

    app = create_app(OFFLINE_URLS)
    with app.app_context():
        spec = app.extensions["smorest_api"].spec.to_dict()
    return json.dumps(spec, indent=2, sort_keys=True, default=_number) + "\n"


def _number(value):
    """Bounds of decimal fields (a maximum of 9999999.999 units) are numbers in the document."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(f"{type(value).__name__} in the OpenAPI document")


if __name__ == "__main__":
    Path(sys.argv[1]).write_text(openapi_text())
