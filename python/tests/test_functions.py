"""The Pythonic layer: load_table, check, arbitrate, scan, translate, gen, advertise,
negotiate, diff, migrate_plan, versions, and the errors they raise."""

from __future__ import annotations

import json
import threading

import pytest

import isa_authority as ia
from isa_authority.errors import (
    AdvertisementError,
    ArbitrationError,
    CodegenError,
    IsaAuthorityError,
    LoadError,
    TranslationError,
    UndecodableError,
)

A = 'implementation = "a"\nopcodes = [\n  { opcode = 0x00, mnemonic = "HALT", format = "A" },\n  { opcode = 0x01, mnemonic = "ADD", format = "E" },\n  { opcode = 0x02, mnemonic = "JMP", format = "D" },\n]\n'
B = 'implementation = "b"\nopcodes = [\n  { opcode = 0x00, mnemonic = "HALT", format = "A" },\n  { opcode = 0x05, mnemonic = "ADD", format = "E" },\n  { opcode = 0x02, mnemonic = "JMP", format = "D" },\n]\n'


def test_load_table_toml_json_and_source(examples, write):
    t = ia.load_table(examples / "tables" / "unified-spec.toml")
    assert t.implementation == "unified-spec" and t.language == "Markdown" and len(t) > 0
    assert t.registered == "2026-01-15" and t.file.endswith("unified-spec.toml")
    e = t.entries()[0]
    assert e["mnemonic"] == "HALT" and e["line"] > 0 and e["file"].endswith("unified-spec.toml")
    j = ia.load_table(examples / "tables" / "greenhorn-go.json")
    assert j.instruction_count() > 0
    again = ia.Table.from_json(t.to_json(), "x.json")
    assert again.content_hash() == t.content_hash()
    assert ia.Table.from_toml(t.to_toml()).content_hash() == t.content_hash()
    src = write("ops.py", "from enum import IntEnum\n\nclass Opcode(IntEnum):\n    HALT = 0x00\n    NOP = 0x01\n    ADD = 0x02\n    SUB = 0x03\n    MUL = 0x04\n    JMP = 0x05\n")
    scanned = ia.load_table(src)
    assert [e["mnemonic"] for e in scanned.entries()][:3] == ["HALT", "NOP", "ADD"]
    assert len(ia.load_tables(examples / "tables")) == 4


def test_bad_table_raises_naming_file_and_line(write):
    bad = write("bad.json", '{\n  "implementation": "x",\n  "opcodes": [\n    {"opcode": -1, "mnemonic": "A"}\n  ]\n}\n')
    with pytest.raises(LoadError) as info:
        ia.load_table(bad)
    e = info.value
    assert e.file.endswith("bad.json") and e.line == 4 and e.column > 0
    assert str(e).startswith(f"{e.file}:4:")
    assert isinstance(e, ValueError) and isinstance(e, IsaAuthorityError)
    toml = write("bad.toml", 'implementation = "x"\nopcodes = [\n  { opcode = 1, mnemonic = "" },\n]\n')
    with pytest.raises(LoadError) as info:
        ia.load_table(toml)
    assert info.value.line == 3 and "empty" in info.value.detail and info.value.hint
    with pytest.raises(LoadError) as info:
        ia.check([bad, toml])
    assert len(info.value.errors) == 2
    with pytest.raises(LoadError, match="no such file"):
        ia.load_tables(["/nonexistent/dir"])
    with pytest.raises(LoadError):
        ia.Table.from_json("{", "inline.json")


def test_check_report_matches_the_cli_contract(examples, cli):
    report = ia.check(examples / "tables", aliases=examples / "aliases.toml")
    out = cli("check", "--format", "json", examples / "tables", "--aliases", examples / "aliases.toml")
    assert out.returncode == 1
    assert report.to_json() == out.stdout.decode()
    assert report.failed and len(report) == report.summary["conflicts"] and bool(report)
    c = report.conflicts[0]
    assert c.severity == "critical" and c.entries[0].location is not None
    assert str(c.entries[0].location).count(":") == 2
    assert report.by_kind(c.kind)[0] == c
    assert report.to_dict()["summary"]["tables"] == 4
    text = cli("check", examples / "tables", "--aliases", examples / "aliases.toml").stdout.decode()
    assert report.to_text() == text
    sarif = json.loads(report.to_sarif())
    assert sarif["version"] == "2.1.0"
    quiet = ia.check(examples / "tables", fail_on="never", no_info=True)
    assert not quiet.failed and all(c.severity != "info" for c in quiet)
    assert "Report" in repr(report)
    with pytest.raises(IsaAuthorityError, match="fail_on"):
        ia.check(examples / "tables", fail_on="sometimes")
    with pytest.raises(IsaAuthorityError, match="scheme"):
        ia.check(examples / "tables", scheme="nope")
    with_map = ia.check(examples / "tables", aliases={"IADD": "ADD"})
    assert with_map.summary["conflicts"] != ia.check(examples / "tables").summary["conflicts"]


