"""The conformance world (conformance/wit/) and its reference handlers.

Checks that the WIT loads through wasm-tools, that handlers and WIT functions match one to one,
the handlers' behaviour on direct calls (fake incoming futures and streams built from asyncio
primitives, following the handler contract of wasmnet_reference.wrpc), the sample values, and how
many golden value vectors can be sent to an echo function of exactly their type.
"""

from __future__ import annotations

import asyncio
import fnmatch
import json
import re
from collections.abc import AsyncIterator, Awaitable
from pathlib import Path
from typing import Any, TypeVar

import pytest

from wasmnet_reference.codec import decode_value, encode_value
from wasmnet_reference.errors import WitError
from wasmnet_reference.values import (
    EnumValue,
    Err,
    Handle,
    Ok,
    Ready,
    Some,
    Value,
    values_equal,
)
from wasmnet_reference.wit import json_form
from wasmnet_reference.wit.loader import WitFunction, WitPackage, load_wit_path, load_wit_text
from wasmnet_reference.wit.types import HandleType, ListType, WitType
from wasmnet_reference.wrpc import InvocationFailed, Server, Signature, functions_from_wit, invoke
from wasmnet_reference.wrpc_world import handlers as handlers_module
from wasmnet_reference.wrpc_world import world
from wasmnet_reference.wrpc_world.counters import CounterTable, UnknownHandleError
from wasmnet_reference.wrpc_world.handlers import CallFailure, Handler, handlers
from wasmnet_reference.wrpc_world.values import ECHO_SAMPLES, expected_echo

REPO = Path(__file__).resolve().parents[1]
DOC = REPO / "docs" / "conformance-world.md"
BOUND_S = 10.0  # upper bound on any single async test; reaching it means a deadlock

ECHO = "wasmnet:conformance/echo@0.1.0"
ASYNC = "wasmnet:conformance/async-echo@0.1.0"
RES = "wasmnet:conformance/resources@0.1.0"

T = TypeVar("T")


def run(aw: Awaitable[T]) -> T:
    """Run ``aw`` to completion in a fresh event loop, bounded by BOUND_S."""

    async def bounded() -> T:
        return await asyncio.wait_for(aw, BOUND_S)

    return asyncio.run(bounded())


@pytest.fixture(scope="module")
def pkg() -> WitPackage:
    return load_wit_path(world.wit_dir())


def all_functions(pkg: WitPackage) -> dict[tuple[str, str], WitFunction]:
    out = {(i.qualified_name, f.name): f for i in pkg.interfaces.values()
           for f in i.functions.values()}
    for fn in pkg.world_functions["conformance"].values():
        out[("", fn.name)] = fn
    return out


# --- fake incoming async values (the handler contract) -------------------------------------


