"""The original API's classes and methods, each exercised through the Rust core."""

from __future__ import annotations

import dataclasses
import hashlib

import pytest

import isa_authority
from isa_authority import (
    ArbitrationEngine,
    CanonicalISAStore,
    CapabilityAdvertisement,
    ConflictDetector,
    ConflictRecord,
    ConflictSeverity,
    ISAVersion,
    MigrationPlanner,
    MigrationStep,
    OpcodeEntry,
    OpcodeRegistry,
    Resolution,
    ResolutionStrategy,
    VersionNegotiator,
    create_authority,
    quick_conflict_check,
)
from isa_authority.errors import ArbitrationError, LoadError, StoreError, UndecodableError

E = OpcodeEntry


def python_vm():
    return [E(0x00, "NOP", "A", "system"), E(0x01, "HALT", "A", "system"), E(0x08, "ADD", "E", "arith"),
            E(0x09, "SUB", "E", "arith"), E(0x2B, "MOVI", "D", "move")]


def go_vm():
    return [E(0x00, "HALT", "A", "system"), E(0x01, "NOP", "A", "system"), E(0x20, "ADD", "E", "arith"),
            E(0x21, "SUB", "E", "arith"), E(0x2B, "MOVI", "D", "move")]


def registry_of(**tables):
    r = OpcodeRegistry()
    for name, entries in tables.items():
        r.register_implementation(name.replace("_", "-"), entries)
    return r


def test_the_original_readme_usage_runs_verbatim():
    python_opcodes, go_opcodes = python_vm(), go_vm()
    from isa_authority import OpcodeRegistry, ConflictDetector, ArbitrationEngine
    registry = OpcodeRegistry()
    registry.register_implementation("python-vm", python_opcodes)   # lists of OpcodeEntry
    registry.register_implementation("go-vm", go_opcodes)
    detector = ConflictDetector(registry)
    conflicts = detector.find_conflicts()        # the original's README name; its code says find_all_conflicts
    engine = ArbitrationEngine(registry)
    resolution = engine.arbitrate(conflicts[0])
    assert isinstance(resolution, Resolution)
    assert conflicts and resolution.canonical_mnemonic


def test_arbiter_module_exports_the_api():
    from isa_authority import arbiter

    for name in arbiter.__all__:
        assert getattr(arbiter, name) is getattr(isa_authority, name)


def test_enums_have_the_original_values():
    assert [(s.name, int(s)) for s in ConflictSeverity] == [
        ("INFO", 0), ("WARNING", 1), ("ERROR", 2), ("CRITICAL", 3)]
    assert [(s.name, int(s)) for s in ResolutionStrategy][:6] == [
        ("CONVERGED", 0), ("OLDEST_WINS", 1), ("VOTING", 2), ("SPEC_AUTHORITY", 3),
        ("LARGEST_IMPL", 4), ("MANUAL", 5)]
    assert ResolutionStrategy.OPTIMAL == 6
    assert ConflictSeverity.from_name("critical") is ConflictSeverity.CRITICAL


def test_opcode_entry_is_frozen_hashable_with_a_key():
    e = E(1, "add", "E", "arith")
    with pytest.raises(dataclasses.FrozenInstanceError):
        e.opcode = 2  # type: ignore[misc]
    assert {e, E(1, "add", "E", "arith")} == {e}
    assert e.key() == (1, "ADD")
    assert E(1, "ADD", "E", "arith").key() == e.key()
    assert e.description == "" and e.source_impl == "" and e.registered_at == 0.0


