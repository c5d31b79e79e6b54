"""isa_authority: the governance layer for an instruction set implemented many times over.

The Rust core of ``isa-authority`` as a Python package. Two layers, one core:

* the original ``isa_authority`` API (``OpcodeRegistry``, ``ConflictDetector``,
  ``ArbitrationEngine``, ``VersionNegotiator``, ``CanonicalISAStore``, ``MigrationPlanner``,
  …), also importable from ``isa_authority.arbiter``, with the original's names and shapes;
* functions over tables: :func:`load_table`, :func:`check`, :func:`arbitrate`, :func:`scan`,
  :func:`translate`, :func:`gen`, :func:`advertise`, :func:`negotiate`, :func:`diff`, whose
  results render exactly the JSON the ``isa-authority`` command prints.

Every detection, arbitration, diff, hash and negotiation runs in Rust; see ``docs/python.md``.
"""

from __future__ import annotations

from . import api, arbiter, errors
from ._native import __version__
from .api import (
    Advertisement,
    Agreement,
    Conflict,
    ConflictEntry,
    Decision,
    Location,
    Outcome,
    Report,
    ScannedTable,
    ScanResult,
    Table,
    Translation,
    advertise,
    arbitrate,
    check,
    compare_versions,
    content_hash,
    diff,
    gen,
    load_table,
    load_tables,
    migrate_plan,
    negotiate,
    parse_version,
    read_advertisement,
    scan,
    translate,
    translate_with_summary,
)
from .arbiter import (
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
from .errors import (
    AdvertisementError,
    ArbitrationError,
    CodegenError,
    IsaAuthorityError,
    LoadError,
    StoreError,
    StoreRefusal,
    TranslationError,
    UndecodableError,
)
from ._native import keygen

# The public names are the submodules' own lists, so the package cannot drift from them.
__all__ = ["__version__", "errors", "keygen"]
__all__ += arbiter.__all__
__all__ += api.__all__
__all__ += errors.__all__
