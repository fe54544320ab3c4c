"""The wasi:sockets scenarios and their judging, without any runtime: scenario IDs, coverage of
every function of the seven interfaces, the judge on hand-written observations (pass, fail,
trap, missing, ambiguity, data checks, resources that were never created), packing, the plan
and the phase-4 matrix."""

from __future__ import annotations

import importlib
import json
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from wasmnet_conformance import REPO_ROOT, report
from wasmnet_conformance.expectations import (
    NO_EXPECTATIONS,
    expectations_for,
    load_expectations,
)
from wasmnet_conformance.results import UNEXPECTED, CaseRecord, Outcome, PartRun, Profile
from wasmnet_conformance.sockets import matrix, packing
from wasmnet_conformance.sockets.adapters.base import RunOutput
from wasmnet_conformance.sockets.cli import model_judge
from wasmnet_conformance.sockets.judge import (
    ScenarioRun,
    StepOutcome,
    evaluate_check,
    judge_scenario,
    uncreated,
)
from wasmnet_conformance.sockets.runner import plan
from wasmnet_conformance.sockets.scenarios import all_scenarios, by_id
from wasmnet_conformance.sockets.scenarios.base import SCENARIO_ID, Check, Scenario, fill
from wasmnet_conformance.sockets.scenarios.rules import TCP_DATA
from wasmnet_conformance.sockets.script import MAX_SCRIPT_BYTES, Script, StepResult
from wasmnet_reference.sockets.common import data_hex, data_len

SCENARIOS = all_scenarios()
ECHO_PORT, CLOSED_PORT = 40001, 40002
VALUES: dict[str, Any] = {
    "tcp_echo_port": ECHO_PORT, "tcp6_echo_port": 40003, "closed_port": CLOSED_PORT,
    "closed_port6": 40004, "udp_echo_port": 40005, "udp6_echo_port": 40006,
    "udp_closed_port": 40007, "udp6_closed_port": 40008, "ttl_port": 40009,
    "ttl6_port": 40010, "free_port": 40011, "free_port2": 40012, "nonce_hex": "0a0b0c",
}
EXPECTATIONS_DIR = REPO_ROOT / "conformance" / "expectations"
SOCKETS_WIT = Path("@bytecodealliance", "jco", "lib", "wit", "builtin", "0.2.12",
                   "wasi-sockets", "package.wit")

# The functions of the seven interfaces (wasi-sockets.md §2), as probe calls; used when the
# jco package's WIT is not installed. ``network-error-code`` is @unstable (§2): optional.
LITERAL_FUNCTIONS = {
    "instance-network", "create-tcp-socket", "create-udp-socket", "resolve-addresses",
    "resolve-next-address", "resolver.subscribe",
    *(f"tcp.{m}" for m in (
        "start-bind", "finish-bind", "start-connect", "finish-connect", "start-listen",
        "finish-listen", "accept", "local-address", "remote-address", "is-listening",
        "address-family", "set-listen-backlog-size", "keep-alive-enabled",
        "set-keep-alive-enabled", "keep-alive-idle-time", "set-keep-alive-idle-time",
        "keep-alive-interval", "set-keep-alive-interval", "keep-alive-count",
        "set-keep-alive-count", "hop-limit", "set-hop-limit", "receive-buffer-size",
        "set-receive-buffer-size", "send-buffer-size", "set-send-buffer-size", "subscribe",
        "shutdown")),
    *(f"udp.{m}" for m in (
        "start-bind", "finish-bind", "stream", "local-address", "remote-address",
        "address-family", "unicast-hop-limit", "set-unicast-hop-limit", "receive-buffer-size",
        "set-receive-buffer-size", "send-buffer-size", "set-send-buffer-size", "subscribe")),
    "incoming.receive", "incoming.subscribe", "outgoing.check-send", "outgoing.send",
    "outgoing.subscribe",
}
UNSTABLE = {"network-error-code"}
RESOURCE_PREFIX = {"tcp-socket": "tcp", "udp-socket": "udp",
                   "incoming-datagram-stream": "incoming", "outgoing-datagram-stream": "outgoing"}


def wit_functions(text: str) -> tuple[set[str], set[str]]:
    """(probe call names, unstable function names) of the wasi-sockets package WIT."""
    calls: set[str] = set()
    unstable: set[str] = set()
    resource: str | None = None
    depth = 0
    pending_unstable = False
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("@unstable"):
            pending_unstable = True
            continue
        m = re.match(r"resource\s+([a-z-]+)\s*\{", line)
        if m:
            resource, depth = m.group(1), 1
            continue
        f = re.match(r"%?([a-z][a-z0-9-]*)\s*:\s*func\(", line)
        if f:
            name = f.group(1)
            if pending_unstable:
                unstable.add(name)
            elif resource is None:
                calls.add(name)
            elif resource == "resolve-address-stream":
                calls.add(name if name == "resolve-next-address" else f"resolver.{name}")
            else:
                calls.add(f"{RESOURCE_PREFIX[resource]}.{name}")
        pending_unstable = False
        if resource is not None:
            depth += line.count("{") - line.count("}")
            if depth <= 0:
                resource = None
    return calls, unstable