def test_check_refuses_two_tables_with_one_name(write):
    a = ia.load_table(write("a.toml", A))
    with pytest.raises(LoadError, match="a"):
        ia.check([a, a])


def test_arbitrate_outcome_matches_the_cli(examples, cli):
    outcome = ia.arbitrate(examples / "tables", "voting", aliases=examples / "aliases.toml")
    out = cli("arbitrate", examples / "tables", "--strategy", "voting", "--aliases", examples / "aliases.toml", "--format", "json")
    assert out.returncode == 0 and outcome.to_json() == out.stdout.decode()
    assert outcome.canonical.implementation == "canonical"
    assert ia.check([outcome.canonical], fail_on="warning").failed is False
    assert outcome.decisions and outcome.cost == outcome.to_dict()["cost"]
    assert outcome.to_text().splitlines()[-1].startswith("arbitrated")
    weighted = ia.arbitrate(examples / "tables", "optimal", weights={"greenhorn-go": 5},
                            usage={"greenhorn-go": {"0x00": 10}}, name="canon")
    assert weighted.canonical.implementation == "canon"
    manual = ia.arbitrate(examples / "tables", decisions=[{"mnemonic": "HALT", "opcode": "0x7F"}])
    assert {e["mnemonic"]: e["opcode"] for e in manual.canonical.entries()}["HALT"] == 0x7F
    with pytest.raises(ArbitrationError, match="spec"):
        ia.arbitrate(examples / "tables", "spec")
    with pytest.raises(ArbitrationError, match="nobody|no table"):
        ia.arbitrate(examples / "tables", weights={"nobody": 2})
    with pytest.raises(ArbitrationError, match="strategy"):
        ia.arbitrate(examples / "tables", "coin-flip")


def test_scan(write, tmp_path, cli):
    src = write("src/op.go", "package vm\n\nconst (\n\tOpHalt = 0x00\n\tOpNop = 0x01\n\tOpAdd = 0x02\n\tOpSub = 0x03\n\tOpJmp = 0x04\n)\n")
    result = ia.scan(tmp_path / "src")
    assert len(result) == 1
    t = result.tables[0]
    assert t.symbol and 0 < t.confidence <= 1 and t.table.language == "Go"
    assert result.to_json() == cli("scan", "--format", "json", tmp_path / "src").stdout.decode()
    with pytest.raises(LoadError, match="no such file"):
        ia.scan(tmp_path / "missing")
    with pytest.raises(IsaAuthorityError, match="between 0 and 1"):
        ia.scan(src, min_confidence=2)


def test_translate(write):
    a, b = ia.load_table(write("a.toml", A)), ia.load_table(write("b.toml", B))
    program = bytes([0x01, 1, 2, 3, 0x00])
    out = ia.translate(program, a, b)
    assert out == bytes([0x05, 1, 2, 3, 0x00])
    assert ia.translate(out, b, a) == program
    t = ia.translate_with_summary(bytearray(program), a, b)
    assert t.summary["instructions"] == 2 and t.summary["same_size"] and t.summary["container"] == "raw"
    with pytest.raises(TranslationError) as info:
        ia.translate(bytes([0x00, 0x01, 1]), a, b)
    assert info.value.offset == 1 and "byte offset 1" in str(info.value)
    dup = ia.load_table(write("dup.toml", 'implementation = "d"\nopcodes = [{opcode = 0, mnemonic = "A"}, {opcode = 0, mnemonic = "B"}]\n'))
    with pytest.raises(UndecodableError, match="cannot be decoded unambiguously"):
        ia.translate(program, dup, b)


def test_gen(write):
    a = ia.load_table(write("a.toml", A))
    code = ia.gen(a, "python")
    assert "class Opcode(IntEnum):" in code and "ADD = 0x01" in code
    namespace: dict = {}
    exec(compile(code, "opcodes.py", "exec"), namespace)
    assert namespace["Opcode"].ADD == 1
    for lang in ("go", "typescript", "rust", "c", "markdown", "py"):
        assert ia.gen(a, lang)
    assert "9.9" in ia.gen(a, "c", isa_version="9.9")
    with pytest.raises(CodegenError, match="language"):
        ia.gen(a, "cobol")
    dup = ia.load_table(write("dup.toml", 'implementation = "d"\nopcodes = [{opcode = 0, mnemonic = "A"}, {opcode = 0, mnemonic = "B"}]\n'))
    with pytest.raises(UndecodableError):
        ia.gen(dup, "c")


