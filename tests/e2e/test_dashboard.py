"""The dashboard in a real headless Chromium (Debian's, driven by Playwright) against the local
stack after a simulated delivery: sign in through the one-time link, find the session by its
delivery id, open its case file (the lift with its floors on the timeline and the elevation
profile), debug its batches, create and revoke a key; a viewer cannot. Every page is saved as
a screenshot under reports/dashboard/ (git-ignored) for a person to look at.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from doorproof.courier import Delivery, Target, drive
from doorproof.simulate import plan
from tests.integration.conftest import LocalApi

pytestmark = pytest.mark.integration

CHROMIUM = os.environ.get("DOORPROOF_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]
SHOTS = Path(__file__).resolve().parents[2] / "reports" / "dashboard"
DIST = Path(__file__).resolve().parents[2] / "dashboard" / "dist" / "index.html"
TIMEOUT_MS = 20_000

if not Path(CHROMIUM).exists() or not DIST.exists():
    pytest.fail(
        f"the dashboard tests need {CHROMIUM} (apt-get install chromium) and a built dashboard "
        "(make dashboard); `make test` installs and builds both",
        pytrace=False,
    )
sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright (dev extra)")


@pytest.fixture(scope="module")
def delivery(local_api: LocalApi) -> Delivery:
    """One simulated delivery with a lift ride (insights ready before the browser looks)."""
    org = local_api.keys[0]
    (planned,) = plan(["elevator_floor4"], frozenset())
    done = drive(
        planned,
        Target(local_api.url, org.publishable_key, org.secret_key, insights_timeout_s=90),
        speed=60.0,
    )
    assert done.error is None and done.ready, done.error
    return done


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def problems() -> list[str]:
    """Console errors and uncaught exceptions of the page (a test may expect some)."""
    return []


@pytest.fixture
def page(browser, problems: list[str]):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    tab = context.new_page()
    tab.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    tab.on("pageerror", lambda e: problems.append(str(e)))
    yield tab
    context.close()
    # A CSP violation or a script error shows up here: the dashboard must run clean.
    assert not problems, problems


def shot(page, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_admin_finds_the_delivery_reads_its_case_file_and_manages_keys(
    local_api: LocalApi, delivery: Delivery, page
) -> None:
    expect = sync_api.expect
    page.goto(local_api.stack.signin_link("admin"))
    expect(page.get_by_role("heading", name="Sessions")).to_be_visible()
    expect(page.locator("#who")).to_contain_text("admin")
    delivery_id = str(delivery.scenario.start_request["deliveryId"])
    page.get_by_label("Delivery id").fill(delivery_id)
    page.get_by_role("button", name="Apply").click()
    expect(page.locator("tbody tr")).to_have_count(1)
    shot(page, "1-sessions")

    page.get_by_role("link", name=delivery_id).click()
    expect(page.get_by_role("heading", name=f"Delivery {delivery_id}")).to_be_visible()
    assert page.url.endswith(f"/sessions/{delivery.session_id}")
    lift = page.locator(".timeline .event-elevator").first
    expect(lift).to_contain_text(re.compile(r"Lift [↑↓] \d+ floors"))
    floors = int(re.search(r"(\d+) floors", lift.text_content() or "").group(1))  # type: ignore[union-attr]
    assert floors >= 3
    expect(page.locator(".elevation path.height")).to_have_count(1)
    expect(page.locator(".elevation .band")).not_to_have_count(0)
    expect(page.locator(".elevation")).to_contain_text("Lift")
    expect(page.locator(".track .mark-door, .track .mark-entry").first).to_be_attached()
    expect(page.get_by_role("button", name="Reprocess")).to_be_enabled()
    shot(page, "2-case-file")

    page.get_by_role("link", name=re.compile("Integration debugger")).click()
    expect(page.get_by_role("heading", name="Integration debugger")).to_be_visible()
    expect(page.locator("tr.outcome-accepted").first).to_be_visible()
    shot(page, "3-debugger")

    page.get_by_role("link", name="API keys").click()
    expect(page.get_by_role("heading", name="API keys")).to_be_visible()
    page.get_by_label("Name").fill("e2e backend")
    page.get_by_role("button", name="Create key").click()
    secret = page.get_by_label("The new key")
    expect(secret).to_contain_text("sk_sandbox_")
    key = secret.text_content() or ""
    row = page.locator("tbody tr", has_text="e2e backend")
    expect(row).to_contain_text("active")
    shot(page, "4-keys-created")
    assert local_api.request("GET", "/v1/sessions", headers={"Desmo-Key": key}).status == 200
    page.on("dialog", lambda d: d.accept())
    row.get_by_role("button", name=re.compile("Revoke")).click()
    expect(row).to_contain_text("revoked")
    shot(page, "5-keys-revoked")


def test_a_viewer_reads_but_cannot_manage_keys_or_sessions(
    local_api: LocalApi, delivery: Delivery, page
) -> None:
    expect = sync_api.expect
    page.goto(local_api.stack.signin_link("viewer"))
    expect(page.locator("#who")).to_contain_text("viewer")
    page.goto(f"{local_api.url}/sessions/{delivery.session_id}")
    expect(page.locator(".timeline .event-elevator").first).to_be_visible()
    expect(page.get_by_role("button", name="Reprocess")).to_have_count(0)
    expect(page.get_by_role("button", name="Delete session")).to_have_count(0)
    page.get_by_role("link", name="API keys").click()
    expect(page.get_by_text("Only admins can create or revoke keys.")).to_be_visible()
    expect(page.get_by_role("button", name="Create key")).to_have_count(0)
    expect(page.get_by_role("button", name=re.compile("Revoke"))).to_have_count(0)
    shot(page, "6-viewer-keys")


def test_a_used_sign_in_link_does_not_sign_in_again(
    local_api: LocalApi, page, problems: list[str]
) -> None:
    link = local_api.stack.signin_link("admin")
    page.goto(link)
    page.get_by_role("button", name="Sign out").click()
    page.goto(link)
    expect = sync_api.expect
    expect(page.get_by_role("heading", name="Sign in to Doorproof")).to_be_visible()
    expect(page.locator("main")).to_contain_text("used already")
    shot(page, "7-signin-link-used")
    assert problems == [
        "Failed to load resource: the server responded with a status of 400 (Bad Request)"
    ]
    problems.clear()
