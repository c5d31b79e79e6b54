"""The Pythonic layer: the isa-authority commands as functions.

Each function does what the command of the same name does, in the Rust core, and returns
Python values; ``to_json()`` on a result gives exactly the document the command prints with
``--format json``. Tables can be given as :class:`Table` objects or as paths (``.json``,
``.toml``, directories of them, or source files, which are scanned on the fly as ``check``
does). Long calls release the GIL, so threads can run them in parallel.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, Iterator, List, Mapping, Optional, Sequence, Tuple, Union

from . import _native
from ._native import Advertisement, Table
from .errors import LoadError

__all__ = [
    "Table",
    "Advertisement",
    "Location",
    "ConflictEntry",
    "Conflict",
    "Report",
    "Decision",
    "Outcome",
    "ScannedTable",
    "ScanResult",
    "Agreement",
    "Translation",
    "load_table",
    "load_tables",
    "check",
    "arbitrate",
    "scan",
    "translate",
    "translate_with_summary",
    "gen",
    "advertise",
    "read_advertisement",
    "negotiate",
    "diff",
    "migrate_plan",
    "parse_version",
    "compare_versions",
    "content_hash",
]

PathLike = Union[str, "os.PathLike[str]"]
TableLike = Union[Table, PathLike]
AliasesLike = Union[None, PathLike, Mapping[str, str]]

_TABLE_SUFFIXES = (".json", ".toml")


def _is_path(value: Any) -> bool:
    return isinstance(value, (str, os.PathLike))


def _aliases(aliases: AliasesLike) -> Any:
    if aliases is None or isinstance(aliases, Mapping):
        return aliases
    return os.fspath(aliases)


def load_table(path: PathLike) -> Table:
    """Reads one table: a ``.json`` interchange or ``.toml`` file, ``-`` for standard input, or
    a source file holding exactly one opcode table (scanned as ``check`` scans it).

    Raises :class:`LoadError` naming the file, line and column of the first problem.
    """
    text = os.fspath(path)
    if text == "-" or text.lower().endswith(_TABLE_SUFFIXES):
        return _native.load_table(text)
    tables = _native.load_tables([text])
    if len(tables) != 1:
        raise LoadError(
            f"{text}: holds {len(tables)} opcode tables, not one (use load_tables or scan)",
            file=text,
        )
    return tables[0]


def load_tables(paths: Union[PathLike, Iterable[PathLike]]) -> List[Table]:
    """Reads tables as ``check`` does: files, directories of table files (sorted; a directory
    with none is scanned as a source tree) and source files. Every input error is reported at
    once (:attr:`LoadError.errors`)."""
    if _is_path(paths):
        paths = [paths]  # type: ignore[list-item]
    return _native.load_tables([os.fspath(p) for p in paths])  # type: ignore[union-attr]


def _tables(tables: Union[TableLike, Iterable[TableLike]]) -> List[Table]:
    if isinstance(tables, Table) or _is_path(tables):
        tables = [tables]  # type: ignore[list-item]
    items = list(tables)  # type: ignore[arg-type]
    by_path: Dict[str, List[Table]] = {}
    problems: List[LoadError] = []
    for item in items:
        if isinstance(item, Table):
            continue
        if not _is_path(item):
            raise TypeError(f"expected a Table or a path, got {type(item).__name__}")
        path = os.fspath(item)
        if path in by_path:
            continue
        # One path may give several tables (a directory, a source file); loading each path
        # on its own keeps the given order. Every input's errors are reported at once, as the
        # CLI reports them.
        try:
            by_path[path] = _native.load_tables([path])
        except LoadError as e:
            problems.extend(e.errors)
            by_path[path] = []
    if problems:
        message = "\nerror: ".join(str(e) for e in problems)
        first = problems[0]
        raise LoadError(
            message,
            file=first.file,
            line=first.line,
            column=first.column,
            hint=first.hint,
            detail=first.detail,
            errors=problems,
        )
    out: List[Table] = []
    for item in items:
        out.extend([item] if isinstance(item, Table) else by_path[os.fspath(item)])
    return out


def _table(table: TableLike) -> Table:
    return table if isinstance(table, Table) else load_table(table)


def content_hash(table: TableLike) -> str:
    """The content hash of what a table means (``sha256:…``; ``isa_core::hash::table_hash``)."""
    return _table(table).content_hash()


# ----------------------------------------------------------------------------------------------
# check


@dataclass(frozen=True)
class Location:
    """Where an entry was read from: file and 1-based line and column (0 when unknown)."""

    file: str
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        text = self.file
        if self.line:
            text += f":{self.line}"
            if self.column:
                text += f":{self.column}"
        return text


@dataclass(frozen=True)
class ConflictEntry:
    """One implementation's entry in a conflict."""

    implementation: str
    opcode: int
    mnemonic: Optional[str]
    format: Optional[str]
    layout: Optional[str]
    location: Optional[Location]