def test_advertise_and_negotiate(write, tmp_path, cli):
    a, b = ia.load_table(write("a.toml", A)), ia.load_table(write("b.toml", B))
    ad = ia.advertise(a, isa_version="2.0.0", registers=16)
    assert ad.implementation == "a" and len(ad) == 3 and ad.registers == 16
    assert ad.versions[0][0] == "2.0.0" and ad.versions[0][1] == a.content_hash()
    assert sorted(ad.formats) == ["A", "D", "E"]
    binary = ad.to_bytes()
    assert binary[:4] == b"FXNG"
    assert ia.read_advertisement(binary).to_json() == ad.to_json()
    path = tmp_path / "a.ad"
    path.write_bytes(binary)
    assert ia.read_advertisement(path).implementation == "a"
    bare = ia.advertise(a)
    assert bare.versions[0][0] == "0.0.0" and bare.notes
    agreed = ia.negotiate(ad, ia.advertise(b, isa_version="2.0.0"))
    assert not agreed.compatible and not agreed
    assert agreed.usable_opcodes == 2 and any("different number" in r for r in agreed.reasons)
    (tmp_path / "b.ad").write_bytes(ia.advertise(b, isa_version="2.0.0").to_bytes())
    out = cli("negotiate", path, tmp_path / "b.ad", "--format", "json")
    assert out.returncode == 1 and out.stdout.decode() == agreed.to_json()
    same = ia.negotiate(write("a2.toml", A.replace('"a"', '"a2"')), a)
    assert same.compatible and same.version == "0.0.0"
    assert "compatible" in same.to_text()
    with pytest.raises(AdvertisementError, match="malformed"):
        ia.read_advertisement(b"FXNG\x00\x00")


def test_diff_and_migrate_plan(write):
    a, b = ia.load_table(write("a.toml", A)), ia.load_table(write("b.toml", B))
    d = ia.diff(a, b)
    assert [c["kind"] for c in d["changes"]] == ["renumbered"]
    assert d["compatibility"] == {"backward": False, "forward": False, "full": False}
    plan = ia.migrate_plan(a, b)
    assert plan["steps"][0]["kind"] == "renumbered" and plan["bytecode"]["verdict"] == "translate"
    renamed = ia.diff(a, write("c.toml", A.replace('"ADD"', '"IADD"')), renames={"ADD": "IADD"})
    assert [c["kind"] for c in renamed["changes"]] == ["renamed"]


def test_versions():
    assert ia.parse_version("v1.0") == "1.0.0" and ia.parse_version("FLUX ISA v2.0") == "2.0.0"
    assert ia.parse_version("247 opcodes") is None
    assert ia.compare_versions("v10", "v9") == 1 and ia.compare_versions("2.0", "v2") == 0
    assert ia.compare_versions("2", "10") == -1
    with pytest.raises(IsaAuthorityError):
        ia.compare_versions("latest-ish", "1.0")


def test_long_calls_release_the_gil(shared_tables):
    tables = ia.load_tables(shared_tables)
    results = []

    def work():
        results.append(len(ia.check(tables)))

    threads = [threading.Thread(target=work) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 2 and results[0] == results[1] > 0


def test_table_objects(write):
    a = ia.load_table(write("a.toml", A))
    assert a == ia.load_table(write("a.toml", A)) and hash(a) == hash(ia.load_table(write("a.toml", A)))
    assert "Table" in repr(a) and a.renamed("z").implementation == "z"
    out = write("out.json", "")
    a.write(str(out))
    assert ia.load_table(out).content_hash() == a.content_hash()
    built = ia.Table.from_entries("vm", [(0, "HALT", "A", "system", ""), (1, None, None, None, None)],
                                  registered="2024-01-02", language="Go")
    assert built.instruction_count() == 1 and built.registered == "2024-01-02"
    with pytest.raises(LoadError, match="registered"):
        ia.Table.from_entries("vm", [], registered="yesterday")
    with pytest.raises(LoadError, match="implementation"):
        ia.Table.from_entries(" ", [])
    with pytest.raises(LoadError, match="control character"):
        ia.Table.from_entries("vm", [(0, "A\x1b", None, None, None)])
