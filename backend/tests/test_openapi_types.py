"""The portal's typed client is generated from the API's spec; these fail when the committed spec
or types lag the app. Fix with `make api-types` and commit both files."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from backend.openapi_dump import openapi_text
from backend.settings import PROJECT_ROOT

FRONTEND = PROJECT_ROOT / "frontend"
GENERATOR = FRONTEND / "node_modules" / ".bin" / "openapi-typescript"


def test_committed_openapi_spec_is_the_apps():
    committed = (FRONTEND / "openapi.json").read_text()
    assert committed == openapi_text(), "frontend/openapi.json is stale: run `make api-types`"


def test_committed_typescript_types_are_generated_from_the_spec(tmp_path):
    if not GENERATOR.exists() or shutil.which("node") is None:
        pytest.skip("frontend/node_modules not installed (make test installs it)")
    generated = tmp_path / "api-schema.d.ts"
    subprocess.run(
        [str(GENERATOR), "openapi.json", "-o", str(generated)],
        cwd=FRONTEND, check=True, capture_output=True,
    )  # fmt: skip
    committed = (FRONTEND / "src" / "lib" / "api-schema.d.ts").read_text()
    assert committed == generated.read_text(), "api-schema.d.ts is stale: run `make api-types`"