@dataclass(frozen=True)
class Conflict:
    """One conflict of a :class:`Report` (the ``check --format json`` fields)."""

    id: str
    kind: str
    severity: str
    opcode: Optional[int]
    mnemonic: Optional[str]
    implementations: Tuple[str, ...]
    entries: Tuple[ConflictEntry, ...]
    message: str

    @classmethod
    def from_dict(cls, c: Mapping[str, Any]) -> "Conflict":
        """From one conflict of the ``check --format json`` document."""
        entries = tuple(
            ConflictEntry(
                implementation=e["implementation"],
                opcode=e["opcode"],
                mnemonic=e["mnemonic"],
                format=e["format"],
                layout=e["layout"],
                location=Location(**e["location"]) if e["location"] else None,
            )
            for e in c["entries"]
        )
        return cls(
            id=c["id"],
            kind=c["kind"],
            severity=c["severity"],
            opcode=c["opcode"],
            mnemonic=c["mnemonic"],
            implementations=tuple(c["implementations"]),
            entries=entries,
            message=c["message"],
        )

    @classmethod
    def _from_native(cls, t: Tuple[Any, ...]) -> "Conflict":
        cid, kind, severity, opcode, mnemonic, impls, entries, message = t
        return cls(
            id=cid,
            kind=kind,
            severity=severity,
            opcode=opcode,
            mnemonic=mnemonic,
            implementations=tuple(impls),
            entries=tuple(
                ConflictEntry(impl, op, m, f, layout, Location(file, line, column) if file is not None else None)
                for impl, op, m, f, layout, file, line, column in entries
            ),
            message=message,
        )


class Report:
    """Every conflict among a set of tables, as ``isa-authority check`` reports them."""

    def __init__(self, native: Any) -> None:
        self._native = native
        self._conflicts: Optional[List[Conflict]] = None

    @property
    def conflicts(self) -> List[Conflict]:
        """The conflicts, most severe first, in the CLI's (deterministic) order."""
        if self._conflicts is None:
            self._conflicts = [Conflict._from_native(t) for t in self._native.conflicts()]
        return list(self._conflicts)

    @property
    def summary(self) -> Dict[str, Any]:
        """The report's ``summary`` (tables, entries, instructions, counts by severity/kind)."""
        return dict(self._native.summary())

    @property
    def failed(self) -> bool:
        """True when a conflict is at or above ``fail_on`` (``check`` exits 1 then)."""
        return bool(self._native.failed)

    def by_kind(self, kind: str) -> List[Conflict]:
        """The conflicts of one kind (``number-collision``, ``duplicate-opcode``, …)."""
        return [c for c in self.conflicts if c.kind == kind]

    def to_json(self) -> str:
        """Exactly what ``isa-authority check --format json`` prints."""
        return str(self._native.to_json())

    def to_dict(self) -> Dict[str, Any]:
        """The JSON document as Python values."""
        return json.loads(self._native.to_json())

    def to_text(self) -> str:
        """What ``isa-authority check`` prints (no colour)."""
        return str(self._native.to_text())

    def to_sarif(self) -> str:
        """What ``isa-authority check --format sarif`` prints (SARIF 2.1.0)."""
        return str(self._native.to_sarif())

    def __len__(self) -> int:
        return len(self._native)

    def __iter__(self) -> Iterator[Conflict]:
        return iter(self.conflicts)

    def __bool__(self) -> bool:
        return len(self) > 0

    def __repr__(self) -> str:
        s = self.summary
        return f"<Report: {s['tables']} tables, {s['conflicts']} conflicts {s['by_severity']}>"