def _installed_wit() -> Path | None:
    for base in (REPO_ROOT / ".cache" / "wasmnet" / "node" / "node_modules",
                 REPO_ROOT / "conformance" / "node" / "node_modules"):
        if (base / SOCKETS_WIT).is_file():
            return base / SOCKETS_WIT
    return None


# ------------------------------------------------------------------------------- IDs


def test_scenario_ids_are_unique_and_well_formed() -> None:
    ids = [s.id for s in SCENARIOS]
    assert len(ids) == len(set(ids))
    for s in SCENARIOS:
        assert SCENARIO_ID.fullmatch(s.id), s.id
        assert s.id.split(".", 1)[0] in ("network", "tcp", "udp", "lookup", "io", "deny")
        case_ids = s.case_ids()
        assert len(case_ids) == len(set(case_ids)) == len(s.steps) > 0
        assert all(c.startswith(s.id + "#") for c in case_ids)


def test_case_ids_are_globally_unique() -> None:
    ids = [c for s in SCENARIOS for c in s.case_ids()]
    assert len(ids) == len(set(ids))


def test_scenarios_are_deterministic() -> None:
    """Building the scenarios again gives the same IDs and steps (no randomness, no state)."""
    from wasmnet_conformance.sockets import scenarios as pkg

    before = [(s.id, json.dumps(s.script_json(), sort_keys=True)) for s in SCENARIOS]
    for module in pkg.MODULES:
        importlib.reload(module)
    pkg.all_scenarios.cache_clear()
    try:
        after = [(s.id, json.dumps(s.script_json(), sort_keys=True))
                 for s in pkg.all_scenarios()]
    finally:
        pkg.all_scenarios.cache_clear()
    assert before == after


@pytest.mark.parametrize("example", [
    "tcp.bind.port-0-assigns-ephemeral", "tcp.listen.unbound-invalid-state",
    "udp.send.without-check-send-traps", "lookup.literal.ipv6-compressed",
])
def test_documented_ids_exist(example: str) -> None:
    assert example in by_id()


@pytest.mark.parametrize("name", ["wasmtime.json", "jco.json", "wasmtime-py.json"])
def test_expectation_files_name_existing_cases(name: str) -> None:
    path = EXPECTATIONS_DIR / name
    if not path.is_file():
        pytest.skip(f"{path} does not exist")
    exp = load_expectations(path, name.removesuffix(".json"))
    known = {c for s in SCENARIOS for c in s.case_ids()}
    assert exp.unknown_ids(known) == []
    for entry in exp.entries.values():
        assert entry.link and "wasi-sockets.md" in entry.link
        assert len(entry.reason) > 40, entry.id


def test_may_trap_steps_are_last_of_their_kind() -> None:
    """Each step that may trap sits in its own scenario (at most one per scenario)."""
    for s in SCENARIOS:
        assert len(s.may_trap) <= 1, s.id


# ------------------------------------------------------------------------------- coverage


def test_every_function_of_the_seven_interfaces_is_called() -> None:
    wit = _installed_wit()
    if wit is not None:
        functions, unstable = wit_functions(wit.read_text(encoding="utf-8"))
        assert functions == LITERAL_FUNCTIONS, "the jco WIT differs from the literal list"
        assert unstable == UNSTABLE
    else:
        functions = LITERAL_FUNCTIONS
    called = set().union(*(s.calls() for s in SCENARIOS))
    assert sorted(functions - called) == []


def test_granted_and_denied_scenarios_exist_for_each_family() -> None:
    families = {s.family for s in SCENARIOS if s.granted}
    assert {"network", "tcp", "udp", "lookup", "io"} <= families
    denied = {c for s in SCENARIOS if not s.granted for c in s.calls()}
    assert {"tcp.start-bind", "tcp.start-connect", "udp.start-bind", "udp.stream",
            "resolve-addresses", "create-tcp-socket", "create-udp-socket"} <= denied


def test_enough_checked_steps() -> None:
    steps = sum(len(s.steps) for s in SCENARIOS if s.granted)
    assert steps >= 300


def test_scenario_steps_are_probe_calls() -> None:
    from wasmnet_reference.sockets.model import CALLS

    for s in SCENARIOS:
        for step in s.steps:
            assert step["call"] in CALLS, (s.id, step)
        Script.of(s.id, s.steps)  # the probe contract's shape


