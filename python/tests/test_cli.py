"""The `isa-authority` console script: the Rust CLI run in-process, with its exit codes."""

from __future__ import annotations

import subprocess

import isa_authority
from isa_authority import _cli


def test_exit_0_when_clean(cli, examples):
    out = cli("check", examples / "tables" / "unified-spec.toml")
    assert out.returncode == 0, out.stderr
    assert b"ok: nothing at or above `error`" in out.stdout


def test_exit_1_on_conflicts(cli, examples):
    out = cli("check", examples / "tables", "--aliases", examples / "aliases.toml")
    assert out.returncode == 1
    assert b"FAIL: conflicts at or above `error`" in out.stdout


def test_exit_2_on_bad_input_naming_file_and_line(cli, write):
    bad = write("bad.toml", 'implementation = "x"\nopcodes = [\n  { opcode = -3, mnemonic = "A" },\n]\n')
    out = cli("check", bad)
    assert out.returncode == 2 and out.stdout == b""
    assert f"{bad}:3:".encode() in out.stderr and out.stderr.startswith(b"error:")


def test_exit_2_on_usage_errors_and_0_for_help_and_version(cli):
    out = cli("check", "--no-such-flag", "x")
    assert out.returncode == 2 and b"unexpected argument" in out.stderr
    assert cli("--help").returncode == 0
    version = cli("--version")
    assert version.returncode == 0 and version.stdout.decode().strip() == f"isa-authority {isa_authority.__version__}"
    assert cli().returncode == 2


def test_output_through_a_pipe_is_complete_and_flushed(cli, shared_tables):
    out = cli("check", "--format", "json", shared_tables)
    assert out.returncode == 1
    assert out.stdout.endswith(b"}\n") and b'"tables": 71' in out.stdout


def test_a_closed_pipe_ends_quietly(examples):
    from conftest import console_script

    p = subprocess.Popen(console_script() + ["check", str(examples / "tables")], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    assert p.stdout is not None
    p.stdout.read(10)
    p.stdout.close()
    p.wait(timeout=60)
    assert b"panicked" not in p.stderr.read()


def test_stores_and_keys_through_the_script(cli, tmp_path, examples):
    assert cli("keygen", "alice", "-o", tmp_path / "keys").returncode == 0
    store = tmp_path / "store"
    assert cli("init", "--store", store, "--maintainer", f"alice={tmp_path / 'keys' / 'alice.pub'}", "--quorum", "1").returncode == 0
    out = cli("propose", "--store", store, examples / "tables" / "unified-spec.toml", "--version", "1.0.0")
    assert out.returncode == 0
    pid = out.stdout.decode().strip()
    assert cli("declare", "--store", store, pid).returncode == 1  # no approval yet: a refusal
    assert cli("approve", "--store", store, pid, "--key", tmp_path / "keys" / "alice.key").returncode == 0
    assert cli("declare", "--store", store, pid).returncode == 0
    assert isa_authority.CanonicalISAStore.open(store).list_versions() == ["1.0.0"]


def test_run_in_process_returns_the_code(examples, capfd):
    assert _cli.run(["check", str(examples / "tables" / "unified-spec.toml")]) == 0
    assert "ok: nothing" in capfd.readouterr().out
    assert _cli.run(["check", str(examples / "tables")]) == 1
    assert _cli.run(["check", "/nonexistent.json"]) == 2
    # After a run the API renders plain text again, whatever colour the run chose.
    assert _cli.run(["--color", "always", "check", str(examples / "tables")]) == 1
    assert "\x1b[" not in isa_authority.check(examples / "tables").to_text()