def check(
    tables: Union[TableLike, Iterable[TableLike]],
    *,
    aliases: AliasesLike = None,
    scheme: str = "flux-unified",
    fail_on: str = "error",
    no_info: bool = False,
) -> Report:
    """Compares tables N-way and reports every conflict (``isa-authority check``).

    ``aliases`` is an alias file or a ``{alias: canonical}`` mapping; ``fail_on`` is
    ``critical``, ``error``, ``warning``, ``info`` or ``never`` and sets :attr:`Report.failed`.
    """
    native = _native.check(
        _tables(tables), aliases=_aliases(aliases), scheme=scheme, fail_on=fail_on, no_info=no_info
    )
    return Report(native)


# ----------------------------------------------------------------------------------------------
# arbitrate


@dataclass(frozen=True)
class Decision:
    """One instruction that needed deciding (the ``decisions`` of ``arbitrate --format json``)."""

    mnemonic: str
    opcode: int
    strategy: str
    winner: Optional[str]
    votes: Dict[str, int]
    rationale: str
    cost: float
    layout: str
    layouts: Tuple[Dict[str, Any], ...] = field(default=())


class Outcome:
    """The result of ``arbitrate``: one consistent canonical table and the decisions."""

    def __init__(self, native: Any) -> None:
        self._native = native
        doc = json.loads(native.to_json())
        self.decisions: List[Decision] = [
            Decision(
                mnemonic=d["mnemonic"],
                opcode=d["opcode"],
                strategy=d["strategy"],
                winner=d["winner"],
                votes=dict(d["votes"]),
                rationale=d["rationale"],
                cost=float(d["cost"]),
                layout=d["layout"],
                layouts=tuple(d["layouts"]),
            )
            for d in doc["decisions"]
        ]

    @property
    def canonical(self) -> Table:
        """The canonical table (consistent: one number per instruction and vice versa)."""
        return self._native.canonical  # type: ignore[no-any-return]

    @property
    def cost(self) -> float:
        """The total renumbering cost (weight × usage of every moved instruction)."""
        return float(self._native.cost)

    def to_json(self) -> str:
        """Exactly what ``isa-authority arbitrate --format json`` prints."""
        return str(self._native.to_json())

    def to_dict(self) -> Dict[str, Any]:
        """The JSON document as Python values."""
        return json.loads(self._native.to_json())

    def to_text(self) -> str:
        """What ``isa-authority arbitrate`` prints (no colour)."""
        return str(self._native.to_text())

    def __repr__(self) -> str:
        return f"<Outcome: {len(self.decisions)} decisions, cost {self.cost:g}>"


def arbitrate(
    tables: Union[TableLike, Iterable[TableLike]],
    strategy: str = "optimal",
    *,
    weights: Optional[Mapping[str, float]] = None,
    spec: Optional[str] = None,
    decisions: Union[None, PathLike, Sequence[Mapping[str, Any]]] = None,
    usage: Union[None, PathLike, Mapping[str, Mapping[Union[int, str], int]]] = None,
    aliases: AliasesLike = None,
    scheme: str = "flux-unified",
    name: str = "canonical",
) -> Outcome:
    """Decides one consistent canonical numbering (``isa-authority arbitrate``).

    ``strategy`` is ``optimal``, ``voting``, ``oldest``, ``largest`` or ``spec`` (with
    ``spec=NAME``); ``decisions`` are manual decisions (a file, or dicts with ``mnemonic``,
    ``opcode`` and optional ``rationale``, ``format``, ``category``); ``usage`` gives opcode
    usage counts per implementation. Raises :class:`ArbitrationError` on impossible input.
    """
    if decisions is not None and _is_path(decisions):
        decisions = os.fspath(decisions)  # type: ignore[arg-type]
    if usage is not None and _is_path(usage):
        usage = os.fspath(usage)  # type: ignore[arg-type]
    native = _native.arbitrate(
        _tables(tables),
        strategy,
        weights=dict(weights) if weights is not None else None,
        spec=spec,
        decisions=decisions,
        usage={k: dict(v) for k, v in usage.items()} if isinstance(usage, Mapping) else usage,
        aliases=_aliases(aliases),
        scheme=scheme,
        name=name,
    )
    return Outcome(native)


# ----------------------------------------------------------------------------------------------
# scan


@dataclass(frozen=True)
class ScannedTable:
    """A table found in source code, with the scanner's symbol and confidence (0–1)."""

    table: Table
    symbol: str
    confidence: float


