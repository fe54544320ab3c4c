"""The planted-bug experiment: does structure-aware mutation find a bug two levels deep that
byte-level mutation does not?

    python -m wasmnet_fuzz.experiment --runs 5 --time 60

Runs the ``planted`` target (structure-aware mutator) and ``planted_bytes`` (the same function,
libFuzzer's byte mutator) ``--runs`` times each, one process at a time, each from the same seed
corpus (one call of the planted function with an empty list) and dictionary, for at most
``--time`` seconds, with distinct libFuzzer seeds. A run *finds* the bug when libFuzzer stops on
an input that raises ``PlantedBug``; its time is from process start (Python start-up and
instrumentation included) to the crash report. Writes ``reports/fuzz/experiment.json`` and
``experiment.txt``. The planted bug lives in ``fuzz/wasmnet_fuzz/planted.py`` only.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from wasmnet_fuzz import seeds
from wasmnet_fuzz.campaign import REPORTS, _env
from wasmnet_fuzz.findings import reproduce, signature_of
from wasmnet_fuzz.libfuzzer_log import LogState
from wasmnet_fuzz.provenance import now, record, tool_versions, write_sidecar
from wasmnet_fuzz.run import atheris_or_none, unavailable_message, write_launcher
from wasmnet_fuzz.targets import TARGETS

TARGET_PAIR = ("planted", "planted_bytes")


def one_run(name: str, seconds: int, seed: int, work: Path, env: dict[str, str]
            ) -> dict[str, Any]:
    """One libFuzzer process; the outcome and how long it took."""
    target = TARGETS[name]
    run_dir = work / f"{name}-{seed}"
    corpus, artifacts = run_dir / "corpus", run_dir / "artifacts"
    corpus.mkdir(parents=True)
    artifacts.mkdir()
    command = [
        str(write_launcher(work / "bin", name)), str(corpus), str(work / "seeds" / name),
        f"-dict={work / 'seeds' / (name + '.dict')}", f"-max_total_time={seconds}",
        f"-seed={seed}", f"-artifact_prefix={artifacts}/", "-print_final_stats=1",
    ]
    state = LogState()
    found_at: list[float] = []
    start = time.monotonic()
    proc = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, env=env)

    def read() -> None:
        assert proc.stdout is not None
        with open(run_dir / "fuzz.log", "w", encoding="utf-8") as log:
            for raw in iter(proc.stdout.readline, b""):
                line = raw.decode("utf-8", "replace")
                log.write(line)
                when = time.monotonic()
                if not found_at and ("Uncaught Python exception" in line
                                     or "ERROR: libFuzzer" in line):
                    found_at.append(when)
                state.feed(line, when)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        proc.wait(timeout=seconds + 120)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    reader.join(timeout=10)
    crashes = [Path(a) for a in state.artifacts]
    planted_hit = False
    for crash in crashes:
        exc = reproduce(target, crash.read_bytes())
        if exc is not None and type(exc).__name__ == "PlantedBug":
            planted_hit = True
            write_sidecar(crash, record(name, seed=seed, exception="PlantedBug",
                                        where=signature_of(target, exc).where, kind="crash"))
    return {
        "target": name,
        "seed": seed,
        "found": planted_hit,
        "seconds_to_find": round(found_at[0] - start, 2) if planted_hit and found_at else None,
        "wall_s": round(time.monotonic() - start, 2),
        "execs": state.stats.get("number_of_executed_units", state.execs),
        "exec_s": state.average_exec_s,
        "cov": state.cov,
        "crash": str(crashes[0]) if crashes else None,
    }


def summarize(runs: list[dict[str, Any]], name: str) -> dict[str, Any]:
    mine = [r for r in runs if r["target"] == name]
    times = [r["seconds_to_find"] for r in mine if r["found"] and r["seconds_to_find"] is not None]
    return {
        "target": name,
        "runs": len(mine),
        "found": sum(1 for r in mine if r["found"]),
        "seconds_to_find": times,
        "median_s": statistics.median(times) if times else None,
        "execs": [r["execs"] for r in mine],
    }


def text(report: dict[str, Any]) -> str:
    lines = [f"planted-bug experiment {report['date']}: {report['runs']} runs x "
             f"{report['time_s']} s per target", ""]
    for s in report["summary"]:
        times = ", ".join(f"{t:.1f}s" for t in s["seconds_to_find"] if t is not None) or "-"
        median = "-" if s["median_s"] is None else f"{s['median_s']:.1f}s"
        lines.append(f"{s['target']:14} found {s['found']}/{s['runs']}  times: {times}  "
                     f"median: {median}")
    lines.append("")
    for r in report["results"]:
        outcome = f"FOUND at {r['seconds_to_find']}s" if r["found"] else "not found"
        lines.append(f"  {r['target']:14} seed {r['seed']:>10}  {outcome}  execs {r['execs']}  "
                     f"exec/s {r['exec_s']}  cov {r['cov']}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m wasmnet_fuzz.experiment", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--time", type=int, default=60, help="seconds per run")
    parser.add_argument("--seed", type=int, default=1, help="first libFuzzer seed")
    parser.add_argument("--targets", default=",".join(TARGET_PAIR))
    parser.add_argument("--reports", type=Path, default=REPORTS)
    parser.add_argument("--keep", type=Path, help="keep work files (crashes, logs) here")
    args = parser.parse_args(argv)
    if atheris_or_none() is None:
        print(unavailable_message(), file=sys.stderr)
        return 2
    names = [n for n in args.targets.split(",") if n]
    work = args.keep or Path(tempfile.mkdtemp(prefix="wasmnet-fuzz-exp-"))
    seeds.write(work / "seeds", names)
    env = _env(None)
    results = []
    for name in names:
        for i in range(args.runs):
            result = one_run(name, args.time, args.seed + i, work, env)
            results.append(result)
            outcome = (f"found in {result['seconds_to_find']} s" if result["found"]
                       else "not found")
            print(f"{name} run {i + 1}/{args.runs}: {outcome} ({result['execs']} execs)",
                  file=sys.stderr)
    report = {
        "format": "wasmnet-fuzz-experiment/1",
        "date": now(),
        "runs": args.runs,
        "time_s": args.time,
        "tools": tool_versions(),
        "results": results,
        "summary": [summarize(results, n) for n in names],
    }
    args.reports.mkdir(parents=True, exist_ok=True)
    (args.reports / "experiment.json").write_text(json.dumps(report, indent=2) + "\n",
                                                  encoding="utf-8")
    (args.reports / "experiment.txt").write_text(text(report), encoding="utf-8")
    print(text(report), file=sys.stderr)
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
