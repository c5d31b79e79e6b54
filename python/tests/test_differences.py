"""Each documented difference from the original (docs/python.md, "Where the original was
wrong"), one test each, in the document's order."""

from __future__ import annotations

import pytest

from isa_authority import (
    ArbitrationEngine,
    CanonicalISAStore,
    CapabilityAdvertisement,
    ConflictDetector,
    OpcodeEntry as E,
    OpcodeRegistry,
    ResolutionStrategy,
    VersionNegotiator,
)
from isa_authority.errors import ArbitrationError


def detect(**tables):
    r = OpcodeRegistry()
    for name, entries in tables.items():
        r.register_implementation(name, entries)
    return r, ConflictDetector(r).find_all_conflicts()


def test_1_duplicate_opcodes_are_kept_and_reported():
    r, conflicts = detect(vm=[E(0x0A, "IMUL", "E", "arith"), E(0x0A, "IMOD", "E", "arith")])
    assert len(r.get_entries("vm")) == 2
    assert r.get_implementation("vm")[0x0A].mnemonic == "IMUL"  # the dict view shows the first
    dup = [c for c in conflicts if c.kind == "duplicate-opcode"]
    assert len(dup) == 1 and {e.mnemonic for e in dup[0].entries} == {"IMUL", "IMOD"}


def test_2_mnemonics_compare_case_insensitively():
    _, conflicts = detect(a=[E(1, "add", "E", "arith")], b=[E(1, "ADD", "E", "arith")])
    assert conflicts == []


def test_3_conflict_ids_come_from_content_not_the_clock():
    _, first = detect(a=[E(0, "HALT", "A", "s")], b=[E(0, "NOP", "A", "s")])
    _, second = detect(b=[E(0, "NOP", "A", "s")], a=[E(0, "HALT", "A", "s")])
    assert [c.conflict_id for c in first] == [c.conflict_id for c in second]
    assert first[0].conflict_id.startswith("NC-")


def test_4_each_strategy_runs_itself_not_oldest_wins():
    r, conflicts = detect(old=[E(0, "HALT", "A", "s"), E(1, "NOP", "A", "s")],
                          spec=[E(0, "NOP", "A", "s"), E(1, "HALT", "A", "s"), E(2, "ADD", "E", "a")])
    nc = next(c for c in conflicts if c.kind == "number-collision" and c.opcode == 0)
    res = ArbitrationEngine(r, ResolutionStrategy.SPEC_AUTHORITY, spec="spec").arbitrate(nc)
    assert res.strategy is ResolutionStrategy.SPEC_AUTHORITY and res.canonical_mnemonic == "NOP"
    with pytest.raises(ArbitrationError):
        ArbitrationEngine(r, ResolutionStrategy.CONVERGED).arbitrate(nc)
    with pytest.raises(ArbitrationError):
        ArbitrationEngine(r, ResolutionStrategy.MANUAL).arbitrate(nc)


def test_5_weights_count_on_number_collisions():
    tables = dict(a=[E(0, "HALT", "A", "s")], b=[E(0, "NOP", "A", "s")], c=[E(0, "NOP", "A", "s")])
    r, conflicts = detect(**tables)
    nc = next(c for c in conflicts if c.kind == "number-collision")
    assert ArbitrationEngine(r).arbitrate(nc).canonical_mnemonic == "NOP"
    heavy = ArbitrationEngine(r, ResolutionStrategy.VOTING, weights={"a": 5}).arbitrate(nc)
    assert heavy.canonical_mnemonic == "HALT" and heavy.winning_implementation == "a"


def test_6_arbitration_builds_one_consistent_canonical_table():
    r, conflicts = detect(a=[E(0, "HALT", "A", "s"), E(1, "NOP", "A", "s")],
                          b=[E(0, "NOP", "A", "s"), E(1, "HALT", "A", "s")])
    ArbitrationEngine(r).arbitrate_all(conflicts)
    canonical = r.get_canonical()
    assert sorted(e.mnemonic for e in canonical.values()) == ["HALT", "NOP"]
    assert len(canonical) == 2


def test_7_the_lower_version_is_chosen_by_version_order():
    n = VersionNegotiator()
    n.advertise(CapabilityAdvertisement("a", "v10", 1, {"A"}, {"s"}))
    n.advertise(CapabilityAdvertisement("b", "v9", 1, {"A"}, {"s"}))
    assert n.negotiate("a", "b")["suggested_version"] == "v9"  # the original said "v10"
    n.advertise(CapabilityAdvertisement("c", "2.0", 1, {"A"}, {"s"}))
    n.advertise(CapabilityAdvertisement("d", "v1", 1, {"A"}, {"s"}))
    assert n.negotiate("c", "d")["suggested_version"] == "v1"


def test_8_identical_advertisements_without_categories_score_one():
    a = CapabilityAdvertisement("a", "1.0", 3, {"A", "E"}, set())
    assert a.compatibility_score(CapabilityAdvertisement("b", "1.0", 3, {"A", "E"}, set())) == 1.0


def test_9_a_renumbered_instruction_is_one_change():
    s = CanonicalISAStore()
    s.declare("1.0", "", [E(0, "HALT", "A", "s"), E(1, "ADD", "E", "a")])
    s.declare("1.1", "", [E(0, "HALT", "A", "s"), E(9, "ADD", "E", "a")])
    d = s.diff("1.0", "1.1")
    assert d["added"] == [] and d["removed"] == []
    assert d["changed"] == {"0x01": {"kind": "renumbered", "from": {"opcode": 1, "mnemonic": "ADD"},
                                     "to": {"opcode": 9, "mnemonic": "ADD"},
                                     "detail": d["changes"][0]["detail"]}}


def test_10_version_labels_the_original_wrote_are_accepted():
    s = CanonicalISAStore()
    s.declare("v1.0", "", [E(0, "HALT", "A", "s")])
    s.declare("2.0", "", [E(0, "HALT", "A", "s")])
    s.declare("v3", "", [E(0, "HALT", "A", "s")])
    assert s.get_version("1.0.0").version == "v1.0" and s.get_version("v2").version == "2.0"
    assert s.get_version("3.0.0").version == "v3"


def test_11_every_conflict_kind_is_found_even_in_one_table():
    _, conflicts = detect(solo=[E(0, "NOP", "A", "s"), E(0, "HALT", "A", "s"), E(1, "ADD", "E", "a"), E(2, "ADD", "E", "a")])
    assert {c.kind for c in conflicts} == {"duplicate-opcode", "duplicate-mnemonic"}


def test_12_format_mismatch_compares_layouts_not_letters():
    # Letter B under FLUX unified is [op][rd]; a size of 2 bytes says the same.
    _, conflicts = detect(a=[E(1, "INC", "B", "a")], b=[E(1, "INC", "E", "a")])
    assert [c.kind for c in conflicts] == ["format-mismatch"]
    _, none = detect(a=[E(1, "INC", "X", "a")], b=[E(1, "INC", "Y", "a")])
    assert all(c.kind != "format-mismatch" for c in none)  # unknown letters contradict nothing
