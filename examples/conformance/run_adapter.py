#!/usr/bin/env python3
"""A conformance plugin that wraps `isa-authority run` (docs/conformance.md).

    isa-authority conformance --vectors V.json --plugin 'python3 run_adapter.py isa-authority TABLE'

Reads one request per line on stdin, runs the program with the built-in interpreter and
writes its final state, with the request's id, as one line on stdout. Replace the `run`
call with your VM to test it instead.
"""
import json, os, subprocess, sys, tempfile

binary, table = sys.argv[1], sys.argv[2]
for line in sys.stdin:
    req = json.loads(line)
    with tempfile.TemporaryDirectory() as tmp:
        prog, init = os.path.join(tmp, "p.bin"), os.path.join(tmp, "init.json")
        open(prog, "wb").write(bytes.fromhex(req["bytecode"]))
        json.dump(req["initial"], open(init, "w"))
        out = subprocess.run([binary, "run", "--table", table, prog, "--init", init,
                              "--max-steps", str(req["max_steps"]), "--format", "json"],
                             capture_output=True, text=True)
    if out.returncode == 2:
        answer = {"error": out.stderr.strip()}
    else:
        answer = json.loads(out.stdout)
        if answer["stop"] == "unsupported":
            answer = {"skip": answer["trap"]["name"]}
    answer["id"] = req["id"]
    print(json.dumps(answer), flush=True)
