"""Socket addresses in the script's JSON form, and the address classes the rules talk about
(wildcard, loopback, multicast, broadcast, IPv4-mapped, non-local).

JSON forms (the probe contract): ``{"ipv4": [a,b,c,d], "port": P}``, ``{"ipv6": [8 x u16],
"port": P, "flow-info": F, "scope-id": S}``; ip-addresses without ``port``.
"""

from __future__ import annotations

import enum
import ipaddress
from dataclasses import dataclass
from typing import Any

IpAddr = ipaddress.IPv4Address | ipaddress.IPv6Address


class Family(str, enum.Enum):
    IPV4 = "ipv4"
    IPV6 = "ipv6"


class AddressError(ValueError):
    """A value that is not an address in the script's JSON form."""


IPV4_MAX_PAYLOAD = 65_507
"""UDP payload maximum over IPv4 (wasi-sockets.md §7.1)."""
IPV6_MAX_PAYLOAD = 65_527
"""UDP payload maximum over IPv6 (wasi-sockets.md §7.1)."""
IPV4_MTU_PAYLOAD = 1_472
"""Payload that fits a 1500-byte path MTU over IPv4; above it the §7.1 size ambiguity starts."""
IPV6_MTU_PAYLOAD = 1_452
"""Payload that fits a 1500-byte path MTU over IPv6."""

_DOCUMENTATION = (
    ipaddress.ip_network("192.0.2.0/24"),
    ipaddress.ip_network("198.51.100.0/24"),
    ipaddress.ip_network("203.0.113.0/24"),
    ipaddress.ip_network("2001:db8::/32"),
)
"""Documentation ranges (RFC 5737, RFC 3849): never configured on a host, so non-local."""


def _int(v: Any, hi: int, what: str) -> int:
    if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v <= hi:
        raise AddressError(f"{what}: expected an integer in [0, {hi}], got {v!r}")
    return v


def _groups(v: Any, count: int, hi: int, what: str) -> list[int]:
    if not isinstance(v, list) or len(v) != count:
        raise AddressError(f"{what}: expected {count} integers, got {v!r}")
    return [_int(x, hi, what) for x in v]


def ip_from_json(value: Any) -> IpAddr:
    """An ip-address: ``{"ipv4": [...]}`` / ``{"ipv6": [...]}`` (a port key is ignored)."""
    if isinstance(value, dict):
        if "ipv4" in value:
            g = _groups(value["ipv4"], 4, 0xFF, "ipv4")
            return ipaddress.IPv4Address(bytes(g))
        if "ipv6" in value:
            g = _groups(value["ipv6"], 8, 0xFFFF, "ipv6")
            n = 0
            for x in g:
                n = (n << 16) | x
            return ipaddress.IPv6Address(n)
    raise AddressError(f"expected an ip-address object, got {value!r}")


def ip_to_json(ip: IpAddr) -> dict[str, list[int]]:
    if isinstance(ip, ipaddress.IPv4Address):
        return {"ipv4": list(ip.packed)}
    raw = ip.packed
    return {"ipv6": [int.from_bytes(raw[i:i + 2], "big") for i in range(0, 16, 2)]}


def family_of(ip: IpAddr) -> Family:
    return Family.IPV4 if isinstance(ip, ipaddress.IPv4Address) else Family.IPV6


@dataclass(frozen=True)
class SockAddr:
    """An ip-socket-address; ``ip`` is kept as canonical text so states compare and print."""

    family: Family
    ip: str
    port: int
    flow_info: int = 0
    scope_id: int = 0

    @classmethod
    def from_json(cls, value: Any) -> SockAddr:
        if not isinstance(value, dict):
            raise AddressError(f"expected a socket address object, got {value!r}")
        port = _int(value.get("port"), 0xFFFF, "port")
        if "ipv4" in value:
            if set(value) != {"ipv4", "port"}:
                raise AddressError(f"unexpected keys in {value!r}")
            return cls(Family.IPV4, str(ip_from_json(value)), port)
        if "ipv6" in value:
            if not set(value) <= {"ipv6", "port", "flow-info", "scope-id"}:
                raise AddressError(f"unexpected keys in {value!r}")
            return cls(Family.IPV6, str(ip_from_json(value)), port,
                       _int(value.get("flow-info", 0), 0xFFFF_FFFF, "flow-info"),
                       _int(value.get("scope-id", 0), 0xFFFF_FFFF, "scope-id"))
        raise AddressError(f"expected an ipv4 or ipv6 socket address, got {value!r}")

    @classmethod
    def of(cls, ip: str, port: int) -> SockAddr:
        addr = ipaddress.ip_address(ip)
        return cls(family_of(addr), str(addr), port)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = dict(ip_to_json(self.address))
        out["port"] = self.port
        if self.family is Family.IPV6:
            out["flow-info"] = self.flow_info
            out["scope-id"] = self.scope_id
        return out

    @property
    def address(self) -> IpAddr:
        return ipaddress.ip_address(self.ip)

    @property
    def is_wildcard(self) -> bool:
        return self.address.is_unspecified

    def same_endpoint(self, other: SockAddr) -> bool:
        """Same family, IP and port (flow-info and scope-id are not compared)."""
        return (self.family, self.ip, self.port) == (other.family, other.ip, other.port)

    def overlaps(self, other: SockAddr) -> bool:
        """Same family and port, and the same IP or a wildcard on either side."""
        return (self.family == other.family and self.port == other.port
                and (self.ip == other.ip or self.is_wildcard or other.is_wildcard))

    def __str__(self) -> str:
        if self.family is Family.IPV6:
            return f"[{self.ip}]:{self.port}"
        return f"{self.ip}:{self.port}"


def is_multicast(ip: IpAddr) -> bool:
    return ip.is_multicast


def is_broadcast(ip: IpAddr) -> bool:
    return isinstance(ip, ipaddress.IPv4Address) and ip == ipaddress.IPv4Address(
        "255.255.255.255")


def is_ipv4_mapped(ip: IpAddr) -> bool:
    return isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None


def is_not_unicast(ip: IpAddr) -> bool:
    """Multicast, limited broadcast or IPv4-mapped: rejected for TCP, ambiguous for UDP."""
    return is_multicast(ip) or is_broadcast(ip) or is_ipv4_mapped(ip)


def is_loopback(ip: IpAddr) -> bool:
    return ip.is_loopback


class Locality(str, enum.Enum):
    LOCAL = "local"
    """Wildcard, 127.0.0.1 or ::1: bindable everywhere."""
    NON_LOCAL = "non-local"
    """Documentation ranges: never bindable."""
    HOST_DEPENDENT = "host-dependent"
    """Anything else (other 127/8 addresses are local on Linux but not on macOS)."""


def locality(ip: IpAddr) -> Locality:
    if ip.is_unspecified or ip in (ipaddress.IPv4Address("127.0.0.1"),
                                   ipaddress.IPv6Address("::1")):
        return Locality.LOCAL
    if any(ip in net for net in _DOCUMENTATION if net.version == ip.version):
        return Locality.NON_LOCAL
    return Locality.HOST_DEPENDENT


def max_payload(family: Family) -> int:
    return IPV4_MAX_PAYLOAD if family is Family.IPV4 else IPV6_MAX_PAYLOAD


def mtu_payload(family: Family) -> int:
    return IPV4_MTU_PAYLOAD if family is Family.IPV4 else IPV6_MTU_PAYLOAD
