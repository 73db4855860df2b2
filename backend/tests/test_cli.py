"""`askes`: every command's --help works (an import or registration slip shows here), the
commands are defined with their domains and only added by the root (benchmarks included), and
no module imports the root back."""

import ast
from pathlib import Path

import click
from click.testing import CliRunner

from backend.cli import main
from backend.settings import PROJECT_ROOT


def _command_paths(command: click.Command, path: tuple[str, ...] = ()):
    yield path
    if isinstance(command, click.Group):
        for name, subcommand in command.commands.items():
            yield from _command_paths(subcommand, (*path, name))


def test_every_command_answers_help():
    paths = list(_command_paths(main))
    assert ("bench", "pipeline") in paths and ("edi", "import") in paths
    for path in paths:
        result = CliRunner().invoke(main, [*path, "--help"])
        assert result.exit_code == 0, (path, result.output)
        assert "Usage: " in result.output


def test_the_root_defines_no_command_of_its_own():
    assert all(command.callback.__module__ != "backend.cli" for command in main.commands.values())


def test_the_root_registers_every_benchmark():
    bench = main.commands["bench"]
    expected = {"generate", "pipeline", "edi", "submit", "fhir", "api", "load", "risk-scoring"}
    assert set(bench.commands) == expected


def test_no_module_imports_the_root_command():
    importers = []
    for path in Path(PROJECT_ROOT, "backend").rglob("*.py"):
        if "tests" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module == "backend.cli":
                importers.append(str(path.relative_to(PROJECT_ROOT)))
    assert importers == []
