"""The layers hold: domain <- app <- adapters/entrypoints (import-linter contracts in pyproject.toml)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_import_linter_contracts_are_kept():
    lint_imports = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run([str(lint_imports), "--no-cache"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 kept, 0 broken" in result.stdout


def test_the_domain_reads_no_clock():
    offenders = [
        f"{path.name}:{n}"
        for path in (ROOT / "src/areaclienti/domain").glob("*.py")
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if any(call in line for call in ("datetime.now(", "date.today(", "datetime.utcnow(", "time.time("))
    ]
    assert offenders == []
