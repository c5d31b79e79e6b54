#!/usr/bin/env python3
"""Whole-process benchmark of `check` and `arbitrate` against the original's algorithms, in one
run on the same files: what a user times, not what criterion times.

    cargo build --release
    python3 benches/whole_process.py                       # every size (about an hour)
    python3 benches/whole_process.py --sizes 2x256 1000x256 --anchor-timeout 120
    python3 benches/whole_process.py --sizes 1000x256 --repeat 5    # median of 5 runs each

For each size N x S it generates the tables once (benches/gen_tables.py, seeded, --drift swap
by default: the tables issue 17 measured; kept under --work), then runs, each as its own process with its output sent to /dev/null:

* `isa-authority check --format json DIR` and `isa-authority arbitrate --strategy optimal
  --format json DIR` (exit 1, "conflicts found", is the expected outcome of check);
* the anchors: `python3 benches/original.py detect DIR` (the original's detector) and
  `... vote DIR` (the original's voting arbiter), each stopped after --anchor-timeout seconds,
  in which case the row says "> T s" and the ratio is a lower bound (not run at 64 x 65,536 by
  default: --anchor-sizes).

Per process it records CPU (user + system, from wait4, children included), wall time and peak
resident memory (ru_maxrss), then prints a Markdown table with the ratios (anchor CPU over
isa-authority CPU). With --repeat, the processes take turns, one run of each per round,
and the run of median CPU of each is reported: a ratio compares runs made under the same
machine load.
"""

import argparse
import os
import resource
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SIZES = ["2x256", "100x256", "1000x256", "2x16384", "2x65536", "64x65536"]
# Address-space cap of every process run, so that a run that would exhaust the machine (others
# share it) fails instead; reported as an exit code.
LIMIT = 16 << 30


def run(argv, timeout):
    """(cpu seconds, wall seconds, peak RSS in MB, exit code or None when stopped)."""
    start = time.perf_counter()
    with open(os.devnull, "wb") as null:
        proc = subprocess.Popen(argv, stdout=null, stderr=subprocess.PIPE, start_new_session=True,
                                preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_AS, (LIMIT, LIMIT)))
    deadline = start + timeout if timeout else None
    status = ru = None
    while True:
        pid, status, ru = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if deadline and time.perf_counter() > deadline:
            os.killpg(proc.pid, signal.SIGKILL)
            pid, status, ru = os.wait4(proc.pid, 0)
            status = None
            break
        time.sleep(0.02)
    wall = time.perf_counter() - start
    err = proc.stderr.read().decode(errors="replace")
    proc.stderr.close()
    code = os.waitstatus_to_exitcode(status) if status is not None else None
    if code not in (0, 1, None):
        sys.exit(f"{' '.join(argv)} exited {code}:\n{err}")
    return ru.ru_utime + ru.ru_stime, wall, ru.ru_maxrss / 1024, code


def tables(work, size, seed, drift):
    n, s = (int(x) for x in size.split("x"))
    folder = os.path.join(work, f"{size}-{drift}-seed{seed}")
    done = os.path.join(folder, ".complete")
    if not os.path.exists(done):
        subprocess.run([sys.executable, os.path.join(HERE, "gen_tables.py"), folder, str(n), str(s),
                        "--seed", str(seed), "--drift", drift], check=True)
        open(done, "w").close()
    return folder


def median_runs(commands, repeat):
    """For each (argv, timeout) of `commands`, the run of median CPU among `repeat` runs.

    The commands take turns, one run of each per round (the order reversed every other round),
    so that a ratio of two of them compares runs made under the same machine load: this VM's
    speed moves by 20 % within a minute, and five runs of a 0.15 s command in a row fit
    inside one such spell while the anchor's runs of seconds do not. A command whose first
    run took over 30 s of CPU is not repeated: its noise is small beside it, and an anchor can
    take minutes."""
    runs = [[] for _ in commands]
    for round_ in range(repeat):
        order = list(range(len(commands)))
        if round_ % 2:
            order.reverse()
        for i in order:
            if runs[i] and runs[i][0][0] >= 30:
                continue
            argv, timeout = commands[i]
            runs[i].append(run(argv, timeout))
    medians = []
    for r in runs:
        r.sort(key=lambda m: m[0])
        medians.append(r[(len(r) - 1) // 2])
    return medians


def cell(measure):
    cpu, wall, rss, code = measure
    prefix = "> " if code is None else ""
    return f"{prefix}{cpu:.2f} s CPU, {wall:.2f} s wall, {rss:,.0f} MB"


def ratio(anchor, ours):
    prefix = "> " if anchor[3] is None else ""
    return f"{prefix}{anchor[0] / max(ours[0], 1e-3):,.0f}×"


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--sizes", nargs="+", default=SIZES, help="N x S, e.g. 1000x256")
    p.add_argument("--bin", default=os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target")),
                                                 "release", "isa-authority"))
    p.add_argument("--work", default=os.path.join(os.environ.get("TMPDIR", "/tmp"), "isa-bench-tables"))
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--drift", choices=["swap", "own"], default="swap",
                   help="the ecosystem gen_tables.py writes (default: swap, issue 17's tables)")
    p.add_argument("--anchor-timeout", type=float, default=600,
                   help="seconds before an anchor run is stopped (0: never)")
    p.add_argument("--no-anchors", action="store_true", help="time isa-authority alone")
    p.add_argument("--repeat", type=int, default=1,
                   help="runs of each process, taking turns with the others; the one of median "
                        "CPU is reported (runs over 30 s of CPU are not repeated)")
    p.add_argument("--anchor-sizes", nargs="*", default=SIZES[:-1],
                   help="sizes the anchors run at (default: all but 64x65536, which takes them hours)")
    a = p.parse_args()
    if not os.path.exists(a.bin):
        sys.exit(f"{a.bin} not found: run `cargo build --release` or pass --bin")
    original = os.path.join(HERE, "original.py")
    rows = []
    for size in a.sizes:
        folder = tables(a.work, size, a.seed, a.drift)
        commands = [([a.bin, "check", "--format", "json", folder], 0),
                    ([a.bin, "arbitrate", "--strategy", "optimal", "--format", "json", folder], 0)]
        anchors = not a.no_anchors and size in a.anchor_sizes
        if anchors:
            commands += [([sys.executable, original, "detect", folder], a.anchor_timeout),
                         ([sys.executable, original, "vote", folder], a.anchor_timeout)]
        check, arb, det, vote = (median_runs(commands, a.repeat) + [None, None])[:4]
        rows.append((size, check, arb, det, vote))
        print(f"{size}: check {cell(check)}; arbitrate optimal {cell(arb)}"
              + ("" if det is None else f"; original detect {cell(det)}; original vote {cell(vote)}"),
              flush=True)
    print()
    print("| input | original detector | `check --format json` | ratio | original voting | "
          "`arbitrate --strategy optimal` | ratio |")
    print("|---|---|---|---|---|---|---|")
    for size, check, arb, det, vote in rows:
        n, s = size.split("x")
        label = f"{int(n):,} × {int(s):,}"
        d = "not run" if det is None else cell(det)
        v = "not run" if vote is None else cell(vote)
        r1 = "" if det is None else ratio(det, check)
        r2 = "" if vote is None else ratio(vote, arb)
        print(f"| {label} | {d} | {cell(check)} | {r1} | {v} | {cell(arb)} | {r2} |")


if __name__ == "__main__":
    main()
