"""The exceptions of isa_authority.

Every exception carries the Rust core's message unchanged (the words the ``isa-authority``
command prints after ``error:``) in ``str(exc)`` and ``exc.message``, plus the structured
parts a program needs as attributes.

::

    IsaAuthorityError                 base of everything the package raises
    ├── LoadError (ValueError)        a table, alias, decision or key file is malformed or missing
    ├── UndecodableError (ValueError) a table's bytecode cannot be decoded unambiguously
    ├── ArbitrationError (ValueError) arbitration refused its input (unknown names, no spec, ...)
    ├── TranslationError (ValueError) bytecode could not be translated (``offset``: byte offset)
    ├── AdvertisementError (ValueError) an advertisement cannot be built or read
    ├── CodegenError (ValueError)     code cannot be generated for a table
    └── StoreError                    the signed store cannot be used (``path``)
        └── StoreRefusal              the governance rules say no (missing approvals, ...)
"""

from __future__ import annotations

from typing import Any, List, Optional

__all__ = [
    "IsaAuthorityError",
    "LoadError",
    "UndecodableError",
    "ArbitrationError",
    "TranslationError",
    "AdvertisementError",
    "CodegenError",
    "StoreError",
    "StoreRefusal",
]


class IsaAuthorityError(Exception):
    """Base class of every error isa_authority raises; ``message`` is the Rust message."""

    def __init__(self, message: str, **attrs: Any) -> None:
        super().__init__(message)
        self.message = message
        for key, value in attrs.items():
            setattr(self, key, value)


class LoadError(IsaAuthorityError, ValueError):
    """An input file (or a table built from Python values) is unreadable or invalid.

    ``file``, ``line`` and ``column`` say where (``line``/``column`` are 1-based, 0 when the
    problem concerns the whole file); ``detail`` is the message without the location; ``hint``
    says how to fix it when there is something useful to say. When several inputs are wrong at
    once, ``errors`` lists one ``LoadError`` per problem (the attributes describe the first).
    For a table built from a Python list, ``file`` is the implementation name and ``line`` the
    entry's 1-based position in the list.
    """

    file: str = ""
    line: int = 0
    column: int = 0
    detail: str = ""
    hint: Optional[str] = None
    errors: List["LoadError"]

    def __init__(self, message: str, **attrs: Any) -> None:
        attrs.setdefault("errors", [])
        super().__init__(message, **attrs)
        if not self.errors:
            self.errors = [self]


class UndecodableError(IsaAuthorityError, ValueError):
    """A table whose bytecode cannot be decoded unambiguously (``check``'s encoding-ambiguity or
    duplicate-opcode findings) was given to translate, gen, advertise or propose."""


class ArbitrationError(IsaAuthorityError, ValueError):
    """Arbitration refused its input, or a conflict cannot be resolved under the strategy."""


class TranslationError(IsaAuthorityError, ValueError):
    """Bytecode could not be translated; ``offset`` is the byte offset of the instruction
    (``None`` for errors in a module's container structure)."""

    offset: Optional[int] = None


class AdvertisementError(IsaAuthorityError, ValueError):
    """An advertisement cannot be built from a table, or a serialised one is malformed."""


class CodegenError(IsaAuthorityError, ValueError):
    """Code cannot be generated for a table (ambiguous as a canonical table, no instructions)."""


class StoreError(IsaAuthorityError):
    """The signed store cannot be used: no store, an unreadable or damaged file, a link inside
    it, an unknown proposal or version. ``path`` names the file when there is one."""

    path: Optional[str] = None


class StoreRefusal(StoreError):
    """The governance rules refuse the operation (missing approvals, a reused number, a version
    that does not increase, a stale proposal) — the command exits 1 for these."""
