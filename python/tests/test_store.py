"""The signed on-disk store through CanonicalISAStore.open: read, propose, approve, declare."""

from __future__ import annotations

import os

import pytest

import isa_authority
from isa_authority import CanonicalISAStore, MigrationPlanner, keygen
from isa_authority.errors import LoadError, StoreError, StoreRefusal, UndecodableError

V1 = """implementation = "canon"
opcodes = [
  { opcode = 0x00, mnemonic = "HALT", format = "A" },
  { opcode = 0x01, mnemonic = "ADD", format = "E" },
  { opcode = 0x02, mnemonic = "OLD", format = "A" },
]
"""
V2 = """implementation = "canon"
opcodes = [
  { opcode = 0x00, mnemonic = "HALT", format = "A" },
  { opcode = 0x05, mnemonic = "ADD", format = "E" },
  { opcode = 0x06, mnemonic = "NEW", format = "A" },
  { opcode = 0x02, reserved = true },
]
"""


@pytest.fixture
def store(tmp_path):
    keys = tmp_path / "keys"
    for name in ("alice", "bob"):
        doc = keygen(name, str(keys))
        assert name in doc
    s = CanonicalISAStore.init(tmp_path / "store", {"alice": keys / "alice.pub", "bob": keys / "bob.pub"}, 2)
    return s, keys


def test_propose_approve_declare_read(store, write):
    s, keys = store
    assert s.signed and s.list_versions() == [] and s.get_current() is None
    table = isa_authority.load_table(write("v1.toml", V1))
    pid = s.propose(table, "v1.0.0", message="first")
    assert pid.startswith("sha256:")
    with pytest.raises(StoreRefusal, match="approvals"):
        s.declare(pid)
    first = s.approve(pid, keys / "alice.key")
    assert first["maintainer"] == "alice" and first["missing"] == 1
    assert s.status(pid)["approved_by"] == ["alice"]
    s.approve(pid, keys / "bob.key")
    v1 = s.declare(pid)
    assert v1.version == "1.0.0" and v1.description == "first" and v1.opcode_count == 3
    assert v1.sha256 == table.content_hash()
    assert s.list_versions() == ["1.0.0"] and s.get_current().version == "1.0.0"
    assert s.get_version("v1.0.0").entries[1].mnemonic == "ADD"
    pid2 = s.propose(write("v2.toml", V2), "1.1.0", overrides={})
    for k in ("alice", "bob"):
        s.approve(pid2, keys / f"{k}.key")
    s.declare(pid2)
    d = s.diff("1.0.0", "1.1.0")
    assert d["changed"]["0x01"]["kind"] == "renumbered" and d["removed"] == [2] and d["added"] == [6]
    steps = MigrationPlanner(s).plan("1.0.0", "1.1.0")
    assert {x.kind for x in steps} == {"renumbered", "removed"}
    log = s.log()
    assert [v["version"] for v in log["versions"]] == ["1.0.0", "1.1.0"] and log["head"].startswith("sha256:")
    report = s.verify()
    assert report["ok"] and report["checked"]["versions"] == 2
    reopened = CanonicalISAStore.open(s._store.root)
    assert reopened.list_versions() == ["1.0.0", "1.1.0"]


def test_refusals_and_bad_input(store, write, tmp_path):
    s, keys = store
    table = isa_authority.load_table(write("v1.toml", V1))
    pid = s.propose(table, "1.0.0")
    os.chmod(keys / "alice.key", 0o644)
    with pytest.raises(StoreError, match="too open"):
        s.approve(pid, keys / "alice.key")
    os.chmod(keys / "alice.key", 0o600)
    with pytest.raises(StoreError):
        s.approve("sha256:" + "0" * 64, keys / "alice.key")
    dup = write("dup.toml", 'implementation = "d"\nopcodes = [{opcode = 0, mnemonic = "A"}, {opcode = 0, mnemonic = "B"}]\n')
    with pytest.raises(UndecodableError, match="cannot be decoded"):
        s.propose(dup, "2.0.0")
    bad_key = write("bad.key", "not a key\n")
    os.chmod(bad_key, 0o600)
    with pytest.raises(LoadError) as info:
        s.approve(pid, bad_key)
    assert info.value.file.endswith("bad.key")
    with pytest.raises(StoreError, match="no store"):
        CanonicalISAStore.open(tmp_path / "nowhere")
    with pytest.raises(TypeError):
        s.declare("1.0.0", "description", {})
    with pytest.raises(StoreError):
        CanonicalISAStore().log()
