"""Where a webhook may be sent: the SSRF rules, checked when an endpoint is saved and again
at every delivery.

- A live endpoint must be ``https://`` and every address its host resolves to must be public
  (``ipaddress``'s ``is_global``: no private, loopback, link-local, shared or reserved range).
- A sandbox endpoint follows the same rules, except that ``http://127.0.0.1`` (or
  ``localhost``, ``[::1]``) is allowed where the deployment allows it (``allow_loopback``:
  the local stack does, AWS does not unless configured).
- At delivery the host is resolved once, every address is checked, and the connection goes
  to a checked address (``Target.address``): a DNS answer that changes between check and
  connect (rebinding) cannot redirect the request to an internal address.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
Resolver = Callable[[str, int], list[str]]


class UrlRefused(ValueError):
    """The URL may not receive webhooks; the message says why and what is allowed."""


@dataclass(frozen=True)
class Target:
    """A checked destination: connect to ``address`` and say ``host`` (Host header, SNI)."""

    scheme: str
    host: str
    port: int
    path: str
    address: str


def system_resolver(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (IPv4 and IPv6)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise UrlRefused(f"{host} does not resolve ({exc.strerror})") from exc
    return sorted({str(info[4][0]) for info in infos})


def _parse(url: str, environment: str, allow_loopback: bool) -> tuple[str, str, int, str, bool]:
    parts = urlsplit(url)
    scheme, host = parts.scheme.lower(), (parts.hostname or "").lower()
    if not host:
        raise UrlRefused("the URL has no host; send an absolute https:// URL")
    if parts.username or parts.password:
        raise UrlRefused("the URL may not carry a user name or password")
    loopback = environment == "sandbox" and allow_loopback and host in LOOPBACK_HOSTS
    if scheme != "https" and not (scheme == "http" and loopback):
        hint = (
            " (sandbox keys may also use http://127.0.0.1 here)"
            if environment == "sandbox" and allow_loopback
            else ""
        )
        raise UrlRefused(f"webhook URLs must use https://{hint}")
    try:
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError as exc:
        raise UrlRefused(f"the URL's port is not valid: {exc}") from exc
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return scheme, host, port, path, loopback


def _refusal(address: str, loopback_allowed: bool) -> str | None:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if loopback_allowed and ip.is_loopback:
        return None
    if loopback_allowed:
        return f"resolves to {address}, which is not a loopback address"
    if not ip.is_global or ip.is_multicast:
        return (
            f"resolves to {address}, a private, loopback, link-local or reserved address; "
            "webhooks go to public addresses only"
        )
    return None


def check_url(url: str, environment: str, *, allow_loopback: bool) -> None:
    """Raise ``UrlRefused`` for a URL that can never be allowed (scheme, IP literal).

    Host names are not resolved here: DNS may change, so resolution is checked at delivery.
    """
    _scheme, host, _port, _path, loopback = _parse(url, environment, allow_loopback)
    try:
        ipaddress.ip_address(host)
    except ValueError:
        if host == "localhost" and not loopback:
            raise UrlRefused(
                f"{host} is a loopback address; webhooks go to public addresses"
            ) from None
        return
    reason = _refusal(host, loopback)
    if reason:
        raise UrlRefused(f"{host} {reason}")


def resolve_target(
    url: str,
    environment: str,
    *,
    allow_loopback: bool,
    resolver: Resolver = system_resolver,
) -> Target:
    """The checked destination of ``url`` now, or ``UrlRefused``."""
    scheme, host, port, path, loopback = _parse(url, environment, allow_loopback)
    addresses = resolver(host, port)
    if not addresses:
        raise UrlRefused(f"{host} does not resolve")
    for address in addresses:
        reason = _refusal(address, loopback)
        if reason:
            raise UrlRefused(f"{host} {reason}")
    return Target(scheme=scheme, host=host, port=port, path=path, address=addresses[0])
