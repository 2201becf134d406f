"""Which webhook URLs Debrief may call: never link-local or cloud metadata addresses."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

# Cloud metadata services; refused even when private networks are allowed.
METADATA = {ipaddress.ip_address(a) for a in (
    "169.254.169.254", "169.254.170.2", "fd00:ec2::254", "100.100.100.200")}
_CGNAT = ipaddress.ip_network("100.64.0.0/10")

Resolver = Callable[..., list[tuple[Any, ...]]]


def _refusal(ip: ipaddress.IPv4Address | ipaddress.IPv6Address, allow_private: bool) -> str | None:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip in METADATA or ip.is_link_local:
        return f"{ip} is a link-local or cloud metadata address (always refused)"
    if ip.is_multicast or ip.is_unspecified or ip.is_reserved:
        return f"{ip} is not a unicast address"
    if (ip.is_private or ip.is_loopback or ip in _CGNAT) and not allow_private:
        return (f"{ip} is a private or loopback address; set DEBRIEF_WEBHOOKS_ALLOW_PRIVATE=1 "
                "to allow private networks")
    return None


def check_url(url: str, allow_private: bool,
              resolve: Resolver = socket.getaddrinfo) -> str | None:
    """None when `url` may be called; else why not. Every address the host resolves to counts."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return "the URL is not valid"
    if parts.scheme not in ("http", "https"):
        return "the URL must start with http:// or https://"
    host = parts.hostname
    if not host:
        return "the URL has no host"
    try:
        infos = resolve(host, port or (443 if parts.scheme == "https" else 80),
                        proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return f"the host {host} cannot be resolved"
    if not infos:
        return f"the host {host} cannot be resolved"
    for info in infos:
        address = str(info[4][0]).split("%", 1)[0]  # drop an IPv6 scope id
        problem = _refusal(ipaddress.ip_address(address), allow_private)
        if problem:
            return problem
    return None
