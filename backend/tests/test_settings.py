"""Configuration comes from one place: backend/settings.py reads the environment, nothing else
does (the pure pipeline included), and every variable it reads is documented in
docs/deployment.md."""

import ast
import re
from pathlib import Path

from backend.settings import PROJECT_ROOT

CODE = ("backend", "workers", "edi", "fhir", "migrations")
# The only files allowed to touch os.environ other than to set a variable, and why.
ALLOWED = {
    "backend/settings.py": "the one reader",
    "backend/cli_context.py": "copies the whole environment to the processes `askes` starts",
}


def _source_files():
    for folder in CODE:
        for path in Path(PROJECT_ROOT, folder).rglob("*.py"):
            if "tests" not in path.parts and path.name != "conftest.py":
                yield path


def _environment_reads(tree: ast.AST) -> list[int]:
    """Line numbers where the environment is read: any use of os.environ, os.environb or
    os.getenv except as the target of an assignment (setting a variable for what runs next)."""
    written = {id(node.value) for node in ast.walk(tree)
               if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Store)}  # fmt: skip
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "os":
            if {alias.name for alias in node.names} & {"environ", "environb", "getenv"}:
                lines.append(node.lineno)
        elif (
            isinstance(node, ast.Attribute)
            and node.attr in ("environ", "environb", "getenv")
            and isinstance(node.value, ast.Name)
            and node.value.id == "os"
            and id(node) not in written
        ):
            lines.append(node.lineno)
    return lines


def test_nothing_but_settings_reads_the_environment():
    readers = {}
    for path in _source_files():
        name = path.relative_to(PROJECT_ROOT).as_posix()
        lines = _environment_reads(ast.parse(path.read_text()))
        if lines and name not in ALLOWED:
            readers[name] = lines
    assert readers == {}


def test_the_guard_sees_a_read_and_lets_a_write_pass():
    tree = ast.parse("import os\nos.environ['A'] = '1'\nx = os.environ.get('B')\nos.getenv('C')")
    assert sorted(_environment_reads(tree)) == [3, 4]
    assert _environment_reads(ast.parse("from os import getenv")) == [1]


def test_every_variable_settings_reads_is_documented():
    tree = ast.parse(Path(PROJECT_ROOT, "backend/settings.py").read_text())
    names = {node.value for node in ast.walk(tree)
             if isinstance(node, ast.Constant) and isinstance(node.value, str)
             and re.fullmatch(r"[A-Z][A-Z0-9_]+", node.value)}  # fmt: skip
    assert {"DATABASE_URL", "ASKES_SWEEP_SECONDS", "ASKES_RISK_SCORER"} <= names
    documented = Path(PROJECT_ROOT, "docs/deployment.md").read_text()
    assert sorted(name for name in names if f"`{name}`" not in documented) == []