def test_wit_parser_on_a_sample() -> None:
    text = """interface network {
        @unstable(feature = network-error-code)
        use wasi:io/error@0.2.12.{error};
        resource network;
        @unstable(feature = network-error-code)
        network-error-code: func(err: borrow<error>) -> option<error-code>;
    }
    interface udp {
        resource udp-socket {
            %stream: func(remote-address: option<ip-socket-address>) -> result<_, error-code>;
        }
        resource outgoing-datagram-stream {
            send: func(datagrams: list<outgoing-datagram>) -> result<u64, error-code>;
        }
    }"""
    calls, unstable = wit_functions(text)
    assert calls == {"udp.stream", "outgoing.send"}
    assert unstable == {"network-error-code"}


# ------------------------------------------------------------------------------- judging


def _run(scenario: Scenario, outcomes: list[StepOutcome], *, ended_at: int | None = None,
         end_kind: str | None = None, reports: dict[str, Any] | None = None) -> ScenarioRun:
    steps = list(Script.of(scenario.id, scenario.steps).substitute(VALUES).steps)
    obs = [o.observation() for o in outcomes]
    judgments = list(model_judge(steps, obs, granted=scenario.granted, values=VALUES))
    return ScenarioRun(scenario, VALUES, steps, outcomes, judgments, ended_at, end_kind,
                       fixture_reports=reports or {})


def _judge(run: ScenarioRun, expectations: Any = NO_EXPECTATIONS) -> list[CaseRecord]:
    return judge_scenario(run, expectations, repro="python -m wasmnet_conformance -k x")


def ok(value: Any = None, **extra: Any) -> StepOutcome:
    return StepOutcome("ok", value, extra)


def err(code: str) -> StepOutcome:
    return StepOutcome("err", code)


MISSING = StepOutcome("missing")
TRAP = StepOutcome("trap")


def outcomes(records: list[CaseRecord], profile: Profile = Profile.LENIENT) -> list[str]:
    return [r.outcomes[profile].value for r in records]


def test_listen_unbound_passes_with_the_documented_codes() -> None:
    s = by_id()["tcp.listen.unbound-invalid-state"]
    run = _run(s, [ok("s"), err("invalid-state"), err("not-in-progress"), ok(False),
                   err("invalid-state")])
    records = _judge(run)
    assert [r.id for r in records] == s.case_ids()
    assert outcomes(records) == ["passed"] * 5
    assert outcomes(records, Profile.STRICT) == ["passed"] * 5
    assert records[1].id == "tcp.listen.unbound-invalid-state#1-tcp.start-listen"
    assert records[1].repro == "python -m wasmnet_conformance -k x"


def test_listen_unbound_fails_when_listen_succeeds() -> None:
    s = by_id()["tcp.listen.unbound-invalid-state"]
    run = _run(s, [ok("s"), ok(None), err("not-in-progress"), ok(False), err("invalid-state")])
    record = _judge(run)[1]
    assert record.outcomes[Profile.LENIENT] is Outcome.FAILED
    first = record.detail.split("\n", 1)[0]
    assert "expected err(invalid-state)" in first and "observed ok(null)" in first
    assert record.rule is not None and "listen" in record.rule
    assert record.extra["observed"]["kind"] == "ok"
    assert any("invalid-state" in a for a in record.extra["allowed"])


def test_tolerated_code_passes_lenient_only() -> None:
    s = by_id()["tcp.listen.unbound-invalid-state"]
    run = _run(s, [ok("s"), err("access-denied"), err("not-in-progress"), ok(False),
                   err("invalid-state")])
    record = _judge(run)[1]
    assert record.outcomes[Profile.LENIENT] is Outcome.PASSED
    assert record.outcomes[Profile.STRICT] is Outcome.FAILED
    assert "lenient profile only" in record.detail


def test_required_trap() -> None:
    s = by_id()["io.poll.empty-list-traps"]
    assert outcomes(_judge(_run(s, [ok("net"), TRAP], ended_at=1, end_kind="trap"))) == \
        ["passed", "passed"]
    failed = _judge(_run(s, [ok("net"), ok([])]))
    assert outcomes(failed) == ["passed", "failed"]
    assert "trap" in failed[1].detail.split("\n", 1)[0]