@dataclass(frozen=True)
class ScanResult:
    """What ``scan`` found: the tables and the notes on skipped files."""

    tables: Tuple[ScannedTable, ...]
    notes: Tuple[Dict[str, str], ...]
    _json: str = field(repr=False, default="")

    def to_json(self) -> str:
        """Exactly what ``isa-authority scan --format json`` prints."""
        return self._json

    def __len__(self) -> int:
        return len(self.tables)

    def __iter__(self) -> Iterator[ScannedTable]:
        return iter(self.tables)


def scan(paths: Union[PathLike, Iterable[PathLike]], *, min_confidence: float = 0.5) -> ScanResult:
    """Finds opcode tables in source files and directories (``isa-authority scan``)."""
    if _is_path(paths):
        paths = [paths]  # type: ignore[list-item]
    text, tables = _native.scan([os.fspath(p) for p in paths], min_confidence=min_confidence)  # type: ignore[union-attr]
    doc = json.loads(text)
    scanned = tuple(
        ScannedTable(table=t, symbol=d.get("symbol", ""), confidence=float(d.get("confidence", 0.0)))
        for t, d in zip(tables, doc["tables"])
    )
    return ScanResult(tables=scanned, notes=tuple(doc["notes"]), _json=text)


# ----------------------------------------------------------------------------------------------
# translate, gen


@dataclass(frozen=True)
class Translation:
    """Translated bytecode and the summary ``translate --format json`` prints."""

    data: bytes
    summary: Dict[str, Any]


def translate_with_summary(
    data: bytes,
    source: TableLike,
    target: TableLike,
    *,
    aliases: AliasesLike = None,
    scheme: str = "flux-unified",
    from_scheme: Optional[str] = None,
    to_scheme: Optional[str] = None,
    container: str = "auto",
) -> Translation:
    """Like :func:`translate`, also returning the summary (instructions, sizes, branches)."""
    out, summary = _native.translate(
        bytes(data),
        _table(source),
        _table(target),
        aliases=_aliases(aliases),
        scheme=scheme,
        from_scheme=from_scheme,
        to_scheme=to_scheme,
        container=container,
    )
    return Translation(data=out, summary=summary)


def translate(
    data: bytes,
    source: TableLike,
    target: TableLike,
    *,
    aliases: AliasesLike = None,
    scheme: str = "flux-unified",
    from_scheme: Optional[str] = None,
    to_scheme: Optional[str] = None,
    container: str = "auto",
) -> bytes:
    """Rewrites bytecode from ``source``'s numbering to ``target``'s (``isa-authority
    translate``): instructions matched by identity, operands re-encoded, branches fixed.

    Raises :class:`TranslationError` (with ``offset``) or :class:`UndecodableError`.
    """
    return translate_with_summary(
        data,
        source,
        target,
        aliases=aliases,
        scheme=scheme,
        from_scheme=from_scheme,
        to_scheme=to_scheme,
        container=container,
    ).data


def gen(
    table: TableLike,
    lang: str,
    *,
    isa_version: Optional[str] = None,
    scheme: str = "flux-unified",
) -> str:
    """The table as code (``isa-authority gen``): ``python``, ``go``, ``typescript``, ``rust``,
    ``c`` or ``markdown``. Raises :class:`CodegenError` or :class:`UndecodableError`."""
    code, _renames = _native.gen(_table(table), lang, isa_version=isa_version, scheme=scheme)
    return str(code)


# ----------------------------------------------------------------------------------------------
# advertise, negotiate


def advertise(
    table: TableLike,
    *,
    isa_version: Optional[str] = None,
    groups: Optional[PathLike] = None,
    registers: int = 0,
    digest_only: bool = False,
    scheme: str = "flux-unified",
    store: Optional[PathLike] = None,
) -> Advertisement:
    """The capability advertisement of a table (``isa-authority advertise``); ``to_bytes()``
    and ``to_json()`` give the two encodings."""
    return _native.advertise(
        _table(table),
        isa_version=isa_version,
        groups=os.fspath(groups) if groups is not None else None,
        registers=registers,
        digest_only=digest_only,
        scheme=scheme,
        store=os.fspath(store) if store is not None else None,
    )


def read_advertisement(data: Union[bytes, PathLike], name: Optional[str] = None) -> Advertisement:
    """Reads an advertisement (binary or JSON) from bytes or a file."""
    if isinstance(data, (bytes, bytearray, memoryview)):
        return _native.Advertisement.from_bytes(bytes(data), name or "<advertisement>")
    path = os.fspath(data)
    with open(path, "rb") as f:
        return _native.Advertisement.from_bytes(f.read(), name or path)


