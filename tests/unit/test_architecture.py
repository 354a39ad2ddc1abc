"""The layers hold: domain <- app <- adapters/entrypoints (import-linter contracts in pyproject.toml)."""
from __future__ import annotations

import ast
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_import_linter_contracts_are_kept():
    lint_imports = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run([str(lint_imports), "--no-cache"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "5 kept, 0 broken" in result.stdout


def test_every_blueprint_is_in_the_independence_contract():
    """A new blueprint joins the contract that keeps blueprints from importing each other (and so from
    import cycles): what two of them share goes to web/helpers.py."""
    contracts = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]
    independent = next(set(c["modules"]) for c in contracts if c["type"] == "independence")
    web = ROOT / "src/areaclienti/entrypoints/web"
    blueprints = {
        f"areaclienti.entrypoints.web.{path.stem}"
        for path in web.glob("*.py")
        if any(isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Blueprint"
               for node in ast.walk(ast.parse(path.read_text())))
    }
    assert {"areaclienti.entrypoints.web.customer", "areaclienti.entrypoints.web.api"} <= blueprints
    assert blueprints == independent


def test_the_domain_reads_no_clock():
    offenders = [
        f"{path.name}:{n}"
        for path in (ROOT / "src/areaclienti/domain").glob("*.py")
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if any(call in line for call in ("datetime.now(", "date.today(", "datetime.utcnow(", "time.time("))
    ]
    assert offenders == []