def test_registry_methods():
    r = registry_of(python_vm=python_vm(), go_vm=go_vm())
    assert r.list_implementations() == ["python-vm", "go-vm"]
    impl = r.get_implementation("python-vm")
    assert impl is not None and impl[0x08].mnemonic == "ADD" and impl[0x08].source_impl == "python-vm"
    assert r.get_implementation("nope") is None
    assert r.get_by_opcode(0x00) == {"python-vm": impl[0], "go-vm": r.get_implementation("go-vm")[0]}
    by = r.get_by_mnemonic("add")
    assert by["python-vm"].opcode == 0x08 and by["go-vm"].opcode == 0x20
    assert r.get_opcode_range("python-vm") == (0x00, 0x2B)
    assert r.get_opcode_range("nope") == (0, 0)
    stats = r.impl_stats()
    assert stats["go-vm"]["opcode_count"] == 5
    assert stats["go-vm"]["categories"] == {"system": 2, "arith": 2, "move": 1}
    assert stats["go-vm"]["formats"] == {"A": 2, "E": 2, "D": 1}
    assert stats["go-vm"]["range"] == (0, 0x2B)
    assert r.get_canonical() == {}
    r.set_canonical({0: E(0, "HALT", "A", "system")})
    assert r.get_canonical()[0].mnemonic == "HALT"
    assert r.canonical_table is not None and len(r.canonical_table) == 1
    assert [t.implementation for t in r.tables()] == ["python-vm", "go-vm"]
    assert len(r.get_entries("go-vm")) == 5 and r.get_table("go-vm").implementation == "go-vm"


def test_registry_accepts_a_table_with_its_locations(examples):
    r = OpcodeRegistry()
    table = isa_authority.load_table(examples / "tables" / "greenhorn-go.json")
    r.register_implementation("greenhorn-go", table)
    r.register_implementation("spec", isa_authority.load_table(examples / "tables" / "unified-spec.toml"))
    conflicts = ConflictDetector(r).find_all_conflicts()
    assert conflicts
    located = [loc for c in conflicts for loc in c.locations if loc]
    assert any("greenhorn-go.json:" in loc for loc in located)


def test_registry_rejects_bad_entries_naming_the_entry():
    r = OpcodeRegistry()
    with pytest.raises(LoadError) as info:
        r.register_implementation("vm", [E(0, "NOP", "A", "s"), E(-1, "BAD", "A", "s")])
    assert info.value.file == "vm" and info.value.line == 2
    with pytest.raises(LoadError) as info:
        r.register_implementation("vm", [E(0, "", "A", "s")])
    assert "mnemonic" in str(info.value) and info.value.line == 1


def test_detector_finds_every_kind_with_content_ids():
    r = registry_of(python_vm=python_vm(), go_vm=go_vm())
    conflicts = ConflictDetector(r).find_all_conflicts()
    kinds = {c.kind for c in conflicts}
    assert {"number-collision", "mnemonic-divergence"} <= kinds
    for c in conflicts:
        assert isinstance(c, ConflictRecord)
        assert c.conflict_id[:3] in ("NC-", "MD-", "DO-", "FM-", "DM-", "AH-", "UF-", "EA-")
        assert c.entries and all(isinstance(e, OpcodeEntry) for e in c.entries)
        assert c.detected_at > 0 and not c.resolved and c.resolution is None
    again = ConflictDetector(registry_of(python_vm=python_vm(), go_vm=go_vm())).find_all_conflicts()
    assert [c.conflict_id for c in again] == [c.conflict_id for c in conflicts]
    nc = next(c for c in conflicts if c.kind == "number-collision" and c.opcode == 0)
    assert nc.severity is ConflictSeverity.CRITICAL
    assert nc.entries[0] in r.get_entries(nc.entries[0].source_impl)
    md = next(c for c in conflicts if c.kind == "mnemonic-divergence" and c.mnemonic == "ADD")
    assert md.severity is ConflictSeverity.ERROR and md.opcode is None


def test_detector_summary_counts_every_severity_and_kind():
    r = registry_of(python_vm=python_vm(), go_vm=go_vm())
    d = ConflictDetector(r)
    conflicts = d.find_all_conflicts()
    text = d.summary(conflicts)
    assert text.startswith("ISA Conflict Detection Report")
    assert f"Total conflicts: {len(conflicts)}" in text
    assert "CRITICAL:" in text and "mnemonic-divergence:" in text
    assert d.summary() == text
    assert d.report().to_json().startswith("{")