def test_steps_after_an_allowed_trap_are_skipped() -> None:
    s = by_id()["udp.send.without-check-send-traps"]
    n = len(s.steps)
    trap_at = next(iter(s.may_trap))
    obs = [ok("net"), ok("s"), ok(None), ok(None, would_block=0),
           ok({"incoming": "s.in", "outgoing": "s.out"}), TRAP]
    assert len(obs) == trap_at + 1
    records = _judge(_run(s, obs + [MISSING] * (n - len(obs)), ended_at=trap_at,
                          end_kind="trap"))
    assert outcomes(records)[: trap_at + 1] == ["passed"] * (trap_at + 1)
    assert outcomes(records)[trap_at + 1:] == ["skipped"] * (n - trap_at - 1)
    assert "ends at the trap" in records[-1].detail


def test_steps_after_an_unexpected_trap_are_missing_failures() -> None:
    s = by_id()["tcp.listen.unbound-invalid-state"]
    records = _judge(_run(s, [ok("s"), TRAP, MISSING, MISSING, MISSING], ended_at=1,
                          end_kind="trap"))
    assert outcomes(records) == ["passed", "failed", "failed", "failed", "failed"]
    assert all(r.rule == "run.after-trap" for r in records[2:])
    assert "trapped at step 1" in records[2].detail


def test_missing_result_without_trap_fails() -> None:
    s = by_id()["tcp.listen.unbound-invalid-state"]
    run = _run(s, [ok("s"), err("invalid-state"), MISSING, ok(False), err("invalid-state")])
    records = _judge(run)
    assert outcomes(records)[2] == "failed"
    assert records[2].rule == "run.missing-result"


def test_ambiguity_readings_are_recorded_and_both_pass() -> None:
    s = by_id()["tcp.connect.port-0-invalid-argument"]
    streams = {"input": "s.in", "output": "s.out"}
    head = [ok("net"), ok("s"), err("invalid-argument"), err("not-in-progress")]
    reading_a = _judge(_run(s, [*head, err("invalid-state"), err("not-in-progress")]))
    reading_b = _judge(_run(s, [*head, ok(None), ok(streams, would_block=0)]))
    assert outcomes(reading_a) == ["passed"] * 6
    assert outcomes(reading_b) == ["passed"] * 6
    flag = "tcp.connect.state-after-rejection"
    assert flag in reading_a[4].flags and flag in reading_b[4].flags
    assert reading_a[4].reading != reading_b[4].reading


