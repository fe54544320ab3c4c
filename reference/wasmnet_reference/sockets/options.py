"""Socket options (wasi-sockets.md §5.5, §7): ranges of the setters and the read-back rules
of the getters, shared by TCP and UDP.

Read-back: options without a clamping clause (keep-alive-enabled, hop-limit) read back exactly
or not ([ambiguous]); clamped ones may read back any value, 0 being a recorded reading;
defaults are unspecified. An accepted socket inherits the listener's values (§5.4).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .common import (
    U8_MAX,
    U32_MAX,
    U64_MAX,
    BadStep,
    Possibility,
    Step,
    any_ok,
    err,
    is_uint,
    ok,
)
from .errors import ErrorCode
from .judgment import Observation, Pred
from .rules import (
    OPTION_CLAMPED,
    OPTION_DEFAULT,
    OPTION_EXACT_READBACK,
    OPTION_SET_OK,
    OPTION_STABLE,
    OPTION_ZERO,
    OPTION_ZERO_READBACK,
    TCP_ACCEPT_INHERITS,
)
from .state import OptionState, TcpSocket, UdpSocket, World

Socket = TcpSocket | UdpSocket


@dataclass(frozen=True)
class OptionSpec:
    name: str
    kind: str
    """``bool``, ``u8``, ``u32`` or ``u64`` (durations are u64 nanoseconds)."""
    zero_invalid: bool
    clamped: bool

    @property
    def hi(self) -> int:
        return {"u8": U8_MAX, "u32": U32_MAX, "u64": U64_MAX}.get(self.kind, 1)

    def valid(self, v: Any) -> bool:
        if self.kind == "bool":
            return isinstance(v, bool)
        return is_uint(v, self.hi)

    def shape(self) -> Pred:
        return Pred(f"a {self.kind}", self.valid)


TCP_OPTIONS: dict[str, OptionSpec] = {o.name: o for o in (
    OptionSpec("keep-alive-enabled", "bool", zero_invalid=False, clamped=False),
    OptionSpec("keep-alive-idle-time", "u64", zero_invalid=True, clamped=True),
    OptionSpec("keep-alive-interval", "u64", zero_invalid=True, clamped=True),
    OptionSpec("keep-alive-count", "u32", zero_invalid=True, clamped=True),
    OptionSpec("hop-limit", "u8", zero_invalid=True, clamped=False),
    OptionSpec("receive-buffer-size", "u64", zero_invalid=True, clamped=True),
    OptionSpec("send-buffer-size", "u64", zero_invalid=True, clamped=True),
)}
"""wasi-sockets.md §5.5 (listen-backlog-size is set-only and handled by the TCP module)."""

UDP_OPTIONS: dict[str, OptionSpec] = {o.name: o for o in (
    OptionSpec("unicast-hop-limit", "u8", zero_invalid=True, clamped=False),
    OptionSpec("receive-buffer-size", "u64", zero_invalid=True, clamped=True),
    OptionSpec("send-buffer-size", "u64", zero_invalid=True, clamped=True),
)}
"""wasi-sockets.md §7."""


def setter_value(step: Step, spec: OptionSpec) -> Any:
    if spec.kind == "bool":
        return step.boolean(1)
    return step.integer(1, spec.hi)


def _socket(w: World, name: str) -> Socket:
    s = w.get(name)
    if not isinstance(s, (TcpSocket, UdpSocket)):
        raise BadStep(f"{name!r} is not a socket")
    return s


def setter(sock: Socket, spec: OptionSpec, value: Any) -> list[Possibility]:
    """Possibilities of set-<option>(value) in a state where options are settable."""
    if spec.zero_invalid and value == 0:
        return [Possibility(err(ErrorCode.INVALID_ARGUMENT, OPTION_ZERO))]
    name = sock.name

    def apply(w: World, obs: Observation) -> list[World]:
        st = _socket(w, name).options.setdefault(spec.name, OptionState())
        st.set_value = value
        st.readback = None
        st.generation += 1
        st.inherited_from = None
        return [w]

    return [Possibility(any_ok(OPTION_SET_OK), apply)]


def getter(w: World, sock: Socket, spec: OptionSpec) -> list[Possibility]:
    """Possibilities of <option>() in a state where options are readable."""
    st = sock.options.get(spec.name, OptionState())
    name = sock.name

    def record(w2: World, obs: Observation) -> list[World]:
        st2 = _socket(w2, name).options.setdefault(spec.name, OptionState())
        if st2.set_value is not None:
            st2.readback = obs.value
        return [w2]

    if st.inherited_from is not None and st.readback is None:
        listener = w.get(st.inherited_from)
        if isinstance(listener, TcpSocket):
            lst = listener.options.get(spec.name)
            if (lst is not None and lst.generation == st.inherited_generation
                    and lst.readback is not None):
                return [Possibility(ok(TCP_ACCEPT_INHERITS, lst.readback), record)]
    if st.readback is not None:
        return [Possibility(ok(OPTION_STABLE, st.readback), record),
                Possibility(any_ok(OPTION_STABLE, spec.shape(), tolerant_only=True), record)]
    if st.set_value is not None:
        set_value = st.set_value
        if spec.clamped:
            nonzero = Pred(f"a non-zero {spec.kind}", lambda v: spec.valid(v) and v != 0)
            return [Possibility(ok(OPTION_CLAMPED, nonzero, flag=OPTION_ZERO_READBACK,
                                   reading="non-zero"), record),
                    Possibility(ok(OPTION_ZERO_READBACK, 0, flag=OPTION_ZERO_READBACK,
                                   reading="zero"), record)]
        other = Pred(f"a {spec.kind} other than {set_value!r}",
                     lambda v: spec.valid(v) and v != set_value)
        return [Possibility(ok(OPTION_EXACT_READBACK, set_value, flag=OPTION_EXACT_READBACK,
                               reading="exact"), record),
                Possibility(ok(OPTION_EXACT_READBACK, other, flag=OPTION_EXACT_READBACK,
                               reading="not-exact"), record)]
    return [Possibility(any_ok(OPTION_DEFAULT, spec.shape()))]


def inherit(listener: Socket, accepted: Socket) -> None:
    """An accepted socket's options: linked to the listener's current values (§5.4)."""
    for opt, st in listener.options.items():
        accepted.options[opt] = OptionState(
            set_value=st.set_value, readback=None, generation=0,
            inherited_from=listener.name, inherited_generation=st.generation)


def option_call(call: str, table: dict[str, OptionSpec]) -> tuple[OptionSpec, bool] | None:
    """(spec, is_setter) for ``tcp.<opt>`` / ``tcp.set-<opt>`` style names (without prefix)."""
    if call in table:
        return table[call], False
    if call.startswith("set-") and call[4:] in table:
        return table[call[4:]], True
    return None


__all__ = ["TCP_OPTIONS", "UDP_OPTIONS", "OptionSpec", "getter", "inherit",
           "option_call", "setter", "setter_value"]