class FakeStream:
    """An incoming stream: async-iterable of chunks fed from a queue (None ends it)."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue[list[Any] | None] = asyncio.Queue()

    def send(self, chunk: list[Any]) -> None:
        self.queue.put_nowait(chunk)

    def end(self) -> None:
        self.queue.put_nowait(None)

    def __aiter__(self) -> AsyncIterator[list[Any]]:
        return self._chunks()

    async def _chunks(self) -> AsyncIterator[list[Any]]:
        while (chunk := await self.queue.get()) is not None:
            yield chunk

    async def read_all(self) -> list[Any]:
        return [x async for chunk in self for x in chunk]


def fake_stream(*chunks: list[Any]) -> FakeStream:
    s = FakeStream()
    for c in chunks:
        s.send(c)
    s.end()
    return s


async def collect(stream: Any) -> list[list[Any]]:
    return [chunk async for chunk in stream]


def h(key: tuple[str, str]) -> Handler:
    return handlers(hang_limit_s=BOUND_S)[key]


# --- the WIT ------------------------------------------------------------------------------


def test_wit_loads_with_expected_names(pkg: WitPackage) -> None:
    assert pkg.name == "wasmnet:conformance@0.1.0"
    assert {i.qualified_name for i in pkg.interfaces.values()} == {ECHO, ASYNC, RES}
    assert list(pkg.world_functions) == ["conformance"]
    assert set(pkg.world_functions["conformance"]) == {"ping"}
    assert (world.ECHO, world.ASYNC_ECHO, world.RESOURCES) == (ECHO, ASYNC, RES)
    pkg.types()  # a type name used in two interfaces must be the same type


def test_every_function_has_a_handler_and_vice_versa(pkg: WitPackage) -> None:
    wit = set(all_functions(pkg))
    table = set(handlers())
    assert wit - table == set(), "functions without a handler"
    assert table - wit == set(), "handlers without a function"
    assert len(wit) == 61 + 17 + 7 + 1


def test_resource_function_wire_names(pkg: WitPackage) -> None:
    fns = pkg.interfaces["resources"].functions
    # wrpc.md §2: [constructor]/[method] prefixes are removed on the wire.
    assert fns["counter"].wit_name == "[constructor]counter"
    assert fns["counter.get"].wit_name == "[method]counter.get"
    assert fns["counter.get"].params == (("self", HandleType("counter", owned=False)),)
    assert fns["counter"].result == HandleType("counter", owned=True)


def test_echo_functions_return_their_parameter_type(pkg: WitPackage) -> None:
    borrow_to_own = {"echo-borrow-r", "echo-list-borrow-r"}
    checked = 0
    for (_, name), fn in all_functions(pkg).items():
        if not name.startswith("echo-") or name == "echo-many" or name in borrow_to_own:
            continue
        assert len(fn.params) == 1 and fn.result == fn.params[0][1], name
        checked += 1
    assert checked == 61 - 5 + 12 + 2
    fns = pkg.interfaces["resources"].functions
    assert fns["echo-borrow-r"].result == HandleType("r", owned=True)
    assert fns["echo-list-borrow-r"].result == ListType(HandleType("r", owned=True))


def test_async_echo_types_match_the_wit(pkg: WitPackage) -> None:
    fns = pkg.interfaces["async-echo"].functions
    for name, t in handlers_module.ASYNC_ECHO_TYPES.items():
        assert fns[name].params[0][1] == t, name


def test_flags_over_32_cannot_be_declared() -> None:
    """The `flags-over-32` disagreement: if WIT tooling starts accepting it, the world should
    gain flags33/flags64/flags65 echo functions (docs/conformance-world.md)."""
    labels = ", ".join(f"l{i}" for i in range(33))
    with pytest.raises(WitError):
        load_wit_text(f"package a:b;\ninterface i {{ flags flags33 {{ {labels} }} }}\n")


def doc_rows() -> dict[str, str]:
    """Table rows of docs/conformance-world.md by the function named in their first cell."""
    rows = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        m = re.match(r"\| `([a-z0-9.-]+)` \|", line)
        if m:
            assert m.group(1) not in rows, f"two rows for {m.group(1)}"
            rows[m.group(1)] = line
    return rows


def test_docs_have_a_row_for_every_function(pkg: WitPackage) -> None:
    assert {name for _, name in all_functions(pkg)} <= set(doc_rows())


def load_value_vectors() -> list[tuple[str, str, WitType]]:
    """(id, result, type) of every value vector."""
    out = []
    for path in sorted((REPO / "vectors").glob("*.json")):
        for group in json.loads(path.read_text(encoding="utf-8"))["groups"]:
            for v in group["vectors"]:
                if v["kind"] == "value":
                    out.append((v["id"], v["result"], json_form.from_json(v["type"]["json"])))
    return out


def test_docs_vector_patterns_are_exact_and_complete(pkg: WitPackage) -> None:
    """Each row's `value.…` patterns match only vectors of the function's parameter type, and
    together every vector of that type: the doc is an exact index of what each echo gets."""
    fns = {name: fn for (_, name), fn in all_functions(pkg).items()}
    vectors = load_value_vectors()
    rows = doc_rows()
    for name, line in rows.items():
        patterns = re.findall(r"`(value\.[a-z0-9.*-]+)`", line)
        if not patterns:
            continue
        t = fns[name].params[0][1]
        for pat in patterns:
            hits = [(i, vt) for i, _, vt in vectors if fnmatch.fnmatchcase(i, pat)]
            assert hits, f"{name}: {pat} matches no vector"
            assert all(vt == t for _, vt in hits), f"{name}: {pat} matches other types"
        of_type = {i for i, _, vt in vectors if vt == t}
        matched = {i for i in of_type if any(fnmatch.fnmatchcase(i, p) for p in patterns)}
        assert of_type == matched, f"{name}: vectors of its type not in the doc"
    # every echo function that has vectors of its type lists them
    for name, fn in fns.items():
        if name.startswith("echo-") and len(fn.params) == 1:
            has = any(vt == fn.params[0][1] for _, _, vt in vectors)
            assert not has or "`value." in rows[name], name


# --- golden vector coverage -------------------------------------------------------------


def test_valid_value_vectors_with_an_echo_function_of_their_type(pkg: WitPackage) -> None:
    param_types: list[WitType] = [
        fn.params[0][1] for fn in all_functions(pkg).values() if len(fn.params) == 1
    ]
    counts = {"valid": 0, "invalid": 0, "acceptable": 0}
    uncovered: list[str] = []
    for vid, result, t in load_value_vectors():
        if t in param_types:
            counts[result] += 1
        elif result == "valid":
            uncovered.append(vid)
    print(f"value vectors with an echo function of their type: {counts}; "
          f"valid ones not covered: {uncovered}")
    assert counts["valid"] >= 150
    # The gaps: what WIT cannot declare (flags over 32 labels), the depth-100 vector (needs
    # max_depth above the default 64) and futures nested in futures (no path rule, wrpc.md §3).
    assert all(i.startswith(("value.flags.33", "value.flags.64", "value.flags.65",
                             "value.future.future.", "value.future.stream."))
               or i == "value.limits.option-depth-100" for i in uncovered)


# --- samples ------------------------------------------------------------------------------


def test_every_sync_echo_function_has_samples_of_its_type(pkg: WitPackage) -> None:
    fns = {**pkg.interfaces["echo"].functions, **pkg.interfaces["resources"].functions}
    sync_echo = set(handlers_module.ECHO_FUNCTIONS) | set(
        handlers_module.RESOURCE_ECHO_FUNCTIONS) | {"echo-many"}
    assert set(ECHO_SAMPLES) == sync_echo
    for name, samples in ECHO_SAMPLES.items():
        fn = fns[name]
        assert fn.result is not None
        for args in samples:
            assert len(args) == len(fn.params), name
            for (_, t), arg in zip(fn.params, args, strict=True):
                assert values_equal(decode_value(encode_value(arg, t), t), arg), name
            expected = expected_echo(name, args)
            assert values_equal(decode_value(encode_value(expected, fn.result), fn.result),
                                expected), name


def test_sync_echo_handlers_return_the_samples() -> None:
    table = handlers()
    for name, samples in ECHO_SAMPLES.items():
        instance = RES if name in handlers_module.RESOURCE_ECHO_FUNCTIONS else ECHO
        for args in samples:
            got = run(table[(instance, name)](*args))
            assert values_equal(got, expected_echo(name, args)), (name, args)


def test_echo_many_returns_a_tuple_in_order() -> None:
    got = run(h((ECHO, "echo-many"))(1, "b", [3], None))
    assert values_equal(got, (1, "b", [3], None))


# --- call shapes --------------------------------------------------------------------------


def test_ping_constant_sink() -> None:
    assert run(h(("", "ping"))()) == "pong"
    assert run(h((ECHO, "constant"))()) == "wasmnet:conformance@0.1.0 \u0192\U00010348\u0150"
    assert run(h((ECHO, "sink"))("anything")) is None


def test_fail_always_fails() -> None:
    with pytest.raises(CallFailure):
        run(h((ECHO, "fail"))())


def test_hang_is_cancellable() -> None:
    async def scenario() -> bool:
        task = asyncio.ensure_future(h((ECHO, "hang"))())
        for _ in range(5):
            await asyncio.sleep(0)
        assert not task.done()
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            return True
        return False

    assert run(scenario())


def test_hang_gives_up_at_its_bound_without_a_result() -> None:
    with pytest.raises(CallFailure):
        run(handlers(hang_limit_s=0.01)[(ECHO, "hang")]())


# --- streams ------------------------------------------------------------------------------


def test_stream_echo_relays_each_chunk_before_the_next_arrives() -> None:
    """The source only produces chunk 2 after the consumer received chunk 1: an echo that
    waited for the end of the input would deadlock (and hit the bound)."""

    async def scenario() -> list[list[Any]]:
        src = FakeStream()
        out = await h((ASYNC, "echo-stream-u8"))(src)
        received: list[list[Any]] = []
        src.send([1, 2])
        it = out.__aiter__()
        received.append(await it.__anext__())
        src.send([3])
        received.append(await it.__anext__())
        src.end()
        received.extend([c async for c in it])
        return received

    assert run(scenario()) == [[1, 2], [3]]


def test_stream_echo_drops_empty_chunks_and_keeps_elements() -> None:
    out = run(h((ASYNC, "echo-stream-string"))(fake_stream(["a"], [], ["", "ƒ𐍈Ő"])))
    assert run(collect(out)) == [["a"], ["", "ƒ𐍈Ő"]]
    points = [{"x": 1, "y": -1}, {"x": 0, "y": 2**31 - 1}]
    out = run(h((ASYNC, "echo-stream-point"))(fake_stream(points[:1], points[1:])))
    assert run(collect(out)) == [points[:1], points[1:]]


def test_stream_echo_of_a_ready_stream() -> None:
    out = run(h((ASYNC, "echo-stream-u8"))(Ready([1, 2])))
    assert run(collect(out)) == [[1, 2]]
    out = run(h((ASYNC, "echo-stream-unit"))(Ready([])))
    assert run(collect(out)) == []


@pytest.mark.parametrize("first", ["left", "right"])
def test_two_streams_pumps_both_concurrently(first: str) -> None:
    """The ``first`` side sends one chunk and then waits until the other side's first chunk came
    out; the other side only starts once the first side's chunk came out. Relaying one side to
    its end before starting the other deadlocks (and hits the bound), whichever side that is."""
    second = "right" if first == "left" else "left"

    async def scenario() -> dict[str, list[list[Any]]]:
        src = {"left": FakeStream(), "right": FakeStream()}
        out = await h((ASYNC, "two-streams"))(dict(src))
        assert set(out) == {"left", "right"}
        seen = {"left": asyncio.Event(), "right": asyncio.Event()}
        data: dict[str, list[list[Any]]] = {"left": [[1], [2]], "right": [["a"], ["b"]]}

        async def feed_first() -> None:
            src[first].send(data[first][0])
            await seen[second].wait()
            src[first].send(data[first][1])
            src[first].end()

        async def feed_second() -> None:
            await seen[first].wait()
            src[second].send(data[second][0])
            src[second].send(data[second][1])
            src[second].end()

        async def drain(side: str) -> list[list[Any]]:
            chunks = []
            async for chunk in out[side]:
                chunks.append(chunk)
                seen[side].set()
            return chunks

        results = await asyncio.gather(feed_first(), feed_second(), drain("left"), drain("right"))
        return {"left": results[2], "right": results[3]}

    assert run(scenario()) == {"left": [[1], [2]], "right": [["a"], ["b"]]}


def test_count() -> None:
    assert run(collect(run(h((ASYNC, "count"))(0)))) == []
    chunks = run(collect(run(h((ASYNC, "count"))(2500))))
    assert [x for c in chunks for x in c] == list(range(2500))
    assert all(c for c in chunks)
    with pytest.raises(CallFailure):
        run(h((ASYNC, "count"))(1_000_001))


def test_count_at_its_bound_is_allowed() -> None:
    out = run(h((ASYNC, "count"))(1_000_000))
    first = run(out.__anext__())
    assert first[0] == 0


def test_stream_result() -> None:
    got = run(h((ASYNC, "stream-result"))(3))
    assert isinstance(got, Ok)
    assert [x for c in run(collect(got.value)) for x in c] == [0, 1, 2]
    assert isinstance(run(h((ASYNC, "stream-result"))(1_000_000)), Ok)
    assert values_equal(run(h((ASYNC, "stream-result"))(1_000_001)), Err("too many"))
    assert values_equal(run(h((ASYNC, "stream-result"))(2**32 - 1)), Err("too many"))


def test_sum() -> None:
    assert run(h((ASYNC, "sum"))(fake_stream([1, 2], [], [2**32 - 1]))) == 2**32 + 2
    assert run(h((ASYNC, "sum"))(fake_stream())) == 0
    assert run(h((ASYNC, "sum"))(Ready([5, 6]))) == 11


# --- futures ------------------------------------------------------------------------------


async def _resolve_later(value: Value) -> Value:
    await asyncio.sleep(0)
    return value


def test_future_echo_resolves_when_the_input_does() -> None:
    async def scenario() -> Any:
        fut: asyncio.Future[Value] = asyncio.get_running_loop().create_future()
        out = await h((ASYNC, "echo-future-u32"))(fut)
        waiter = asyncio.ensure_future(_await(out))
        await asyncio.sleep(0)
        assert not waiter.done()
        fut.set_result(7)
        return await waiter

    assert run(scenario()) == 7


async def _await(x: Awaitable[T]) -> T:
    return await x


def test_future_echo_of_other_types() -> None:
    async def scenario() -> list[Any]:
        got = []
        got.append(await (await h((ASYNC, "echo-future-string"))(_resolve_later("hi"))))
        got.append(await (await h((ASYNC, "echo-future-u8"))(Ready(42))))
        got.append(await (await h((ASYNC, "echo-future-unit"))(_resolve_later(None))))
        job = await h((ASYNC, "echo-job"))({"id": 7, "done": _resolve_later(True)})
        got.append((job["id"], await job["done"]))
        got.append(await (await h((ASYNC, "future-of"))("ƒ𐍈Ő")))
        return got

    assert run(scenario()) == ["hi", 42, None, (7, True), "ƒ𐍈Ő"]


# --- resources ----------------------------------------------------------------------------


def test_counter_lifecycle() -> None:
    table = handlers()
    handle = run(table[(RES, "counter")](41))
    assert isinstance(handle, Handle)
    assert len(handle.data) == 20 and handle.data[:4] == b"wnc1"
    assert run(table[(RES, "counter.get")](handle)) == 41
    assert run(table[(RES, "counter.increment")](handle)) == 42
    assert run(table[(RES, "counter.get")](handle)) == 42
    top = run(table[(RES, "counter")](2**64 - 1))
    assert run(table[(RES, "counter.increment")](top)) == 0
    other = run(table[(RES, "counter")](0))
    assert other != handle
    assert run(table[(RES, "counter.get")](handle)) == 42


def test_counter_rejects_handles_it_did_not_issue() -> None:
    table = handlers()
    good = run(table[(RES, "counter")](1))
    foreign = run(handlers()[(RES, "counter")](1))  # another server: other nonce
    bad = [
        Handle(b""),
        Handle(good.data[:-1]),
        Handle(good.data + b"\x00"),
        Handle(b"xnc1" + good.data[4:]),
        Handle(good.data[:-1] + bytes([good.data[-1] + 1])),  # an id never issued
        foreign,
    ]
    for handle in bad:
        for fn in ("counter.get", "counter.increment"):
            with pytest.raises(UnknownHandleError):
                run(table[(RES, fn)](handle))


def test_counter_table_evicts_least_recently_used() -> None:
    t = CounterTable(capacity=2, nonce=b"\x00" * 8)
    a, b = t.create(1), t.create(2)
    assert t.get(a) == 1  # a is now more recently used than b
    c = t.create(3)
    assert len(t) == 2
    with pytest.raises(UnknownHandleError):
        t.get(b)
    assert (t.get(a), t.get(c)) == (1, 3)
    assert c == b"wnc1" + b"\x00" * 8 + (2).to_bytes(8, "big")


def test_resource_echo_returns_the_same_bytes() -> None:
    got = run(h((RES, "echo-list-borrow-r"))([Handle(b""), Handle(b"\x05")]))
    assert values_equal(got, [Handle(b""), Handle(b"\x05")])
    got = run(h((RES, "echo-holder"))({"h": Handle(b"*"), "n": 7}))
    assert values_equal(got, {"h": Handle(b"*"), "n": 7})


def test_samples_use_distinct_case_shapes() -> None:
    """Sanity of the samples themselves: every shape case and both enum extremes appear."""
    shapes = {args[0].case for args in ECHO_SAMPLES["echo-shape"]}  # type: ignore[union-attr]
    assert shapes == {"circle", "rect", "empty", "label"}
    many = [args[0] for args in ECHO_SAMPLES["echo-enum-many"]]
    assert many == [EnumValue("c127"), EnumValue("c128")]
    assert Some(None) in [a[0] for a in ECHO_SAMPLES["echo-option3-u32"]]


# --- end to end over TCP loopback (reference server and client) ---------------------------


async def _chunks(*chunks: list[Any]) -> AsyncIterator[list[Any]]:
    for c in chunks:
        await asyncio.sleep(0)
        yield c


class Served:
    """The reference server serving the conformance world with the reference handlers."""

    def __init__(self, pkg: WitPackage) -> None:
        skipped: list[tuple[tuple[str, str], str]] = []
        self.server = Server(functions_from_wit(pkg, handlers(hang_limit_s=BOUND_S),
                                                skipped=skipped))
        assert skipped == [], "the reference server must serve the whole world"
        self.fns = all_functions(pkg)
        self.address = ""

    async def __aenter__(self) -> Served:
        host, port = await self.server.start_tcp("127.0.0.1", 0)
        self.address = f"tcp://{host}:{port}"
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.server.close()

    async def call(self, instance: str, name: str, *params: Any, timeout: float = BOUND_S) -> Any:
        sig = Signature.from_function(self.fns[(instance, name)])
        return await invoke(self.address, instance, name, sig, params, timeout=timeout)


def test_e2e_every_sync_echo_sample(pkg: WitPackage) -> None:
    async def scenario() -> int:
        calls = 0
        async with Served(pkg) as s:
            for name, samples in ECHO_SAMPLES.items():
                instance = RES if name in handlers_module.RESOURCE_ECHO_FUNCTIONS else ECHO
                for args in samples:
                    got = await s.call(instance, name, *args)
                    assert values_equal(got, expected_echo(name, args)), (name, args, got)
                    calls += 1
            assert await s.call("", "ping") == "pong"
            assert await s.call(ECHO, "constant") == "wasmnet:conformance@0.1.0 ƒ𐍈Ő"
            assert await s.call(ECHO, "sink", "x") is None
        return calls

    assert run(scenario()) == sum(len(v) for v in ECHO_SAMPLES.values())


def test_e2e_fail_closes_early(pkg: WitPackage) -> None:
    async def scenario() -> None:
        async with Served(pkg) as s:
            with pytest.raises(InvocationFailed):
                await s.call(ECHO, "fail")
            with pytest.raises(InvocationFailed):
                await s.call(ASYNC, "count", 1_000_001)
            assert s.server.stats.failed == 2

    run(scenario())


def test_e2e_hang_meets_the_client_timeout_and_ends_with_the_server(pkg: WitPackage) -> None:
    async def scenario() -> int:
        async with Served(pkg) as s:
            with pytest.raises(asyncio.TimeoutError):
                await s.call(ECHO, "hang", timeout=0.2)
            server = s.server
        return server.stats.active  # close() cancelled the hanging handler

    assert run(scenario()) == 0


def test_e2e_streams(pkg: WitPackage) -> None:
    async def scenario() -> None:
        async with Served(pkg) as s:
            got = await s.call(ASYNC, "echo-stream-u8", _chunks([1, 2], [3], [255]))
            assert values_equal(got, Ready([1, 2, 3, 255]))
            got = await s.call(ASYNC, "echo-stream-u8", Ready([7, 8]))  # ready on the root
            assert values_equal(got, Ready([7, 8]))
            got = await s.call(ASYNC, "echo-stream-string", _chunks())
            assert values_equal(got, Ready([]))
            points: list[Value] = [{"x": -1, "y": 1}, {"x": 2**31 - 1, "y": -(2**31)}]
            got = await s.call(ASYNC, "echo-stream-point", _chunks(points[:1], points[1:]))
            assert values_equal(got, Ready(points))
            got = await s.call(ASYNC, "two-streams",
                               {"left": _chunks([1], [2, 3]), "right": _chunks(["a"], ["ƒ𐍈Ő"])})
            assert values_equal(got, {"left": Ready([1, 2, 3]), "right": Ready(["a", "ƒ𐍈Ő"])})
            got = await s.call(ASYNC, "count", 3000)
            assert values_equal(got, Ready(list(range(3000))))
            got = await s.call(ASYNC, "stream-result", 4)
            assert values_equal(got, Ok(Ready([0, 1, 2, 3])))
            got = await s.call(ASYNC, "stream-result", 1_000_001)
            assert values_equal(got, Err("too many"))
            assert await s.call(ASYNC, "sum", _chunks([1, 2], [2**32 - 1])) == 2**32 + 2

    run(scenario())


def test_e2e_futures(pkg: WitPackage) -> None:
    async def scenario() -> None:
        async with Served(pkg) as s:
            got = await s.call(ASYNC, "echo-future-u32", _resolve_later(7))
            assert values_equal(got, Ready(7))
            got = await s.call(ASYNC, "echo-job", {"id": 3, "done": _resolve_later(True)})
            assert values_equal(got, {"id": 3, "done": Ready(True)})
            got = await s.call(ASYNC, "future-of", "ƒ𐍈Ő")
            assert values_equal(got, Ready("ƒ𐍈Ő"))

    run(scenario())


def test_e2e_counter(pkg: WitPackage) -> None:
    async def scenario() -> None:
        async with Served(pkg) as s:
            handle = await s.call(RES, "counter", 10)
            assert isinstance(handle, Handle) and handle.data[:4] == b"wnc1"
            assert await s.call(RES, "counter.increment", handle) == 11
            assert await s.call(RES, "counter.get", handle) == 11
            with pytest.raises(InvocationFailed):
                await s.call(RES, "counter.get", Handle(b"\x00" * 20))

    run(scenario())