def test_engine_arbitrate_and_arbitrate_all_set_the_canonical_table():
    r = registry_of(python_vm=python_vm(), go_vm=go_vm())
    conflicts = ConflictDetector(r).find_all_conflicts()
    engine = ArbitrationEngine(r, ResolutionStrategy.VOTING, weights={"go-vm": 3})
    res = engine.arbitrate(next(c for c in conflicts if c.mnemonic == "ADD"))
    assert res.canonical_mnemonic == "ADD" and res.canonical_opcode == 0x20
    assert res.winning_implementation == "go-vm"
    assert res.voters == {"go-vm": 0x20, "python-vm": 0x08}
    assert res.strategy is ResolutionStrategy.VOTING and res.rationale
    d = res.to_dict()
    assert d["strategy"] == "VOTING" and d["canonical_opcode"] == "0x20"
    assert set(d) >= {"canonical_mnemonic", "canonical_format", "winning_implementation", "voters", "rationale"}
    resolutions, unresolved = engine.arbitrate_all(conflicts)
    assert len(resolutions) == len(conflicts) and unresolved == []
    assert all(c.resolved and c.resolution is not None for c in conflicts)
    canonical = r.get_canonical()
    numbers = {e.mnemonic: n for n, e in canonical.items()}
    assert numbers["ADD"] == 0x20 and numbers["SUB"] == 0x21 and numbers["MOVI"] == 0x2B
    assert len(set(numbers.values())) == len(numbers)  # consistent
    assert isa_authority.check([r.canonical_table]).conflicts == []


@pytest.mark.parametrize(
    "strategy, kwargs",
    [
        (ResolutionStrategy.OLDEST_WINS, {}),
        (ResolutionStrategy.LARGEST_IMPL, {}),
        (ResolutionStrategy.OPTIMAL, {}),
        (ResolutionStrategy.SPEC_AUTHORITY, {"spec": "go-vm"}),
    ],
)
def test_every_strategy_runs_the_rust_arbiter(strategy, kwargs):
    r = registry_of(python_vm=python_vm(), go_vm=go_vm())
    conflicts = ConflictDetector(r).find_all_conflicts()
    resolutions, unresolved = ArbitrationEngine(r, strategy, **kwargs).arbitrate_all(conflicts)
    assert not unresolved and resolutions
    assert r.canonical_table is not None
    if strategy is ResolutionStrategy.SPEC_AUTHORITY:
        assert {e.mnemonic: n for n, e in r.get_canonical().items()}["ADD"] == 0x20


def test_spec_authority_needs_a_spec():
    r = registry_of(python_vm=python_vm(), go_vm=go_vm())
    conflicts = ConflictDetector(r).find_all_conflicts()
    with pytest.raises(ArbitrationError, match="spec"):
        ArbitrationEngine(r, ResolutionStrategy.SPEC_AUTHORITY).arbitrate(conflicts[0])


def test_manual_resolves_only_what_a_decision_covers():
    r = registry_of(python_vm=python_vm(), go_vm=go_vm())
    conflicts = ConflictDetector(r).find_all_conflicts()
    engine = ArbitrationEngine(r, ResolutionStrategy.MANUAL,
                               decisions=[{"mnemonic": "ADD", "opcode": 0x40, "rationale": "board"}])
    add = next(c for c in conflicts if c.mnemonic == "ADD")
    res = engine.arbitrate(add)
    assert res.strategy is ResolutionStrategy.MANUAL and res.canonical_opcode == 0x40
    assert res.winning_implementation == "manual"
    resolutions, unresolved = engine.arbitrate_all(conflicts)
    assert add in [c for c in conflicts if c.resolved]
    assert unresolved and all(not c.resolved for c in unresolved)
    with pytest.raises(ArbitrationError, match="MANUAL needs"):
        ArbitrationEngine(r, ResolutionStrategy.MANUAL).arbitrate(add)