@dataclass(frozen=True)
class Agreement:
    """What two implementations have in common (``isa-authority negotiate``)."""

    compatible: bool
    version: Optional[str]
    features: Tuple[str, ...]
    usable_opcodes: int
    instructions: Tuple[Dict[str, Any], ...]
    reasons: Tuple[str, ...]
    _json: str = field(repr=False, default="")
    _text: str = field(repr=False, default="")

    def to_json(self) -> str:
        """Exactly what ``isa-authority negotiate --format json`` prints."""
        return self._json

    def to_text(self) -> str:
        """What ``isa-authority negotiate`` prints (no colour)."""
        return self._text

    def to_dict(self) -> Dict[str, Any]:
        """The JSON document as Python values."""
        return json.loads(self._json)

    def __bool__(self) -> bool:
        return self.compatible


def _advertisement(value: Union[Advertisement, TableLike, bytes]) -> Advertisement:
    if isinstance(value, Advertisement):
        return value
    if isinstance(value, (bytes, bytearray, memoryview)):
        return read_advertisement(value)
    if isinstance(value, Table):
        return advertise(value)
    path = os.fspath(value)
    if path.lower().endswith(_TABLE_SUFFIXES):
        return advertise(load_table(path))
    return read_advertisement(path)


def negotiate(
    a: Union[Advertisement, TableLike, bytes], b: Union[Advertisement, TableLike, bytes]
) -> Agreement:
    """Negotiates the highest common version, the features and the usable instructions of two
    implementations (``isa-authority negotiate``). ``a`` and ``b`` are advertisements, tables
    (advertised as ``advertise`` would), table paths, or advertisement files or bytes."""
    compatible, text_json, text = _native.negotiate(_advertisement(a), _advertisement(b))
    doc = json.loads(text_json)
    return Agreement(
        compatible=bool(compatible),
        version=doc["version"],
        features=tuple(doc["features"]),
        usable_opcodes=int(doc["usable_opcodes"]),
        instructions=tuple(doc["instructions"]),
        reasons=tuple(doc["reasons"]),
        _json=text_json,
        _text=text,
    )


# ----------------------------------------------------------------------------------------------
# diff, migrate, versions


def diff(
    old: TableLike,
    new: TableLike,
    *,
    renames: Optional[Mapping[str, str]] = None,
    aliases: AliasesLike = None,
    scheme: str = "flux-unified",
    new_scheme: Optional[str] = None,
) -> Dict[str, Any]:
    """Compares two tables by instruction identity (``isa_core::diff``; the ``diff --format
    json`` document, with the tables' implementation names as ``from``/``to``)."""
    text = _native.diff(
        _table(old),
        _table(new),
        renames=dict(renames) if renames else None,
        aliases=_aliases(aliases),
        scheme=scheme,
        new_scheme=new_scheme,
    )
    return json.loads(text)


def migrate_plan(
    old: TableLike,
    new: TableLike,
    *,
    renames: Optional[Mapping[str, str]] = None,
    aliases: AliasesLike = None,
    scheme: str = "flux-unified",
    from_scheme: Optional[str] = None,
    to_scheme: Optional[str] = None,
) -> Dict[str, Any]:
    """The migration plan from one table to another (``isa-authority migrate plan --format
    json``): steps by identity and a verdict on existing bytecode."""
    text = _native.migrate_plan(
        _table(old),
        _table(new),
        renames=dict(renames) if renames else None,
        aliases=_aliases(aliases),
        scheme=scheme,
        from_scheme=from_scheme,
        to_scheme=to_scheme,
    )
    return json.loads(text)


def parse_version(label: str) -> Optional[str]:
    """The semantic version a label names (``v1.0`` → ``1.0.0``, ``FLUX ISA v2.0`` → ``2.0.0``),
    by the rule ``advertise`` reads tables' labels with, or ``None``."""
    return _native.parse_version(label)  # type: ignore[no-any-return]


def compare_versions(a: str, b: str) -> int:
    """-1, 0 or 1 as version label ``a`` is lower than, equal to or higher than ``b`` by
    semantic-version precedence (``v10`` > ``v9``; ``2`` counts as 2.0.0)."""
    return int(_native.compare_versions(a, b))
