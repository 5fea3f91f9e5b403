"""The README documents every command, its options and the report's JSON, and its Python example runs."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys

import pytest
import typer

import kzgeo
from kzgeo.cli import app

from conftest import ROOT, SHIPPED_LAYERS

README = (ROOT / "README.md").read_text(encoding="utf-8")
COMMANDS = typer.main.get_command(app).commands
# The public function behind each command (the CLI only parses options and calls it).
FUNCTIONS = {"validate": "validate", "build": "build", "layers": "list_layers", "report": "report", "export": "export", "route": "route", "import": "import_export", "convert": "convert"}


def test_commands_are_registered():
    assert set(FUNCTIONS) == set(COMMANDS)


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_command_is_in_the_readme_with_help(name):
    command = COMMANDS[name]
    assert f"`kzgeo {name}" in README, f"kzgeo {name} is missing from the README's command table"
    assert command.help and command.help.strip(), f"kzgeo {name} has no help text"
    for param in command.params:
        if getattr(param, "param_type_name", "") == "option":
            assert param.help, f"kzgeo {name} {param.opts[0]} has no help text"
            assert any(opt in README for opt in param.opts), f"{param.opts[0]} of kzgeo {name} is not in the README"


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_is_one_public_function(name):
    assert FUNCTIONS.get(name) in kzgeo.__all__, f"kzgeo {name} has no public function in kzgeo.__all__"
    assert callable(getattr(kzgeo, FUNCTIONS[name]))


def _code_blocks(text: str) -> list[tuple[str, str]]:
    return re.findall(r"```(\w*)\n(.*?)```", text, flags=re.S)


def _python_examples() -> list[str]:
    return [code for lang, code in _code_blocks(README) if lang == "python"]


def test_first_readme_example_is_python():
    # The setup lines (`make maps`, `make test`) come first; the first usage example is Python.
    examples = [(lang, code) for lang, code in _code_blocks(README) if not all(line.startswith("make ") for line in code.splitlines() if line.strip())]
    assert examples[0][0] == "python"


@pytest.mark.parametrize("number", range(len(_python_examples())))
def test_readme_python_example_runs(tmp_path, number):
    """Every Python block of the README runs as written, in a folder with the repository's layers and specs."""
    shutil.copytree(SHIPPED_LAYERS, tmp_path / "layers")
    (tmp_path / "maps").mkdir()
    for spec in (ROOT / "maps").glob("*.toml"):
        shutil.copy(spec, tmp_path / "maps" / spec.name)
    code = _python_examples()[number]
    result = subprocess.run([sys.executable, "-W", "error", "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr


def test_report_json_keys_are_documented():
    doc = json.loads(kzgeo.report(SHIPPED_LAYERS, format="json"))
    for key, value in doc.items():
        assert f"`{key}`" in README, f"JSON key {key} is not documented"
        if isinstance(value, list) and value:
            for field in value[0]:
                assert f'"{field}"' in README, f"JSON field {key}[].{field} is not documented"


def test_route_json_keys_are_documented():
    doc = json.loads(kzgeo.route("upper-kairakty", "julfa", SHIPPED_LAYERS, via=["meghri"], include_planned=True, format="json"))
    for key, value in doc.items():
        assert f"`{key}`" in README, f"route JSON key {key} is not documented"
        items = value if isinstance(value, list) else [value] if isinstance(value, dict) and key not in ("by_mode",) else []
        for item in items[:1]:
            if isinstance(item, dict):
                for field in item:
                    assert f"`{field}`" in README or f'"{field}"' in README, f"route JSON field {key}.{field} is not documented"