def test_converged_resolves_no_conflict():
    r = registry_of(python_vm=python_vm(), go_vm=go_vm())
    conflicts = ConflictDetector(r).find_all_conflicts()
    engine = ArbitrationEngine(r, ResolutionStrategy.CONVERGED)
    with pytest.raises(ArbitrationError, match="CONVERGED"):
        engine.arbitrate(conflicts[0])
    resolutions, unresolved = engine.arbitrate_all(conflicts)
    assert resolutions == [] and unresolved == conflicts
    same = registry_of(a=go_vm(), b=go_vm())
    assert ConflictDetector(same).find_all_conflicts() == []
    assert ArbitrationEngine(same, ResolutionStrategy.CONVERGED).arbitrate_all([]) == ([], [])
    assert {e.mnemonic for e in same.get_canonical().values()} == {"HALT", "NOP", "ADD", "SUB", "MOVI"}


def test_arbitrate_refuses_a_conflict_without_entries():
    r = registry_of(python_vm=python_vm(), go_vm=go_vm())
    with pytest.raises(ArbitrationError):
        ArbitrationEngine(r).arbitrate(ConflictRecord(description="empty"))


def test_isa_version_compute_hash_is_the_rust_content_hash():
    v = ISAVersion("1.0.0", "first", 2, entries={0: E(0, "HALT", "A", "system"), 1: E(1, "NOP", "A", "system")})
    h = v.compute_hash()
    assert h.startswith("sha256:") and v.sha256 == h
    reordered = ISAVersion("1.0.0", "other words", 2, entries={1: E(1, "NOP", "A", "system"), 0: E(0, "HALT", "A", "system")})
    assert reordered.compute_hash() == h
    changed = ISAVersion("1.0.0", "", 2, entries={0: E(0, "HALT", "B", "system"), 1: E(1, "NOP", "A", "system")})
    assert changed.compute_hash() != h


def test_capability_advertisement_set_based():
    a = CapabilityAdvertisement("a", "v1.0", 10, {"A", "E"}, {"arith", "system"})
    b = CapabilityAdvertisement("b", "v1.1", 8, {"A", "E"}, {"arith"})
    assert a.max_register == 31 and a.features == []
    assert a.compatible_with(b)
    assert a.compatibility_score(b) == pytest.approx((1.0 + 0.5) / 2)
    c = CapabilityAdvertisement("c", "1", 1, {"A"}, set())
    assert not a.compatible_with(c)


def test_capability_advertisement_from_table_uses_the_rust_negotiator(examples, write):
    spec = examples / "tables" / "unified-spec.toml"
    a = CapabilityAdvertisement.from_table(spec, isa_version="1.0.0")
    b = CapabilityAdvertisement.from_table(spec, isa_version="1.0.0")
    assert a.advertisement is not None and a.impl_name == "unified-spec"
    assert a.isa_version == "1.0.0" and a.opcode_count == len(a.advertisement)
    assert a.compatible_with(b) and a.compatibility_score(b) == 1.0
    go = CapabilityAdvertisement.from_table(examples / "tables" / "greenhorn-go.json", isa_version="1.0.0")
    assert not a.compatible_with(go)  # same label, different content hash
    assert 0.0 <= a.compatibility_score(go) < 1.0


def test_version_negotiator():
    n = VersionNegotiator()
    a = CapabilityAdvertisement("a", "v9", 10, {"A", "E"}, {"arith"})
    b = CapabilityAdvertisement("b", "v10", 10, {"A", "E"}, {"arith", "mem"})
    n.advertise(a)
    n.advertise(b)
    assert n.get_advertisement("a") is a and n.get_advertisement("zz") is None
    result = n.negotiate("a", "b")
    assert result is not None and result["compatible"]
    assert result["suggested_version"] == "v9"
    assert result["common_formats"] == ["A", "E"] and result["limitations"] == ["b-only categories: ['mem']"]
    assert n.negotiate("a", "missing") is None
    n.advertise(CapabilityAdvertisement("far", "1.0", 1, {"Z"}, {"x"}))
    assert n.negotiate("a", "far") is None
    matrix = n.fleet_compatibility_matrix()
    assert set(matrix) == {"a", "b", "far"} and matrix["a"]["a"] == 1.0
    assert n.agreement("a", "b") is None