def test_data_check_failure_names_the_rule() -> None:
    s = by_id()["tcp.stream.echo-roundtrip"]
    data = s.steps[4]["args"][1]
    good = [ok("net"), ok("s"), ok(None), ok({"input": "s.in", "output": "s.out"},
                                               would_block=0),
            ok(None, written=len(data) // 2), ok(data, closed=False)]
    assert outcomes(_judge(_run(s, good))) == ["passed"] * 6
    bad = [*good[:5], ok("00" * (len(data) // 2), closed=False)]
    record = _judge(_run(s, bad))[5]
    assert record.outcomes[Profile.LENIENT] is Outcome.FAILED
    assert record.rule == TCP_DATA.id
    assert "expected bytes" in record.detail


def test_uncreated_resources_make_later_steps_not_applicable() -> None:
    s = by_id()["deny.tcp.bind"]
    probe_error = StepOutcome("probe-error", "unknown resource '$s'")
    run = _run(s, [ok("net"), err("access-denied"), probe_error, probe_error, probe_error])
    records = _judge(run)
    assert outcomes(records) == ["passed", "passed", "skipped", "skipped", "skipped"]
    assert "does not exist" in records[2].detail


def test_probe_error_is_a_suite_failure() -> None:
    s = by_id()["tcp.listen.unbound-invalid-state"]
    run = _run(s, [ok("s"), StepOutcome("probe-error", "bad"), err("not-in-progress"),
                   ok(False), err("invalid-state")])
    assert outcomes(_judge(run))[1] == "failed"


def test_expectations_turn_failures_into_xfail_and_passes_into_xpass(tmp_path: Path) -> None:
    s = by_id()["tcp.listen.unbound-invalid-state"]
    path = tmp_path / "rt.json"
    path.write_text(json.dumps({"format": "wasmnet-expectations/1", "target": "rt",
                                "expected_failures": [{"id": s.case_id(1), "reason": "x"}]}))
    exp = load_expectations(path, "rt")
    bad = _run(s, [ok("s"), ok(None), err("not-in-progress"), ok(False), err("invalid-state")])
    good = _run(s, [ok("s"), err("invalid-state"), err("not-in-progress"), ok(False),
                    err("invalid-state")])
    assert outcomes(_judge(bad, exp))[1] == "xfailed"
    assert outcomes(_judge(good, exp))[1] == "xpassed"
    assert outcomes(_judge(bad))[1] == "failed"
    assert _judge(bad, exp)[1].extra["expected_failure"]["reason"] == "x"


def test_deleting_one_expectation_entry_fails_exactly_that_case(tmp_path: Path) -> None:
    """The sockets part loads conformance/expectations/<runtime>.json (or --expectations) per
    runtime with expectations_for; a copy of jco.json without one entry turns exactly that
    case from xfailed into failed (here jco's accepted send without check-send, §7.1)."""
    s = by_id()["udp.send.without-check-send-traps"]
    case = s.case_id(5)
    observed = [ok("net"), ok("s"), ok(None), ok(None, would_block=0),
                ok({"incoming": "s.in", "outgoing": "s.out"}), ok(1), ok(141)]
    real = expectations_for("jco", None)
    assert case in real.entries, "the deviation this test relies on is listed for jco"
    with_entry = outcomes(_judge(_run(s, observed), real))
    assert with_entry[5] == "xfailed" and with_entry.count("passed") == 6
    doc = json.loads((EXPECTATIONS_DIR / "jco.json").read_text())
    doc["expected_failures"] = [e for e in doc["expected_failures"] if e["id"] != case]
    copy = tmp_path / "jco.json"
    copy.write_text(json.dumps(doc))
    without = expectations_for("jco", copy)
    assert set(real.entries) - set(without.entries) == {case}
    records = _judge(_run(s, observed), without)
    assert outcomes(records) == [*with_entry[:5], "failed", *with_entry[6:]]
    assert [r.id for r in records if r.outcomes[Profile.LENIENT] in UNEXPECTED] == [case]


def test_evaluate_check_kinds() -> None:
    outs = [ok({"ipv4": [127, 0, 0, 1], "port": 5}), ok({"ipv4": [127, 0, 0, 1], "port": 0}),
            ok([{"data": "aa", "remote-address": {"ipv4": [127, 0, 0, 1], "port": 9}}]),
            err("invalid-state"), ok("abcd", closed=True)]

    def check(kind: str, step: int, **kw: Any) -> str:
        return evaluate_check(Check(step, kind, TCP_DATA, **kw), outs, VALUES, {}).status

    assert check("port-nonzero", 0) == "pass"
    assert check("port-nonzero", 1) == "fail"
    assert check("port-nonzero", 3) == "n/a"
    assert check("ip-equals", 0, expected=[127, 0, 0, 1]) == "pass"
    assert check("same-as", 1, other=0) == "fail"
    assert check("same-as", 0, other=0) == "pass"
    assert check("data-equals", 2, expected=["aa"]) == "pass"
    assert check("data-equals", 2, expected=["ab"]) == "fail"
    assert check("datagrams-exclude", 2, expected="aa") == "fail"
    assert check("max-items", 2, expected=1) == "pass"
    assert check("equals", 2, key="0.remote-address",
                 expected={"ipv4": [127, 0, 0, 1], "port": 9}) == "pass"
    assert check("equals", 4, key="closed", expected=True) == "pass"
    assert check("equals", 0, expected={"ipv4": [127, 0, 0, 1], "port": "{tcp_echo_port}"}) \
        == "fail"
    assert check("equals", 0, expected=5, record="option.exact-readback") == "recorded"


def test_fixture_check_compares_the_observed_ttl() -> None:
    s = by_id()["udp.option.unicast-hop-limit-observed-7"]
    c = next(c for c in s.checks if c.kind == "fixture")
    payload = fill(c.expected["data"], VALUES)
    outs = [ok(None)] * len(s.steps)
    outs[c.step] = ok(1)
    seen = {"ttl": [{"family": "ipv4", "hop_limit": 7, "data": payload}]}
    assert evaluate_check(c, outs, VALUES, seen).status == "pass"
    seen = {"ttl": [{"family": "ipv4", "hop_limit": 64, "data": payload}]}
    result = evaluate_check(c, outs, VALUES, seen)
    assert result.status == "fail" and "64" in result.detail
    assert evaluate_check(c, outs, VALUES, {"ttl": []}).status == "fail"
    assert evaluate_check(c, outs, VALUES, {}).status == "n/a"


def test_uncreated_tracks_streams_of_failed_connects() -> None:
    steps: list[dict[str, Any]] = [{"call": "create-tcp-socket", "args": ["ipv4"], "as": "s"},
             {"call": "finish", "args": ["tcp.finish-connect", "$s", 100]},
             {"call": "write-all", "args": ["$s.out", "00"]}]
    outs = [ok("s"), err("connection-refused"), StepOutcome("probe-error", "unknown")]
    assert uncreated(steps, outs) == {2: ("s.out", 1)}


# ------------------------------------------------------------------------------- plan, packing


def test_plan_gives_reasons() -> None:
    s = [by_id()["tcp.listen.unbound-invalid-state"], by_id()["lookup.literal.ipv4"],
         by_id()["udp.option.unicast-hop-limit-observed-ipv6-7"],
         by_id()["udp.datagram.ipv4-max-65507"], by_id()["deny.tcp.bind"]]
    values = {k: v for k, v in VALUES.items() if k not in ("ttl6_port",)}
    planned = plan(s, capabilities=frozenset({"lookup"}), fixture_values=values,
                   unavailable={"ttl6_port": "no IPv6 here"}, selected=lambda _: True)
    reasons = [p.skip_reason for p in planned]
    assert reasons[0] is not None and "tcp" in reasons[0]
    assert reasons[1] is None
    assert reasons[2] is not None and "udp" in reasons[2]
    assert reasons[4] is not None and "deny" in reasons[4]
    full = plan(s, capabilities=frozenset({"tcp", "udp", "lookup", "deny"}),
                fixture_values=values, unavailable={"ttl6_port": "no IPv6 here"},
                selected=lambda sc: sc.id != "lookup.literal.ipv4")
    reasons = [p.skip_reason for p in full]
    assert reasons[0] is None and reasons[4] is None
    assert reasons[1] == "not selected by -k"
    assert reasons[2] is not None and "no IPv6 here" in reasons[2]
    assert reasons[3] is None, "the 65,507-byte datagram travels in the compact repeat form"
    base = by_id()["tcp.listen.unbound-invalid-state"]
    huge = replace(base, id="x.too-long", steps=(
        *base.steps, {"call": "output.write", "args": ["$s.out", "00" * MAX_SCRIPT_BYTES]}))
    [too_long] = plan([huge], capabilities=frozenset({"tcp"}), fixture_values=values,
                      unavailable={}, selected=lambda _: True)
    assert too_long.skip_reason is not None and str(MAX_SCRIPT_BYTES) in too_long.skip_reason


def test_datagram_sizes_use_the_compact_form() -> None:
    """§7.1 sizes: max, max+1 and 70,000 bytes fit a script (repeat form); the data check
    holds the expanded bytes, and the model measures the repeat form as the probe expands it."""
    for sid, n in (("udp.datagram.ipv4-max-65507", 65_507),
                   ("udp.datagram.ipv4-max-plus-one-too-large", 65_508),
                   ("udp.datagram.ipv4-70000-too-large", 70_000),
                   ("udp.datagram.ipv6-max-65527", 65_527),
                   ("udp.datagram.ipv6-max-plus-one-too-large", 65_528)):
        sc = by_id()[sid]
        [send] = [st for st in sc.steps if st["call"] == "outgoing.send"]
        data = send["args"][1][0]["data"]
        assert isinstance(data, dict) and set(data) == {"repeat", "count"}
        assert data_len(data) == n and len(data_hex(data) or "") == 2 * n
        assert len(Script.of(sc.id, list(sc.steps)).to_json()) < 2_000
        for c in sc.checks:
            if c.step > sc.steps.index(send):
                assert len(c.expected[0]) == 2 * n
    assert data_len({"repeat": "0a0b", "count": 3}) == 6
    assert data_hex({"repeat": "0A", "count": 2}) == "0a0a"
    for bad in ({"repeat": "0", "count": 1}, {"repeat": "00", "count": -1},
                {"repeat": "00", "count": True}, {"repeat": "00"},
                {"repeat": "00", "count": 1 << 21}, 5, "zz"):
        assert data_len(bad) is None


def _output(script: Script, results: list[StepResult], *, trapped_at: int | None = None,
            done: bool = True) -> RunOutput:
    return RunOutput(script.id, [], trapped_at, 0 if done else 1, "", 1.0, False, done, results)


def test_packing_round_trip() -> None:
    a = Script.of("a", [{"call": "create-tcp-socket", "args": ["ipv4"], "as": "s"},
                        {"call": "finish", "args": ["tcp.finish-connect", "$s", 10]},
                        {"call": "drop", "args": ["$s.in"]}])
    b = Script.of("b", [{"call": "instance-network"},
                        {"call": "resolve-addresses", "args": ["$_0", "::1"]}])
    (p,) = packing.pack([a, b], granted=True, pack_id="p")
    steps = p.script.steps
    assert steps[0]["as"] == "z0_s" and steps[1]["args"][1] == "$z0_s"
    assert steps[2]["args"] == ["$z0_s.in"]
    assert steps[3]["as"] == "z1__0" and steps[4]["args"][0] == "$z1__0"
    results = [StepResult(0, "create-tcp-socket", "ok", "z0_s"),
               StepResult(1, "finish", "ok", {"input": "z0_s.in", "output": "z0_s.out"},
                          {"would_block": 0}),
               StepResult(2, "drop", "ok", None),
               StepResult(3, "instance-network", "ok", "z1__0"),
               StepResult(4, "resolve-addresses", "err", "invalid-argument")]
    done, rerun = packing.split(p, _output(p.script, results))
    assert rerun == []
    (_ma, oa), (_mb, ob) = done
    assert [r.value for r in oa.results] == ["s", {"input": "s.in", "output": "s.out"}, None]
    assert [(r.i, r.value) for r in ob.results] == [(0, "_0"), (1, "invalid-argument")]
    assert oa.done and ob.done and oa.script_id == "a"


def test_packing_reruns_members_cut_short() -> None:
    scripts = [Script.of(f"s{i}", [{"call": "instance-network", "as": "n"}] * 1)
               for i in range(3)]
    (p,) = packing.pack(scripts, granted=True, pack_id="p")
    results = [StepResult(0, "instance-network", "ok", "z0_n"),
               StepResult(1, "instance-network", "trap")]
    done, rerun = packing.split(p, _output(p.script, results, trapped_at=1, done=False))
    assert [m.script.id for m, _ in done] == ["s0"]
    assert [m.script.id for m in rerun] == ["s1", "s2"]


def test_packs_respect_the_bounds() -> None:
    scripts = [Script.of(f"s{i}", [{"call": "instance-network", "as": "n"}] * 1)
               for i in range(25)]
    packs = packing.pack(scripts, granted=False, pack_id="p", max_members=10)
    assert [len(p.members) for p in packs] == [10, 10, 5]
    assert all(not p.script.granted for p in packs)


# ------------------------------------------------------------------------------- matrix


def _record(case_id: str, outcome: Outcome, rules: dict[str, bool]) -> CaseRecord:
    step = int(case_id.split("#")[1].split("-")[0])
    return CaseRecord(case_id, "sockets", {p: outcome for p in Profile}, "detail",
                      rule=next(iter(rules)),
                      extra={"rules": {r: {p.value: v for p in Profile}
                                       for r, v in rules.items()},
                             "scenario": case_id.split("#")[0], "step": step,
                             "observed": {"kind": "ok", "value": "1"}, "allowed": ["trap"]})


def _part(name: str, records: list[CaseRecord]) -> PartRun:
    return PartRun("sockets", name, "2026-01-01T00:00:00+00:00", 1.0, Profile.LENIENT,
                   records, meta={"available": True, "version": "1"})


def test_matrix_and_phase4_verdict() -> None:
    sid = "udp.send.without-check-send-traps"
    must = "udp.send.without-check-send-traps"
    ok_rec = _record(f"{sid}#5-outgoing.send", Outcome.PASSED, {must: True})
    bad_rec = _record(f"{sid}#5-outgoing.send", Outcome.XFAILED, {must: False})
    runs = [_part("wasmtime", [ok_rec]), _part("wasmtime-py", [ok_rec]),
            _part("jco", [bad_rec])]
    m = matrix.build_matrix(runs, Profile.LENIENT)
    assert m[must]["wasmtime"].status == matrix.PASS
    assert m[must]["jco"].status == matrix.KNOWN
    p4 = matrix.phase4(runs, m)
    assert p4.passing == ["wasmtime", "wasmtime-py"]
    assert p4.groups == ["wasmtime"] and not p4.verdict
    failures = matrix.must_failures(runs, Profile.LENIENT, by_id())
    (f,) = failures["jco"]
    assert f.rule == must and f.known
    assert f.script["steps"] == list(by_id()[sid].script_json(upto=5)["steps"])
    runs2 = [_part("wasmtime", [ok_rec]), _part("jco", [ok_rec])]
    assert matrix.phase4(runs2, matrix.build_matrix(runs2, Profile.LENIENT)).verdict
    text = matrix.phase4_md(p4, m, failures, Profile.LENIENT)
    assert "NOT independent" in text and "At least two independent runtimes pass every " \
        "MUST rule: NO" in text
    assert '"call": "outgoing.send"' in text and f.repro is None


def test_unavailable_runtime_is_not_counted() -> None:
    rec = _record("tcp.listen.unbound-invalid-state#1-tcp.start-listen", Outcome.PASSED,
                  {"tcp.listen.ok": True})
    gone = PartRun("sockets", "jco", "t", 0.0, Profile.LENIENT, [],
                   meta={"available": False, "reason": "node not found"})
    runs = [_part("wasmtime", [rec]), gone]
    p4 = matrix.phase4(runs, matrix.build_matrix(runs, Profile.LENIENT))
    assert p4.passing == ["wasmtime"] and not p4.verdict
    md = matrix.matrix_md(runs, Profile.LENIENT, matrix.build_matrix(runs, Profile.LENIENT))
    assert "node not found" in md


# ------------------------------------------------------------------------------- the part's CLI


def _args(*argv: str) -> Any:
    import argparse

    from wasmnet_conformance.sockets import cli

    parser = argparse.ArgumentParser()
    cli.add_arguments(parser)
    return parser.parse_args(list(argv))


def test_cli_selects_runtimes() -> None:
    from wasmnet_conformance.errors import UsageError
    from wasmnet_conformance.sockets import cli

    assert cli.selected(_args()) is None
    assert cli.selected(_args("--runtime", "jco")) is True
    assert [a.name for a in cli.adapters_for(_args("--runtime", "jco"))] == ["jco"]
    names = [a.name for a in cli.adapters_for(_args())]
    assert names[:3] == ["wasmtime", "jco", "wasmtime-py"]
    generic = cli.adapters_for(_args("--runtime-cmd", "my-rt run {wasm}",
                                     "--runtime-target", "mine"))
    assert [a.name for a in generic] == ["mine"]
    assert "deny" not in generic[0].capabilities
    for bad in (("--runtime", "nosuch"), ("--runtime", "generic"), ("--runtime-target", "x"),
                ("--runtime-cmd", "my-rt run", "--runtime-target", "x"),
                ("--runtime-deny-cmd", "x {wasm}")):
        with pytest.raises(UsageError):
            cli.adapters_for(_args(*bad))


def test_cli_repro_lines_rerun_one_scenario_in_one_runtime() -> None:
    from wasmnet_conformance.sockets import cli
    from wasmnet_conformance.targets import repro_line

    (jco,) = cli.adapters_for(_args("--runtime", "jco"))
    line = repro_line(cli.repro_options(jco, _args("--runtime", "jco")), "tcp.connect.echo#")
    assert line == "python -m wasmnet_conformance --runtime jco -k 'tcp.connect.echo#'"
    args = _args("--runtime-cmd", "rt {wasm}", "--runtime-target", "mine",
                 "--sockets-timeout", "5")
    (mine,) = cli.adapters_for(args)
    line = repro_line(cli.repro_options(mine, args), "x#")
    assert line == ("python -m wasmnet_conformance --runtime-cmd 'rt {wasm}' --runtime-target "
                    "mine --sockets-timeout 5 -k 'x#'")


def test_cli_list_prints_selected_case_ids(capsys: pytest.CaptureFixture[str],
                                           tmp_path: Path) -> None:
    from wasmnet_conformance.cli import Common
    from wasmnet_conformance.sockets import cli

    common = Common(reports_dir=tmp_path, profile=Profile.LENIENT,
                    filters=["tcp.listen.unbound-invalid-state#"], case_timeout=10.0,
                    quiet=True, list_only=True, expectations=None, repo_root=REPO_ROOT)
    assert cli.run(_args("--runtime", "jco"), common) == []
    printed = capsys.readouterr().out.split()
    assert printed == by_id()["tcp.listen.unbound-invalid-state"].case_ids()


# ------------------------------------------------------------------------------- reports


def test_an_unavailable_runtime_shows_as_not_run(tmp_path: Path) -> None:
    """A runtime that is not installed is a PartRun with no cases and meta.available false:
    'not run (reason)' in the text summary, summary.json and the index, never PASS."""
    reason = "node not found: install Node.js >= 18 (with npm)"
    missing = PartRun(part="sockets", target="jco", started="2025-01-01T00:00:00+00:00",
                      duration_s=0.1, profile=Profile.LENIENT, records=[],
                      meta={"runtime": "jco", "available": False, "reason": reason})
    empty_ok = PartRun(part="sockets", target="other", started="2025-01-01T00:00:00+00:00",
                       duration_s=0.1, profile=Profile.LENIENT, records=[],
                       meta={"available": True})
    assert report.run_result(missing) == f"not run ({reason})"
    assert report.run_result(empty_ok) == "PASS"
    paths = report.write_run(missing, tmp_path)
    assert report.text_summary(missing, paths, quiet=True).endswith(
        f"result: not run ({reason})")
    doc = json.loads(paths[0].read_text())
    assert doc["result"] == "not run" and doc["not_run_reason"] == reason
    report.write_run(empty_ok, tmp_path)
    _, md, warnings = report.write_index(tmp_path)
    assert warnings == []
    rows = {r["target"]: r for r in json.loads((tmp_path / "index.json").read_text())["rows"]}
    assert rows["jco"]["result"] == "not run" and rows["jco"]["not_run_reason"] == reason
    assert rows["other"]["result"] == "PASS"
    [jco_line] = [ln for ln in md.read_text().splitlines() if "| jco |" in ln]
    assert f"not run ({reason})" in jco_line and "PASS" not in jco_line
