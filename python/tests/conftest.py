"""Shared fixtures: the repository's example tables, the shared FLUX data beside the
repository, and small tables written by the tests themselves."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
SHARED = REPO.parent / "shared" / "flux"


@pytest.fixture
def examples() -> Path:
    return EXAMPLES


@pytest.fixture
def shared_tables() -> Path:
    tables = SHARED / "tables"
    if not tables.is_dir():
        if os.environ.get("ISA_AUTHORITY_NO_SHARED") == "1":
            pytest.skip("ISA_AUTHORITY_NO_SHARED=1: the shared FLUX tables are not beside the repository")
        pytest.fail(f"{tables} not found (set ISA_AUTHORITY_NO_SHARED=1 to skip explicitly)")
    return tables


@pytest.fixture
def write(tmp_path: Path):
    """write(name, text) -> path of a new file under tmp_path."""

    def _write(name: str, text: str) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        return path

    return _write


def console_script() -> list:
    """The installed `isa-authority` console script (next to this interpreter), else the
    module form, which runs the same entry point."""
    script = Path(sys.executable).parent / "isa-authority"
    if script.exists():
        return [str(script)]
    found = shutil.which("isa-authority")
    if found:
        return [found]
    return [sys.executable, "-m", "isa_authority"]


@pytest.fixture
def cli():
    """cli(*args, cwd=None, input=None) -> CompletedProcess of the console script."""

    def _run(*args: str, cwd=None, input=None):
        env = dict(os.environ)
        env["NO_COLOR"] = "1"
        return subprocess.run(
            console_script() + [str(a) for a in args],
            cwd=cwd,
            input=input,
            capture_output=True,
            env=env,
        )

    return _run
