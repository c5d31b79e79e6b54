"""The ``isa-authority`` console script: the Rust command line, run in this process.

Same flags, output and exit codes as the binary, because it is the same code
(``isa_authority_cli::run``). Python's own buffered output is flushed first, since the Rust
side writes straight to the process's standard output and error.
"""

from __future__ import annotations

import os
import sys
from typing import List, Optional, Sequence

from . import _native


def run(argv: Sequence[str]) -> int:
    """Runs ``isa-authority ARGS...`` in this process (``argv`` without the program name) and
    returns its exit code. Output goes to the process's file descriptors 1 and 2."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass
    return int(_native.cli_main(["isa-authority", *[os.fsdecode(a) for a in argv]]))


def main(argv: Optional[List[str]] = None) -> None:
    """Entry point of the console script: exits with the command's exit code."""
    args = sys.argv[1:] if argv is None else argv
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass
    # The process is nothing but the command here, so a closed pipe may end it quietly, as it
    # ends the binary (`isa-authority check ... | head`).
    code = _native.cli_main(["isa-authority", *args], restore_sigpipe=True)
    sys.exit(int(code))


if __name__ == "__main__":
    main()
