"""SSRF rules: live endpoints are public HTTPS, sandbox may use loopback where allowed, and
the delivery-time resolution decides (DNS rebinding)."""

from __future__ import annotations

import pytest

from functions.core.domain.webhook_urls import UrlRefused, check_url, resolve_target


def answers(*addresses: str):
    def resolver(host: str, port: int) -> list[str]:
        return list(addresses)

    return resolver


@pytest.mark.parametrize(
    "url",
    [
        "http://hooks.example.com/x",
        "https://10.0.0.5/hook",
        "https://192.168.1.1/",
        "https://172.16.0.1/",
        "https://127.0.0.1/",
        "https://localhost/",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/",
        "https://[fe80::1]/",
        "https://[::ffff:10.0.0.1]/",
        "https://100.64.0.1/",
        "https://0.0.0.0/",
        "https://user:pw@hooks.example.com/",
        "ftp://hooks.example.com/",
        "https:///nohost",
    ],
)
def test_live_refuses_what_is_not_public_https(url: str) -> None:
    with pytest.raises(UrlRefused):
        check_url(url, "live", allow_loopback=True)


def test_live_accepts_a_public_https_url() -> None:
    check_url("https://hooks.example.com:8443/doorproof?x=1", "live", allow_loopback=True)
    check_url("https://93.184.216.34/hook", "live", allow_loopback=False)


def test_sandbox_may_use_loopback_http_only_where_the_deployment_allows_it() -> None:
    for url in ("http://127.0.0.1:8000/hook", "http://localhost:9/", "http://[::1]:9/"):
        check_url(url, "sandbox", allow_loopback=True)
        with pytest.raises(UrlRefused, match="https"):
            check_url(url, "sandbox", allow_loopback=False)
    with pytest.raises(UrlRefused):
        check_url("http://10.1.2.3/", "sandbox", allow_loopback=True)


def test_delivery_connects_to_the_checked_address() -> None:
    target = resolve_target(
        "https://hooks.example.com/in?a=b",
        "live",
        allow_loopback=False,
        resolver=answers("93.184.216.34"),
    )
    assert (target.host, target.port, target.path, target.address) == (
        "hooks.example.com",
        443,
        "/in?a=b",
        "93.184.216.34",
    )


@pytest.mark.parametrize("address", ["10.0.0.7", "127.0.0.1", "169.254.169.254", "::1", "fd00::1"])
def test_a_name_that_resolves_inside_is_refused_at_delivery(address: str) -> None:
    """Accepted when saved (a public name), refused when it resolves to an internal address."""
    check_url("https://rebind.example.com/", "live", allow_loopback=False)
    with pytest.raises(UrlRefused, match="resolves to"):
        resolve_target(
            "https://rebind.example.com/",
            "live",
            allow_loopback=False,
            resolver=answers("93.184.216.34", address),
        )


def test_sandbox_loopback_names_must_resolve_to_loopback() -> None:
    with pytest.raises(UrlRefused, match="not a loopback"):
        resolve_target(
            "http://localhost:9/", "sandbox", allow_loopback=True, resolver=answers("10.0.0.1")
        )
    target = resolve_target(
        "http://localhost:9/", "sandbox", allow_loopback=True, resolver=answers("127.0.0.1")
    )
    assert target.address == "127.0.0.1" and target.scheme == "http"


def test_a_name_that_does_not_resolve_is_refused() -> None:
    with pytest.raises(UrlRefused, match="does not resolve"):
        resolve_target("https://nowhere.invalid/", "live", allow_loopback=False)
