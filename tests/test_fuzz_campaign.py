"""Campaign plumbing (fuzz/wasmnet_fuzz/campaign.py, libfuzzer_log.py, run.py) and the
ClusterFuzzLite layout.

The numbers of a report come from libFuzzer's own output: the parser is checked on lines in
libFuzzer's format. One short real campaign runs where atheris is available (Linux); elsewhere
that test is skipped with the reason, and the replay test still runs every target.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from wasmnet_fuzz.campaign import text_report
from wasmnet_fuzz.libfuzzer_log import LogState
from wasmnet_fuzz.run import atheris_or_none
from wasmnet_fuzz.targets import OSS_FUZZ_TARGETS, TARGETS

REPO = Path(__file__).resolve().parents[1]
CFLITE = REPO / ".clusterfuzzlite"

LOG = """\
INFO: Seed: 1234567
INFO:       72 files found in /tmp/seeds/frame_decoder
#73\tINITED cov: 57 ft: 96 corp: 29/193b exec/s: 0 rss: 51Mb
#1024\tpulse  cov: 57 ft: 150 corp: 40/1Kb lim: 256 exec/s: 512 rss: 51Mb
#20000\tNEW    cov: 58 ft: 187 corp: 65/1396b lim: 256 exec/s: 16000 rss: 51Mb L: 9/240 MS: 1 X-
#112689\tDONE   cov: 58 ft: 187 corp: 65/1396b lim: 256 exec/s: 17043 rss: 51Mb
Done 112689 runs in 7 second(s)
stat::number_of_executed_units: 112689
stat::average_exec_per_sec:     16098
stat::new_units_added:          159
"""


def test_libfuzzer_log_parsing() -> None:
    state = LogState()
    for i, line in enumerate(LOG.splitlines()):
        state.feed(line, 100.0 + (6.0 if "DONE" in line else i * 0.01))
    assert state.seed == 1234567
    assert (state.execs, state.cov, state.ft) == (112689, 58, 187)
    assert (state.corpus_units, state.corpus_bytes) == (65, 1396)
    assert state.done and state.average_exec_s == 16098
    assert state.stats["new_units_added"] == 159
    assert state.inited is not None and state.inited[0] == 73
    sustained = state.sustained_exec_s
    assert sustained is not None and abs(sustained - (112689 - 73) / (106.0 - 100.02)) < 1


def test_log_parsing_of_a_finding() -> None:
    state = LogState()
    for line in [
        "=== Uncaught Python exception: ===",
        "PlantedBug: planted bug: 'boom' with a = 7",
        "Traceback (most recent call last):",
        "==1234== ERROR: libFuzzer: fuzz target exited",
        "artifact_prefix='/tmp/a/'; Test unit written to /tmp/a/crash-0123abcd",
    ]:
        state.feed(line, 0.0)
    assert state.artifacts == ["/tmp/a/crash-0123abcd"]
    assert state.exception_lines[0].startswith("PlantedBug")


def test_text_report_lists_every_target_and_finding() -> None:
    target = {"name": "frame_decoder", "mutator": "libFuzzer", "seconds": 15.2, "execs": 250000,
              "exec_s": 16500, "sustained_exec_s": 17000, "cov": 57, "ft": 187, "ran": True,
              "corpus": {"after": 61, "new_entries": 3}, "findings": []}
    report = {"date": "d", "duration_s": 20, "jobs": 2, "time_budget_s": 60,
              "targets": [target, {**target, "name": "value_decoder", "ran": False}],
              "findings": [{"known": False, "signature": "s", "detail": "d",
                            "to_vector": "python -m wasmnet_fuzz.to_vector c --target t"}]}
    text = text_report(report)
    assert "frame_decoder" in text and "16500" in text and "17000" in text
    assert "[NEW] s" in text and "to_vector" in text
    assert "DID NOT RUN: value_decoder" in text


def test_clusterfuzzlite_layout_matches_the_targets() -> None:
    project = (CFLITE / "project.yaml").read_text("utf-8")
    assert "language: python" in project and "libfuzzer" in project
    assert "FROM gcr.io/oss-fuzz-base/base-builder-python" in (CFLITE / "Dockerfile").read_text(
        "utf-8")
    build = (CFLITE / "build.sh").read_text("utf-8")
    assert "compile_python_fuzzer" in build and "fuzz/entrypoints/*_fuzzer.py" in build
    assert "--oss-fuzz-out" in build
    entrypoints = sorted(p.stem for p in (REPO / "fuzz" / "entrypoints").glob("*_fuzzer.py"))
    assert entrypoints == sorted(f"{t}_fuzzer" for t in OSS_FUZZ_TARGETS)
    for name in OSS_FUZZ_TARGETS:
        text = (REPO / "fuzz" / "entrypoints" / f"{name}_fuzzer.py").read_text("utf-8")
        assert f'entrypoint("{name}")' in text


def test_oss_fuzz_files(tmp_path: Path) -> None:
    from wasmnet_fuzz.seeds import write_oss_fuzz

    fuzzers = write_oss_fuzz(tmp_path, ["frame_decoder"], REPO / "fuzz" / "corpus")
    assert fuzzers == ["frame_decoder_fuzzer"]
    options = (tmp_path / "frame_decoder_fuzzer.options").read_text("utf-8")
    assert options == "[libfuzzer]\nmax_len = 256\ndict = frame_decoder_fuzzer.dict\n"
    assert (tmp_path / "frame_decoder_fuzzer_seed_corpus.zip").stat().st_size > 0
    assert 'w0="' in (tmp_path / "frame_decoder_fuzzer.dict").read_text("utf-8")


@pytest.mark.skipif(atheris_or_none() is None,
                    reason="atheris is not installed (Linux only; the test extra installs it)")
def test_short_campaign_runs_and_reports(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    command = [sys.executable, "-m", "wasmnet_fuzz.campaign", "--time", "5", "--jobs", "1",
               "--targets", "frame_decoder", "--reports", str(reports), "--corpus",
               str(tmp_path / "corpus"), "--seed", "1"]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(REPO / "fuzz"), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run(command, capture_output=True, text=True, timeout=240, env=env,
                          check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads((reports / "report.json").read_text("utf-8"))
    (target,) = report["targets"]
    assert target["name"] == "frame_decoder" and target["ran"]
    assert target["execs"] > 1000 and target["exec_s"] > 0 and target["cov"] > 0
    assert target["cpu_s"] > 0 and target["execs_per_cpu_s"] > 0
    assert target["corpus"]["after"] == target["corpus"]["new_entries"] > 0
    assert (reports / "report.txt").read_text("utf-8").count("frame_decoder") == 1
    assert "fuzz [" in done.stderr  # the progress line


def test_run_without_a_target_name_explains_itself() -> None:
    done = subprocess.run([sys.executable, "-m", "wasmnet_fuzz.run", "--help"],
                          capture_output=True, text=True, timeout=60, check=False,
                          env={**os.environ, "PYTHONPATH": str(REPO / "fuzz")})
    assert done.returncode == 0
    assert all(name in done.stderr for name in TARGETS)