def test_version_negotiator_with_table_advertisements(examples):
    spec = examples / "tables" / "unified-spec.toml"
    n = VersionNegotiator()
    x = CapabilityAdvertisement.from_table(spec, isa_version="2.0.0")
    y = CapabilityAdvertisement.from_table(isa_authority.load_table(spec).renamed("spec-copy"), isa_version="2.0.0")
    n.advertise(x)
    n.advertise(y)
    result = n.negotiate("unified-spec", "spec-copy")
    assert result is not None and result["suggested_version"] == "2.0.0"
    assert result["usable_opcodes"] == len(x.advertisement)
    assert n.agreement("unified-spec", "spec-copy").compatible
    go = CapabilityAdvertisement.from_table(examples / "tables" / "greenhorn-go.json", isa_version="2.0.0")
    n.advertise(go)
    assert n.negotiate("unified-spec", go.impl_name) is None
    reasons = n.agreement("unified-spec", go.impl_name).reasons
    assert any("defined differently" in r for r in reasons)


def test_in_memory_store_declare_get_list_diff():
    s = CanonicalISAStore()
    assert s.get_current() is None and s.list_versions() == [] and not s.signed
    v1 = s.declare("v1.0", "first", {0: E(0, "HALT", "A", "system"), 1: E(1, "ADD", "E", "arith"),
                                     2: E(2, "OLD", "A", "system")})
    v2 = s.declare("v1.1", "second", [E(0, "HALT", "A", "system"), E(5, "ADD", "E", "arith"),
                                      E(6, "NEW", "A", "system")])
    assert s.get_current() is v2 and s.list_versions() == ["v1.0", "v1.1"]
    assert s.get_version("v1.0") is v1 and s.get_version("1.0.0") is v1 and s.get_version("9") is None
    assert v1.opcode_count == 3 and v1.sha256.startswith("sha256:") and v1.entries[1].mnemonic == "ADD"
    d = s.diff("v1.0", "v1.1")
    assert d["added"] == [6] and d["removed"] == [2]
    assert d["changed"]["0x01"]["kind"] == "renumbered"
    assert d["changed"]["0x01"]["to"] == {"opcode": 5, "mnemonic": "ADD"}
    assert d["summary"] == "1 added, 1 removed, 1 changed"
    assert d["compatibility"]["backward"] is False
    assert s.diff("v1.0", "nope") == {"error": "Version not found"}
    with pytest.raises(StoreError):
        s.declare("1.0.0", "again", [E(0, "HALT", "A", "system")])
    with pytest.raises(UndecodableError):
        s.declare("2.0", "dup", [E(0, "HALT", "A", "system"), E(0, "NOP", "A", "system")])


def test_migration_planner():
    s = CanonicalISAStore()
    s.declare("1.0", "a", {0: E(0, "HALT", "A", "s"), 1: E(1, "ADD", "E", "a"), 2: E(2, "OLD", "A", "s")})
    s.declare("2.0", "b", {0: E(0, "HALT", "A", "s"), 7: E(7, "ADD", "E", "a"), 8: E(8, "NEW", "A", "s")})
    p = MigrationPlanner(s)
    steps = p.plan("1.0", "2.0")
    assert all(isinstance(x, MigrationStep) for x in steps)
    by_kind = {x.kind: x for x in steps}
    assert set(by_kind) == {"renumbered", "removed"}
    assert (by_kind["renumbered"].from_opcode, by_kind["renumbered"].to_opcode) == (1, 7)
    assert by_kind["removed"].to_mnemonic == "REMOVED" and by_kind["removed"].breaking
    text = p.plan_summary(steps)
    assert text.startswith("Migration Plan: 2 steps") and "0x01 ADD -> 0x07 ADD" in text
    assert p.plan("1.0", "3.0") == []
    assert p.plan_summary([]).startswith("No migration steps needed")


def test_create_authority_and_quick_conflict_check():
    registry, detector, engine = create_authority()
    assert isinstance(registry, OpcodeRegistry) and detector.registry is registry and engine.registry is registry
    assert engine.strategy is ResolutionStrategy.VOTING
    conflicts = quick_conflict_check("py", python_vm(), "go", go_vm())
    assert {c.kind for c in conflicts} >= {"number-collision", "mnemonic-divergence"}
