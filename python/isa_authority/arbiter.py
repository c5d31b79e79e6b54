"""The original ``isa_authority.arbiter`` API, backed by the Rust core.

The names and shapes are those of the Python module this project replaces, so existing code
switches by installing this package. What happens behind them is the Rust core's: conflicts
are ``isa-authority check``'s, resolutions come from ``isa-authority arbitrate``'s one
consistent canonical table, hashes are ``isa_core::hash::table_hash``, diffs match
instructions by identity, and advertisements built from tables negotiate by the Rust
negotiator's rules. Python only converts data. Where the original was wrong, this module is
right; ``docs/python.md`` lists every difference with an example.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import time
from dataclasses import dataclass, field
from enum import IntEnum
from functools import cmp_to_key
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Set, Tuple, Union

from . import _native
from . import api as _api
from ._native import Advertisement, Table
from .errors import ArbitrationError, StoreError

__all__ = [
    "ConflictSeverity",
    "ResolutionStrategy",
    "OpcodeEntry",
    "ConflictRecord",
    "Resolution",
    "ISAVersion",
    "CapabilityAdvertisement",
    "MigrationStep",
    "OpcodeRegistry",
    "ConflictDetector",
    "ArbitrationEngine",
    "VersionNegotiator",
    "CanonicalISAStore",
    "MigrationPlanner",
    "create_authority",
    "quick_conflict_check",
]


# ─── Core types ──────────────────────────────────────────────────────────────────────────────


class ConflictSeverity(IntEnum):
    """Severity of a conflict (the Rust detector's four levels)."""

    INFO = 0
    WARNING = 1
    ERROR = 2
    CRITICAL = 3

    @classmethod
    def from_name(cls, name: str) -> "ConflictSeverity":
        """From the detector's lower-case name (``critical``, ``error``, …)."""
        return cls[name.upper()]


class ResolutionStrategy(IntEnum):
    """How conflicts are resolved. The values are the original's; ``OPTIMAL`` is new (the
    minimum total renumbering cost, the CLI's default)."""

    CONVERGED = 0
    OLDEST_WINS = 1
    VOTING = 2
    SPEC_AUTHORITY = 3
    LARGEST_IMPL = 4
    MANUAL = 5
    OPTIMAL = 6


# The Rust arbiter's strategy for each original strategy. CONVERGED resolves nothing (a
# conflict is by definition not converged); MANUAL applies the manual decisions and fills the
# rest of the canonical table by the optimal strategy, but only resolves what a decision covers.
_RUST_STRATEGY = {
    ResolutionStrategy.OLDEST_WINS: "oldest",
    ResolutionStrategy.VOTING: "voting",
    ResolutionStrategy.SPEC_AUTHORITY: "spec",
    ResolutionStrategy.LARGEST_IMPL: "largest",
    ResolutionStrategy.MANUAL: "optimal",
    ResolutionStrategy.OPTIMAL: "optimal",
}
_FROM_RUST = {
    "oldest": ResolutionStrategy.OLDEST_WINS,
    "voting": ResolutionStrategy.VOTING,
    "spec": ResolutionStrategy.SPEC_AUTHORITY,
    "largest": ResolutionStrategy.LARGEST_IMPL,
    "optimal": ResolutionStrategy.OPTIMAL,
    "manual": ResolutionStrategy.MANUAL,
}


def _hex(opcode: int) -> str:
    return f"0x{opcode:02X}"


@dataclass(frozen=True)
class OpcodeEntry:
    """One opcode definition from an implementation (frozen and hashable)."""

    opcode: int
    mnemonic: str
    format: str
    category: str
    description: str = ""
    source_impl: str = ""
    registered_at: float = 0.0

    def key(self) -> Tuple[int, str]:
        """``(opcode, mnemonic key)``: the mnemonic as every command compares it (trimmed and
        upper-cased), so ``add`` and ``ADD`` at one number are one key."""
        return (self.opcode, _native.mnemonic_keys([self.mnemonic])[0])


@dataclass
class Resolution:
    """How one conflict was resolved: where its instruction went in the canonical table."""

    strategy: ResolutionStrategy
    canonical_opcode: int
    canonical_mnemonic: str
    canonical_format: str
    canonical_category: str
    winning_implementation: str
    voters: Dict[str, int] = field(default_factory=dict)
    rationale: str = ""
    resolved_at: float = 0.0
    cost: float = 0.0
    decisions: List[Dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> Dict[str, Any]:
        """The original's shape (strategy by name, opcode in hex), plus category and cost."""
        return {
            "strategy": ResolutionStrategy(self.strategy).name,
            "canonical_opcode": _hex(self.canonical_opcode),
            "canonical_mnemonic": self.canonical_mnemonic,
            "canonical_format": self.canonical_format,
            "canonical_category": self.canonical_category,
            "winning_implementation": self.winning_implementation,
            "voters": dict(self.voters),
            "rationale": self.rationale,
            "cost": self.cost,
        }


@dataclass
class ConflictRecord:
    """One conflict found by the Rust detector. ``conflict_id`` is the detector's content hash
    (``NC-3f9a2c1b7e10``: the same conflict has the same id in every run); ``kind``, ``opcode``
    and ``mnemonic`` are the detector's (``opcode`` for per-number kinds, ``mnemonic`` — the
    comparison key — for per-mnemonic kinds)."""

    conflict_id: str = ""
    severity: ConflictSeverity = ConflictSeverity.INFO
    description: str = ""
    entries: List[OpcodeEntry] = field(default_factory=list)
    detected_at: float = 0.0
    resolved: bool = False
    resolution: Optional[Resolution] = None
    kind: str = ""
    opcode: Optional[int] = None
    mnemonic: Optional[str] = None
    implementations: List[str] = field(default_factory=list)
    locations: List[Optional[str]] = field(default_factory=list)


@dataclass
class ISAVersion:
    """A declared version of the ISA. ``entries`` is the by-number view; ``table`` the table
    itself; ``sha256`` its content hash (``sha256:…``, from the Rust core)."""

    version: str
    description: str
    opcode_count: int
    created_at: float = 0.0
    entries: Dict[int, OpcodeEntry] = field(default_factory=dict)
    sha256: str = ""
    table: Optional[Table] = field(default=None, repr=False, compare=False)

    def compute_hash(self) -> str:
        """The content hash of the version's table (``isa_core::hash::table_hash``), stored in
        ``sha256`` and returned."""
        table = self.table if self.table is not None else _table_from_entries(
            f"isa-{self.version}", list(self.entries.values())
        )
        self.sha256 = table.content_hash()
        return self.sha256


@dataclass
class MigrationStep:
    """One change existing code or bytecode must follow, by instruction identity. ``kind`` is
    the identity diff's (``renumbered``, ``removed``, ``format-changed``, ``renamed``,
    ``deprecated``, ``status-changed``); ``breaking`` is True when old bytecode misbehaves on
    the new version."""

    from_opcode: int
    from_mnemonic: str
    to_opcode: int
    to_mnemonic: str
    reason: str
    kind: str = ""
    breaking: bool = False


def _entry_tuple(op: OpcodeEntry) -> Tuple[Any, ...]:
    return (op.opcode, op.mnemonic, op.format, op.category, op.description)


def _table_from_entries(
    name: str, entries: Sequence[OpcodeEntry], registered: Optional[str] = None
) -> Table:
    return Table.from_entries(name, [_entry_tuple(e) for e in entries], registered=registered)


def _entries_of_table(table: Table, impl_name: str, registered_at: float) -> List[OpcodeEntry]:
    return [
        OpcodeEntry(
            opcode=e["opcode"],
            mnemonic=e["mnemonic"] or "",
            format=e["format"] or "",
            category=e["category"] or "",
            description=e["description"] or "",
            source_impl=impl_name,
            registered_at=registered_at,
        )
        for e in table.entries()
        if e["mnemonic"] is not None and not e["reserved"]
    ]


def _date_text(value: Union[None, str, float, _dt.date]) -> Optional[str]:
    if value is None:
        return None
    if isinstance(value, _dt.datetime):
        return value.date().isoformat()
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, (int, float)):
        return _dt.datetime.fromtimestamp(float(value), _dt.timezone.utc).date().isoformat()
    return str(value)


# ─── 1. Opcode registry ──────────────────────────────────────────────────────────────────────


class OpcodeRegistry:
    """Every implementation's opcode table, plus the canonical table once one is decided.

    Each implementation's entries are kept in full, duplicates included (a dictionary view by
    number can show only one of two entries at a number; the detector reports both).
    ``aliases`` (an alias file or ``{alias: canonical}``) merges spellings before comparison.
    """

    def __init__(self, *, aliases: _api.AliasesLike = None, scheme: str = "flux-unified") -> None:
        self.aliases = aliases
        self.scheme = scheme
        self._entries: Dict[str, List[OpcodeEntry]] = {}
        self._tables: Dict[str, Table] = {}
        # Location (file, line) of each native entry -> the OpcodeEntry it came from, so that
        # conflicts map back to the caller's objects.
        self._by_location: Dict[str, Dict[Tuple[str, int], OpcodeEntry]] = {}
        self._canonical: Dict[int, OpcodeEntry] = {}
        self._canonical_table: Optional[Table] = None
        self._generation = 0

    def register_implementation(
        self,
        impl_name: str,
        opcodes: Union[Iterable[OpcodeEntry], Table],
        *,
        registered: Union[None, str, float, _dt.date] = None,
    ) -> int:
        """Registers (or replaces) an implementation's table: a list of :class:`OpcodeEntry`,
        or a :class:`Table` (kept as is, with its file locations). ``registered`` (a date, an
        ISO date string or a POSIX time; default now) is what ``OLDEST_WINS`` ranks by.

        Returns the number of entries registered (duplicates count: none is dropped).
        """
        now = time.time()
        date = _date_text(registered if registered is not None else now)
        if isinstance(opcodes, Table):
            table = opcodes if opcodes.implementation == impl_name else opcodes.renamed(impl_name)
            entries = _entries_of_table(table, impl_name, now)
            locations = {}
            for native, entry in zip(
                (e for e in table.entries() if e["mnemonic"] is not None and not e["reserved"]),
                entries,
            ):
                locations[(native["file"] or "", native["line"] or 0)] = entry
        else:
            entries = [
                OpcodeEntry(
                    opcode=op.opcode,
                    mnemonic=op.mnemonic,
                    format=op.format,
                    category=op.category,
                    description=op.description,
                    source_impl=impl_name,
                    registered_at=now,
                )
                for op in opcodes
            ]
            table = Table.from_entries(
                impl_name, [_entry_tuple(e) for e in entries], registered=date
            )
            locations = {(impl_name, i + 1): e for i, e in enumerate(entries)}
        self._entries[impl_name] = entries
        self._tables[impl_name] = table
        self._by_location[impl_name] = locations
        self._generation += 1
        return len(entries)

    def get_implementation(self, name: str) -> Optional[Dict[int, OpcodeEntry]]:
        """An implementation's table by number (the first entry at each number), or None."""
        entries = self._entries.get(name)
        if entries is None:
            return None
        view: Dict[int, OpcodeEntry] = {}
        for e in entries:
            view.setdefault(e.opcode, e)
        return view

    def get_entries(self, name: str) -> Optional[List[OpcodeEntry]]:
        """Every entry of an implementation, in order, duplicates included."""
        entries = self._entries.get(name)
        return list(entries) if entries is not None else None

    def get_table(self, name: str) -> Optional[Table]:
        """An implementation's native table."""
        return self._tables.get(name)

    def tables(self) -> List[Table]:
        """Every implementation's native table, in registration order."""
        return list(self._tables.values())

    def list_implementations(self) -> List[str]:
        """The implementations, in registration order."""
        return list(self._entries)

    def get_canonical(self) -> Dict[int, OpcodeEntry]:
        """The canonical table by number (set by ``set_canonical`` or ``arbitrate_all``)."""
        return dict(self._canonical)

    @property
    def canonical_table(self) -> Optional[Table]:
        """The canonical table as a native :class:`Table`, once one is set."""
        return self._canonical_table

    def set_canonical(self, opcodes: Union[Mapping[int, OpcodeEntry], Table]) -> None:
        """Sets the canonical table (an authority decision): a by-number mapping or a Table."""
        if isinstance(opcodes, Table):
            table = opcodes
            entries = _entries_of_table(table, table.implementation, time.time())
            self._canonical = {}
            for e in entries:
                self._canonical.setdefault(e.opcode, e)
        else:
            self._canonical = dict(opcodes)
            table = _table_from_entries("canonical", list(self._canonical.values()))
        self._canonical_table = table

    def _keys(self, mnemonics: List[str]) -> List[str]:
        return list(_native.mnemonic_keys(mnemonics, _api._aliases(self.aliases)))

    def get_by_opcode(self, opcode: int) -> Dict[str, Optional[OpcodeEntry]]:
        """Each implementation's (first) entry at a number, or None."""
        return {
            name: next((e for e in entries if e.opcode == opcode), None)
            for name, entries in self._entries.items()
        }

    def get_by_mnemonic(self, mnemonic: str) -> Dict[str, Optional[OpcodeEntry]]:
        """Each implementation's (first) entry for a mnemonic, compared as every command
        compares them: case-insensitively and through the alias map."""
        want = self._keys([mnemonic])[0]
        out: Dict[str, Optional[OpcodeEntry]] = {}
        for name, entries in self._entries.items():
            keys = self._keys([e.mnemonic for e in entries])
            out[name] = next((e for e, k in zip(entries, keys) if k == want), None)
        return out

    def get_opcode_range(self, impl_name: str) -> Tuple[int, int]:
        """The lowest and highest number an implementation uses, ``(0, 0)`` when it has none."""
        entries = self._entries.get(impl_name) or []
        if not entries:
            return (0, 0)
        numbers = [e.opcode for e in entries]
        return (min(numbers), max(numbers))

    def impl_stats(self) -> Dict[str, Dict[str, Any]]:
        """Per implementation: ``opcode_count`` (entries), ``distinct_opcodes``, ``categories``
        and ``formats`` (counts), ``range``."""
        stats: Dict[str, Dict[str, Any]] = {}
        for name, entries in self._entries.items():
            categories: Dict[str, int] = {}
            formats: Dict[str, int] = {}
            for e in entries:
                categories[e.category] = categories.get(e.category, 0) + 1
                formats[e.format] = formats.get(e.format, 0) + 1
            stats[name] = {
                "opcode_count": len(entries),
                "distinct_opcodes": len({e.opcode for e in entries}),
                "categories": categories,
                "formats": formats,
                "range": self.get_opcode_range(name),
            }
        return stats


# ─── 2. Conflict detector ────────────────────────────────────────────────────────────────────


class ConflictDetector:
    """Every conflict among the registered implementations, found by the Rust detector: all of
    its kinds (duplicate-opcode, encoding-ambiguity, number-collision, mnemonic-divergence,
    format-mismatch, duplicate-mnemonic, alias-hint, unknown-format), N-way."""

    def __init__(self, registry: OpcodeRegistry) -> None:
        self.registry = registry

    def report(self) -> _api.Report:
        """The detector's full report (``to_json()`` is ``check --format json``)."""
        return _api.check(
            self.registry.tables(),
            aliases=self.registry.aliases,
            scheme=self.registry.scheme,
            fail_on="never",
        )

    def find_all_conflicts(self) -> List[ConflictRecord]:
        """Every conflict, most severe first, in the detector's deterministic order."""
        report = self.report()
        now = time.time()
        records = []
        for c in report.conflicts:
            entries = []
            locations: List[Optional[str]] = []
            for e in c.entries:
                entry = None
                if e.location is not None:
                    entry = self.registry._by_location.get(e.implementation, {}).get(
                        (e.location.file, e.location.line)
                    )
                if entry is None:
                    entry = OpcodeEntry(
                        opcode=e.opcode,
                        mnemonic=e.mnemonic or "",
                        format=e.format or "",
                        category="",
                        source_impl=e.implementation,
                    )
                entries.append(entry)
                locations.append(str(e.location) if e.location is not None else None)
            records.append(
                ConflictRecord(
                    conflict_id=c.id,
                    severity=ConflictSeverity.from_name(c.severity),
                    description=c.message,
                    entries=entries,
                    detected_at=now,
                    kind=c.kind,
                    opcode=c.opcode,
                    mnemonic=c.mnemonic,
                    implementations=list(c.implementations),
                    locations=locations,
                )
            )
        return records

    # The original's README calls it find_conflicts; its code, find_all_conflicts.
    find_conflicts = find_all_conflicts

    def summary(self, conflicts: Optional[List[ConflictRecord]] = None) -> str:
        """A readable summary: counts by severity and kind, then one line per conflict."""
        if conflicts is None:
            conflicts = self.find_all_conflicts()
        by_severity = {s: 0 for s in ConflictSeverity}
        by_kind: Dict[str, int] = {}
        for c in conflicts:
            by_severity[ConflictSeverity(c.severity)] += 1
            by_kind[c.kind] = by_kind.get(c.kind, 0) + 1
        lines = [
            "ISA Conflict Detection Report",
            f"  Implementations scanned: {len(self.registry.list_implementations())}",
            f"  Total conflicts: {len(conflicts)}",
        ]
        for s in sorted(ConflictSeverity, reverse=True):
            lines.append(f"    {s.name}: {by_severity[s]}")
        for kind in sorted(by_kind):
            lines.append(f"    {kind}: {by_kind[kind]}")
        for c in conflicts:
            lines.append(
                f"  [{ConflictSeverity(c.severity).name}] {c.kind} {c.conflict_id}: {c.description}"
            )
        return "\n".join(lines)


# ─── 3. Arbitration engine ───────────────────────────────────────────────────────────────────


class ArbitrationEngine:
    """Resolves conflicts with the Rust arbiter, which decides one consistent canonical table
    for all registered implementations at once; each conflict's resolution is where its
    instruction went in that table, with the arbiter's rationale.

    ``weights`` (implementation → weight) count in ``VOTING`` and ``OPTIMAL``; ``spec`` names
    the authoritative implementation for ``SPEC_AUTHORITY``; ``decisions`` are the manual
    decisions for ``MANUAL`` (dicts with ``mnemonic``, ``opcode``, optional ``rationale``, or a
    decisions file); ``usage`` gives usage counts per implementation and opcode.
    """

    def __init__(
        self,
        registry: OpcodeRegistry,
        strategy: ResolutionStrategy = ResolutionStrategy.VOTING,
        weights: Optional[Dict[str, float]] = None,
        *,
        spec: Optional[str] = None,
        decisions: Union[None, str, "os.PathLike[str]", Sequence[Mapping[str, Any]]] = None,
        usage: Optional[Mapping[str, Mapping[Union[int, str], int]]] = None,
    ) -> None:
        self.registry = registry
        self.strategy = ResolutionStrategy(strategy)
        self.weights = dict(weights or {})
        self.spec = spec
        self.decisions = decisions
        self.usage = usage
        self._cache: Optional[Tuple[Any, _api.Outcome]] = None

    def outcome(self) -> _api.Outcome:
        """The Rust arbiter's outcome for the registry as it is now (cached until the registry
        or the engine's settings change)."""
        if self.strategy == ResolutionStrategy.CONVERGED:
            raise ArbitrationError(
                "CONVERGED resolves no conflict: it is the state where all implementations agree; "
                "choose a strategy (VOTING, OPTIMAL, OLDEST_WINS, LARGEST_IMPL, SPEC_AUTHORITY, MANUAL)"
            )
        if self.strategy == ResolutionStrategy.MANUAL and not self.decisions:
            raise ArbitrationError("MANUAL needs manual decisions (decisions=[...])")
        state = (
            self.registry._generation,
            id(self.registry),
            self.strategy,
            tuple(sorted(self.weights.items())),
            self.spec,
            repr(self.decisions),
            repr(self.usage),
        )
        if self._cache is not None and self._cache[0] == state:
            return self._cache[1]
        decisions = self.decisions if self.strategy == ResolutionStrategy.MANUAL else None
        outcome = _api.arbitrate(
            self.registry.tables(),
            _RUST_STRATEGY[self.strategy],
            weights=self.weights or None,
            spec=self.spec,
            decisions=decisions,
            usage=self.usage,
            aliases=self.registry.aliases,
            scheme=self.registry.scheme,
        )
        self._cache = (state, outcome)
        return outcome

    def _resolve(self, conflict: ConflictRecord, outcome: _api.Outcome) -> Resolution:
        if conflict.kind in ("alias-hint", "unknown-format"):
            raise ArbitrationError(
                f"{conflict.kind} {conflict.conflict_id} is an info finding, not a numbering "
                "conflict: arbitration does not decide it"
                + (" (declare an alias if the two spellings are one instruction)"
                   if conflict.kind == "alias-hint" else "")
            )
        registry = self.registry
        names = [e.mnemonic for e in conflict.entries if e.mnemonic]
        keys = sorted(set(registry._keys(names)))
        if not keys:
            raise ArbitrationError(f"{conflict.conflict_id}: no instruction to arbitrate")
        canonical = outcome.canonical
        placed: Dict[str, Dict[str, Any]] = {}
        rows = [e for e in canonical.entries() if e["mnemonic"] is not None and not e["reserved"]]
        for row, key in zip(rows, registry._keys([r["mnemonic"] for r in rows])):
            placed.setdefault(key, row)
        decided = {
            key: d
            for d, key in zip(outcome.decisions, registry._keys([d.mnemonic for d in outcome.decisions]))
        }
        if conflict.opcode is not None:
            at_number = [k for k in keys if k in placed and placed[k]["opcode"] == conflict.opcode]
            primary = at_number[0] if at_number else keys[0]
        else:
            primary = conflict.mnemonic if conflict.mnemonic in keys else keys[0]
        row = placed.get(primary)
        if row is None:
            raise ArbitrationError(f"{conflict.conflict_id}: {primary} is not in the canonical table")
        decision = decided.get(primary)
        if self.strategy == ResolutionStrategy.MANUAL and (
            decision is None or decision.strategy != "manual"
        ):
            raise ArbitrationError(
                f"{conflict.conflict_id}: no manual decision covers {primary} ({conflict.description})"
            )
        related = [
            {
                "mnemonic": d.mnemonic,
                "opcode": d.opcode,
                "strategy": d.strategy,
                "winner": d.winner,
                "votes": dict(d.votes),
                "rationale": d.rationale,
                "cost": d.cost,
                "layout": d.layout,
            }
            for k, d in sorted(decided.items())
            if k in keys
        ]
        if decision is not None:
            strategy = _FROM_RUST.get(decision.strategy, self.strategy)
            winner = decision.winner or ("manual" if decision.strategy == "manual" else "")
            voters = dict(decision.votes)
            rationale = decision.rationale
            cost = decision.cost
        else:
            # The arbiter recorded no decision: every implementation already agrees on it.
            strategy = ResolutionStrategy.CONVERGED
            winner = ""
            voters = {
                e.source_impl: e.opcode
                for e, k in zip(conflict.entries, registry._keys([e.mnemonic for e in conflict.entries]))
                if k == primary
            }
            rationale = f"{row['mnemonic']} keeps {_hex(row['opcode'])}: every implementation that has it agrees"
            cost = 0.0
        return Resolution(
            strategy=strategy,
            canonical_opcode=row["opcode"],
            canonical_mnemonic=row["mnemonic"],
            canonical_format=row["format"] or "",
            canonical_category=row["category"] or "",
            winning_implementation=winner,
            voters=voters,
            rationale=rationale,
            resolved_at=time.time(),
            cost=cost,
            decisions=related,
        )

    def arbitrate(self, conflict: ConflictRecord) -> Resolution:
        """The resolution of one conflict: where its instruction went in the canonical table
        (for a number collision, the instruction that keeps or gets that number). Raises
        :class:`ArbitrationError` when the strategy cannot resolve it."""
        if not conflict.entries:
            raise ArbitrationError(f"{conflict.conflict_id or 'conflict'}: no entries to arbitrate")
        return self._resolve(conflict, self.outcome())

    def arbitrate_all(
        self, conflicts: List[ConflictRecord]
    ) -> Tuple[List[Resolution], List[ConflictRecord]]:
        """Resolves every conflict; returns ``(resolutions, unresolved)``. Each resolved record
        gets ``resolved`` and ``resolution``. When nothing is left unresolved, the registry's
        canonical table becomes the arbiter's consistent table (with ``CONVERGED``, only when
        there is no conflict at all)."""
        resolutions: List[Resolution] = []
        unresolved: List[ConflictRecord] = []
        if self.strategy == ResolutionStrategy.CONVERGED:
            if not conflicts:
                # Nothing disagrees, so every strategy gives the same table.
                outcome = _api.arbitrate(
                    self.registry.tables(), "voting",
                    aliases=self.registry.aliases, scheme=self.registry.scheme,
                )
                self.registry.set_canonical(outcome.canonical)
            return resolutions, list(conflicts)
        outcome = self.outcome()
        for conflict in conflicts:
            try:
                res = self._resolve(conflict, outcome)
            except ArbitrationError:
                unresolved.append(conflict)
                continue
            conflict.resolved = True
            conflict.resolution = res
            resolutions.append(res)
        if not unresolved or all(c.kind in ("alias-hint", "unknown-format") for c in unresolved):
            self.registry.set_canonical(outcome.canonical)
        return resolutions, unresolved


# ─── 4. Version negotiator ───────────────────────────────────────────────────────────────────


def _version_cmp(a: str, b: str) -> Optional[int]:
    try:
        return _api.compare_versions(a, b)
    except Exception:  # not version labels
        return None


@dataclass
class CapabilityAdvertisement:
    """What an implementation says about itself. Built by hand (the original's set-based
    form) it compares formats and categories; built with :meth:`from_table` it carries the
    Rust advertisement and negotiates by the Rust negotiator's full rules."""

    impl_name: str
    isa_version: str
    opcode_count: int
    supported_formats: Set[str]
    supported_categories: Set[str]
    max_register: int = 31
    features: List[str] = field(default_factory=list)
    advertisement: Optional[Advertisement] = field(default=None, repr=False, compare=False)

    @classmethod
    def from_table(
        cls,
        table: _api.TableLike,
        *,
        isa_version: Optional[str] = None,
        max_register: Optional[int] = None,
        groups: Optional[_api.PathLike] = None,
        store: Optional[_api.PathLike] = None,
    ) -> "CapabilityAdvertisement":
        """The advertisement ``isa-authority advertise`` builds for a table (a Table or a
        path); ``isa_version`` overrides the table's own label."""
        t = _api._table(table)
        registers = max_register + 1 if max_register is not None else 0
        ad = _api.advertise(t, isa_version=isa_version, groups=groups, registers=registers, store=store)
        categories = {e["category"] for e in t.entries() if e["category"]}
        versions = ad.versions
        return cls(
            impl_name=ad.implementation,
            isa_version=versions[-1][0] if versions else "",
            opcode_count=len(ad),
            supported_formats=set(ad.formats),
            supported_categories=categories,
            max_register=max_register if max_register is not None else 31,
            features=list(ad.features),
            advertisement=ad,
        )

    def _native_pair(self, other: "CapabilityAdvertisement") -> bool:
        return self.advertisement is not None and other.advertisement is not None

    def compatible_with(self, other: "CapabilityAdvertisement") -> bool:
        """Advertisements from tables: the Rust negotiator's verdict (a common version with
        matching hashes). Set-based ones: the same supported formats, as in the original."""
        if self._native_pair(other):
            return _api.negotiate(self.advertisement, other.advertisement).compatible  # type: ignore[arg-type]
        return self.supported_formats == other.supported_formats

    def compatibility_score(self, other: "CapabilityAdvertisement") -> float:
        """0.0–1.0. From tables: the share of instructions both can use (Rust's usable set)
        of the larger advertisement. Set-based: the mean overlap of formats and of categories,
        where two empty sets agree fully (identical advertisements score 1.0)."""
        if self._native_pair(other):
            a, b = self.advertisement, other.advertisement
            largest = max(len(a), len(b))  # type: ignore[arg-type]
            if largest == 0:
                return 1.0
            return _native.usable_count(a, b) / largest

        def overlap(x: Set[str], y: Set[str]) -> float:
            union = x | y
            return 1.0 if not union else len(x & y) / len(union)

        return (
            overlap(self.supported_formats, other.supported_formats)
            + overlap(self.supported_categories, other.supported_categories)
        ) / 2


class VersionNegotiator:
    """Advertisements by implementation, and negotiation between two of them."""

    def __init__(self) -> None:
        self._advertisements: Dict[str, CapabilityAdvertisement] = {}

    def advertise(self, caps: CapabilityAdvertisement) -> None:
        """Registers (or replaces) an implementation's advertisement."""
        self._advertisements[caps.impl_name] = caps

    def get_advertisement(self, impl_name: str) -> Optional[CapabilityAdvertisement]:
        """An implementation's advertisement, or None."""
        return self._advertisements.get(impl_name)

    def agreement(self, impl_a: str, impl_b: str) -> Optional[_api.Agreement]:
        """The Rust negotiator's full agreement (with its reasons) for two advertisements
        built from tables; None when either is missing or set-based."""
        a, b = self._advertisements.get(impl_a), self._advertisements.get(impl_b)
        if a is None or b is None or a.advertisement is None or b.advertisement is None:
            return None
        return _api.negotiate(a.advertisement, b.advertisement)

    def negotiate(self, impl_a: str, impl_b: str) -> Optional[Dict[str, Any]]:
        """A common ISA for two implementations, or None when they cannot agree.

        From tables: the Rust negotiation (highest common version whose hashes match, usable
        instructions, features); None when it finds no common version. Set-based: the
        original's rule (score at least 0.5), with the lower version chosen by version order.
        """
        a, b = self._advertisements.get(impl_a), self._advertisements.get(impl_b)
        if a is None or b is None:
            return None
        score = a.compatibility_score(b)
        common_formats = sorted(a.supported_formats & b.supported_formats)
        common_categories = sorted(a.supported_categories & b.supported_categories)
        if a._native_pair(b):
            agreed = _api.negotiate(a.advertisement, b.advertisement)  # type: ignore[arg-type]
            if not agreed.compatible:
                return None
            return {
                "compatible": True,
                "score": round(score, 3),
                "common_formats": common_formats,
                "common_categories": common_categories,
                "suggested_version": agreed.version,
                "limitations": list(agreed.reasons),
                "features": list(agreed.features),
                "usable_opcodes": agreed.usable_opcodes,
                "agreement": agreed.to_dict(),
            }
        if score < 0.5:
            return None
        limitations = []
        a_only = a.supported_categories - b.supported_categories
        b_only = b.supported_categories - a.supported_categories
        if a_only:
            limitations.append(f"{a.impl_name}-only categories: {sorted(a_only)}")
        if b_only:
            limitations.append(f"{b.impl_name}-only categories: {sorted(b_only)}")
        order = _version_cmp(a.isa_version, b.isa_version)
        if order is None:
            suggested: Optional[str] = a.isa_version if a.isa_version == b.isa_version else None
            if suggested is None:
                limitations.append(
                    f"cannot order the version labels {a.isa_version!r} and {b.isa_version!r}"
                )
        else:
            suggested = a.isa_version if order <= 0 else b.isa_version
        return {
            "compatible": True,
            "score": round(score, 3),
            "common_formats": common_formats,
            "common_categories": common_categories,
            "suggested_version": suggested,
            "limitations": limitations,
        }

    def fleet_compatibility_matrix(self) -> Dict[str, Dict[str, float]]:
        """Every pair's compatibility score."""
        ads = self._advertisements
        return {a: {b: ads[a].compatibility_score(ads[b]) for b in ads} for a in ads}


# ─── 5. Canonical ISA store ──────────────────────────────────────────────────────────────────


def _version_view(version: str, description: str, table: Table, created_at: float) -> ISAVersion:
    rows = [e for e in table.entries() if e["mnemonic"] is not None and not e["reserved"]]
    entries: Dict[int, OpcodeEntry] = {}
    for e in _entries_of_table(table, table.implementation, created_at):
        entries.setdefault(e.opcode, e)
    return ISAVersion(
        version=version,
        description=description,
        opcode_count=len(rows),
        created_at=created_at,
        entries=entries,
        sha256=table.content_hash(),
        table=table,
    )


def _changes_view(v1: str, v2: str, doc: Mapping[str, Any]) -> Dict[str, Any]:
    """The original's diff keys (numbers added/removed, changes by old number) over an
    identity diff, plus the diff itself."""
    changes = doc["changes"]
    added = sorted(c["to"] for c in changes if c["kind"] == "added" and c["to"] is not None)
    removed = sorted(c["from"] for c in changes if c["kind"] == "removed" and c["from"] is not None)
    changed: Dict[str, Any] = {}
    for c in sorted(
        (c for c in changes if c["kind"] not in ("added", "removed")),
        key=lambda c: (c["from"] if c["from"] is not None else -1, c["mnemonic"]),
    ):
        key = _hex(c["from"]) if c["from"] is not None else c["mnemonic"]
        changed[key] = {
            "kind": c["kind"],
            "from": {"opcode": c["from"], "mnemonic": c.get("previous") or c["mnemonic"]},
            "to": {"opcode": c["to"], "mnemonic": c["mnemonic"]},
            "detail": c["detail"],
        }
    return {
        "version_a": v1,
        "version_b": v2,
        "added": added,
        "removed": removed,
        "changed": changed,
        "summary": f"{len(added)} added, {len(removed)} removed, {len(changed)} changed",
        "changes": changes,
        "compatibility": doc["compatibility"],
    }


class CanonicalISAStore:
    """Declared ISA versions. ``CanonicalISAStore()`` keeps them in memory, as the original
    did; ``CanonicalISAStore.open(path)`` is the signed on-disk store (``isa-authority init``,
    ``propose``, ``approve``, ``declare``), where every version is approved by a quorum of
    maintainers and the history is a verified hash chain."""

    def __init__(self) -> None:
        self._versions: List[ISAVersion] = []
        self._current: Optional[ISAVersion] = None
        self._store: Optional[Any] = None

    @classmethod
    def open(cls, path: _api.PathLike) -> "CanonicalISAStore":
        """The signed store at ``path`` (raises :class:`StoreError` when there is none)."""
        store = cls()
        store._store = _native.Store.open(os.fspath(path))
        return store

    @classmethod
    def init(
        cls, path: _api.PathLike, maintainers: Mapping[str, _api.PathLike], quorum: int
    ) -> "CanonicalISAStore":
        """Starts a signed store: ``maintainers`` maps names to public key files."""
        store = cls()
        store._store = _native.Store.init(
            os.fspath(path), [(n, os.fspath(p)) for n, p in maintainers.items()], quorum
        )
        return store

    @property
    def signed(self) -> bool:
        """True for the on-disk store."""
        return self._store is not None

    def _require_signed(self, what: str) -> Any:
        if self._store is None:
            raise StoreError(f"{what} needs the signed store (CanonicalISAStore.open(path))")
        return self._store

    # -- in memory and on disk ---------------------------------------------------------------

    def declare(
        self,
        version: str,
        description: str = "",
        opcodes: Union[None, Mapping[int, OpcodeEntry], Iterable[OpcodeEntry], Table] = None,
    ) -> ISAVersion:
        """In memory: declares ``opcodes`` (a by-number mapping, a list of entries or a Table)
        as ``version``. On disk: ``declare(proposal_id)`` appends an approved proposal.

        A table whose bytecode cannot be decoded (two instructions at one number) is refused
        with :class:`UndecodableError`, as the signed store refuses it; a version label that is
        already declared (compared as versions: ``v1.0`` is ``1.0.0``) is refused too.
        """
        if self._store is not None:
            if opcodes is not None or description:
                raise TypeError("the signed store declares a proposal: declare(proposal_id)")
            doc = _json(self._store.declare(version))
            table = self._store.show(doc["version"])
            return _version_view(doc["version"], doc["message"], table, time.time())
        if opcodes is None:
            raise TypeError("declare(version, description, opcodes) needs the opcodes")
        if self.get_version(version) is not None:
            raise StoreError(f"version {version} is already declared")
        if isinstance(opcodes, Table):
            table = opcodes
        else:
            entries = list(opcodes.values()) if isinstance(opcodes, Mapping) else list(opcodes)
            table = _table_from_entries(f"isa-{version}", entries)
        _native.require_decodable(table, f"version {version}")
        isa = _version_view(version, description, table, time.time())
        self._versions.append(isa)
        self._current = isa
        return isa

    def get_current(self) -> Optional[ISAVersion]:
        """The latest declared version."""
        if self._store is not None:
            return self.get_version("latest")
        return self._current

    def get_version(self, version: str) -> Optional[ISAVersion]:
        """A declared version by label (``1.0.0``, ``v1.0``; ``latest`` on disk), or None."""
        if self._store is not None:
            versions = self._log()
            if not versions:
                return None
            wanted = versions[-1] if version == "latest" else next(
                (v for v in versions if _version_cmp(v["version"], version) == 0), None
            )
            if wanted is None:
                return None
            table = self._store.show(wanted["version"])
            return _version_view(wanted["version"], wanted["message"], table, 0.0)
        for v in self._versions:
            if v.version == version:
                return v
        for v in self._versions:
            if _version_cmp(v.version, version) == 0:
                return v
        return None

    def list_versions(self) -> List[str]:
        """Declared version labels, in declaration order."""
        if self._store is not None:
            return [v["version"] for v in self._log()]
        return [v.version for v in self._versions]

    def diff(self, v1: str, v2: str) -> Dict[str, Any]:
        """Compares two versions by instruction identity (a renumbered instruction is one
        change, not a removal plus an addition; on disk, declared renames are followed).
        Returns the original's keys (``added``, ``removed``, ``changed``, ``summary``) plus
        ``changes`` and ``compatibility``, or ``{"error": ...}`` for an unknown version."""
        a, b = self.get_version(v1), self.get_version(v2)
        if a is None or b is None:
            return {"error": "Version not found"}
        if self._store is not None:
            doc = _json(self._store.diff(a.version, b.version))
        else:
            assert a.table is not None and b.table is not None
            doc = _api.diff(a.table, b.table)
        return _changes_view(v1, v2, doc)

    # -- on disk only -----------------------------------------------------------------------

    def _log(self) -> List[Dict[str, Any]]:
        return list(_json(self._store.log())["versions"])  # type: ignore[union-attr]

    def log(self) -> Dict[str, Any]:
        """``log --format json``: the declared versions (oldest first) and the head hash."""
        return _json(self._require_signed("log").log())

    def propose(
        self,
        table: _api.TableLike,
        version: str,
        *,
        message: str = "",
        renames: Optional[Mapping[str, str]] = None,
        overrides: Optional[Mapping[int, str]] = None,
    ) -> str:
        """Proposes a table as the next version; returns the proposal id (``sha256:…``)."""
        store = self._require_signed("propose")
        return str(
            store.propose(
                _api._table(table),
                version,
                message=message,
                renames=list((renames or {}).items()),
                overrides=list((overrides or {}).items()),
            )
        )

    def approve(self, proposal_id: str, key_file: _api.PathLike) -> Dict[str, Any]:
        """Signs a proposal with a maintainer's secret key file (refused when others can read
        it); returns ``{"id", "maintainer", "approved_by", "missing"}``."""
        return _json(self._require_signed("approve").approve(proposal_id, os.fspath(key_file)))

    def status(self, proposal_id: str) -> Dict[str, Any]:
        """A proposal's approvals and what is still missing."""
        return _json(self._require_signed("status").status(proposal_id))

    def verify(self) -> Dict[str, Any]:
        """``verify --format json``: every hash, link and signature recomputed."""
        return _json(self._require_signed("verify").verify())


def _json(text: str) -> Dict[str, Any]:
    return dict(json.loads(text))


# ─── 6. Migration planner ────────────────────────────────────────────────────────────────────


class MigrationPlanner:
    """Migration steps between two declared versions, by instruction identity."""

    def __init__(self, store: CanonicalISAStore) -> None:
        self.store = store

    def plan(self, from_version: str, to_version: str) -> List[MigrationStep]:
        """Every change existing code must follow (additions need nothing and are left out);
        empty when either version is unknown, as in the original."""
        diff = self.store.diff(from_version, to_version)
        if "error" in diff:
            return []
        steps = []
        for c in diff["changes"]:
            kind = c["kind"]
            if kind == "added":
                continue
            old = c["from"] if c["from"] is not None else c["to"]
            new = c["to"] if c["to"] is not None else old
            steps.append(
                MigrationStep(
                    from_opcode=old,
                    from_mnemonic=c.get("previous") or c["mnemonic"],
                    to_opcode=new,
                    to_mnemonic="REMOVED" if kind == "removed" else c["mnemonic"],
                    reason=c["detail"],
                    kind=kind,
                    breaking=bool(c["breaking"]),
                )
            )
        return steps

    def plan_summary(self, steps: List[MigrationStep]) -> str:
        """A readable plan, one line per step."""
        if not steps:
            return "No migration steps needed — ISA versions are compatible."
        lines = [f"Migration Plan: {len(steps)} steps"]
        for i, s in enumerate(steps, 1):
            lines.append(
                f"  {i}. {_hex(s.from_opcode)} {s.from_mnemonic} -> "
                f"{_hex(s.to_opcode)} {s.to_mnemonic}: {s.reason}"
            )
        return "\n".join(lines)


# ─── Convenience functions ───────────────────────────────────────────────────────────────────


def create_authority() -> Tuple[OpcodeRegistry, ConflictDetector, ArbitrationEngine]:
    """A registry with a detector and a (voting) arbitration engine over it."""
    registry = OpcodeRegistry()
    return registry, ConflictDetector(registry), ArbitrationEngine(registry)


def quick_conflict_check(
    impl_a: str,
    opcodes_a: List[OpcodeEntry],
    impl_b: str,
    opcodes_b: List[OpcodeEntry],
) -> List[ConflictRecord]:
    """Every conflict between two implementations' entries."""
    registry = OpcodeRegistry()
    registry.register_implementation(impl_a, opcodes_a)
    registry.register_implementation(impl_b, opcodes_b)
    return ConflictDetector(registry).find_all_conflicts()


# Version labels sort by version order wherever this module sorts them.
version_sort_key = cmp_to_key(lambda a, b: _api.compare_versions(a, b))
