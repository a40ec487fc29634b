"""Who is asking: the client address the look-up limits count (issue 11 item 3).

A client sets any header it likes, so `X-Forwarded-For` is read only when the
direct peer is one of the operator's trusted proxies (`SUNSHINE_TRUSTED_PROXIES`,
comma-separated addresses or CIDRs, e.g. `127.0.0.1/32,10.0.0.0/8`; empty: no
proxy is trusted). Then the list is walked from the right, past every trusted
proxy, and the first address that is not one is the client: whatever the
client wrote further left is never used. uvicorn's own proxy-header rewriting is
off (`api/server.py`), so the peer seen here is the real one.

IPv6 clients are counted per /64 (one subscriber's prefix), IPv4 per address.
"""

from __future__ import annotations

import functools
import ipaddress
import os
from collections.abc import Sequence
from typing import Final

from starlette.requests import Request

from ..errors import ConfigurationError

__all__ = ["TRUSTED_PROXIES_ENV", "client_of", "parse_trusted", "resolve"]

TRUSTED_PROXIES_ENV: Final = "SUNSHINE_TRUSTED_PROXIES"
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


@functools.lru_cache(maxsize=8)
def parse_trusted(text: str) -> tuple[Network, ...]:
    """`SUNSHINE_TRUSTED_PROXIES` as networks; a bad entry is a configuration error."""
    networks = []
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ConfigurationError(
                f"{TRUSTED_PROXIES_ENV}: {item!r} is not an address or CIDR",
                zh=f"{TRUSTED_PROXIES_ENV} 中的 {item!r} 不是 IP 地址或 CIDR 网段"
                   f"（例如 127.0.0.1/32）") from None
    return tuple(networks)


def _address(text: str) -> Address | None:
    try:
        address = ipaddress.ip_address(text.strip().strip("[]"))
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _trusted(address: Address, trusted: Sequence[Network]) -> bool:
    return any(address.version == net.version and address in net for net in trusted)


def _name(address: Address) -> str:
    if isinstance(address, ipaddress.IPv6Address):
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


def resolve(peer: str, forwarded_for: Sequence[str], trusted: Sequence[Network]) -> str:
    """The client of a request from `peer` carrying these `X-Forwarded-For` headers."""
    address = _address(peer)
    if address is None:
        return peer or "unknown"
    if not _trusted(address, trusted):
        return _name(address)
    hops = [hop for header in forwarded_for for hop in header.split(",")]
    for hop in reversed(hops):
        found = _address(hop)
        if found is None:  # a trusted proxy passed on garbage: stop at that proxy
            break
        address = found
        if not _trusted(address, trusted):
            break
    return _name(address)


def client_of(request: Request) -> str:
    """The request's client address as the look-up limits count it."""
    peer = request.client.host if request.client else ""
    trusted = parse_trusted(os.environ.get(TRUSTED_PROXIES_ENV, ""))
    return resolve(peer, request.headers.getlist("x-forwarded-for"), trusted)
