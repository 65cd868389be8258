"""The dashboard in a real headless Chromium (Debian's, driven by Playwright) against the local
stack after a simulated delivery: sign in through the one-time link, find the session by its
delivery id, open its case file (the lift with its floors on the timeline and the elevation
profile, scores, reason codes in words, data quality, the PoD photo), reprocess it, debug its
batches, create, use and revoke a key; a viewer cannot. The list's filters, paging and live
refresh, deleting a session, the keyboard, and axe-core's WCAG 2 A/AA rules on every page.
Every page is saved as a screenshot under reports/dashboard/ (git-ignored) for a person to
look at.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import os
import re
import time
import urllib.parse
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from doorproof.client.backend import BackendClient
from doorproof.courier import Delivery, Target, drive
from doorproof.local.dashboard import CONTENT_SECURITY_POLICY
from doorproof.simulate import plan
from tests.integration.conftest import LocalApi
from tests.integration.test_api import call, samples

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
ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "reports" / "dashboard"
DIST = ROOT / "dashboard" / "dist" / "index.html"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
"""axe-core (Deque's accessibility engine, pinned in package-lock.json)."""
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
TIMEOUT_MS = 20_000
PAGE_SIZE = 25
"""The list's page (dashboard/src/pages/sessions.ts)."""

if not Path(CHROMIUM).exists() or not DIST.exists() or not AXE.exists():
    pytest.fail(
        f"the dashboard tests need {CHROMIUM} (apt-get install chromium), a built dashboard "
        "(make dashboard) and axe-core (npm ci); `make test` installs and builds all three",
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
    """Save the page for a person to look at, after axe-core found nothing wrong with it."""
    accessible(page)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def accessible(page) -> None:
    """axe-core's WCAG 2.0/2.1 A and AA rules (labels, names, contrast, landmarks, ARIA) on
    the page as it is shown: no violation. Evaluated through the DevTools protocol, so the
    page's CSP stays as it is."""
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.evaluate(AXE.read_text())
    violations = page.evaluate(
        """async (tags) => (await axe.run(document, {runOnly: {type: "tag", values: tags}}))
            .violations.map((v) => `${v.id} (${v.impact}): ${v.help}: ` +
                v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(" | "))""",
        AXE_TAGS,
    )
    assert not violations, "\n".join(violations)


def start(api: LocalApi, key: str, **fields: Any) -> str:
    body = {"deliveryId": f"d-{uuid.uuid4().hex[:10]}", "sessionType": "drop", **fields}
    answer = call(api, "POST", "/v1/sessions/start", key, body)
    assert answer.status == 201, answer.body
    return str(answer.json()["sessionId"])


def settled(page) -> None:
    """Wait until the page of the current URL is shown (main is busy until then)."""
    sync_api.expect(page.locator("main#main")).not_to_have_attribute("aria-busy", "true")


def focused(page) -> str:
    """What has the keyboard focus: tag#id "text"."""
    return str(
        page.evaluate(
            """() => { const e = document.activeElement;
                return `${e.tagName.toLowerCase()}#${e.id} "${(e.textContent || "").trim()}"`; }"""
        )
    )


def tab_to(page, pattern: str, presses: int = 60) -> str:
    """Press Tab until the focused element matches ``pattern``; fail if it never does."""
    seen = []
    for _ in range(presses):
        page.keyboard.press("Tab")
        seen.append(focused(page))
        if re.search(pattern, seen[-1]):
            outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
            assert outline != "none", f"{seen[-1]} has no visible focus"
            return seen[-1]
    pytest.fail(f"Tab never reached {pattern}: {seen}")


def test_admin_finds_the_delivery_reads_its_case_file_and_manages_keys(
    local_api: LocalApi, delivery: Delivery, page
) -> None:
    expect = sync_api.expect
    org = local_api.keys[0]
    # A real JPEG (Chromium's own) as the delivery's proof-of-delivery photo.
    photo = page.screenshot(type="jpeg", clip={"x": 0, "y": 0, "width": 64, "height": 48})
    assert delivery.session_id
    BackendClient(local_api.url, org.secret_key).upload_pod_photo(delivery.session_id, photo)

    page.goto(local_api.stack.signin_link("admin"))
    expect(page.get_by_role("heading", name="Sessions")).to_be_visible()
    expect(page.locator("#who")).to_contain_text("admin")
    delivery_id = str(delivery.scenario.start_request["deliveryId"])
    page.get_by_label("Delivery id").fill(delivery_id)
    page.get_by_role("button", name="Apply").click()
    expect(page.locator("tbody tr")).to_have_count(1)
    assert f"deliveryId={delivery_id}" in page.url  # a filtered list can be shared
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
    building = delivery.insights.building if delivery.insights else None
    assert building is not None
    storey = f"Floor lines every {building.storeyHeightM:.1f} m: " + (
        "a typical storey" if building.source == "default" else "this building's storey height"
    )
    expect(page.locator(".elevation-figure figcaption")).to_contain_text(storey)
    expect(page.locator(".track .mark-door, .track .mark-entry").first).to_be_attached()
    # Scores, the reason codes in words with their evidence, data quality, the photo.
    expect(page.locator(".scores meter")).to_have_count(3)
    reasons = page.locator(".reasons li")
    expect(reasons).not_to_have_count(0)
    for code in delivery.reported_codes:
        item = reasons.filter(has=page.locator("strong", has_text=re.compile(f"^{code}$")))
        expect(item.locator("p").first).not_to_be_empty()
    quality = page.locator("section", has=page.get_by_role("heading", name="Data quality"))
    expect(quality).to_contain_text(re.compile(r"IMU rate\s*\d+(\.\d+)? Hz"))
    expect(quality).to_contain_text("Gaps")
    for image in (page.locator("img.pod"), page.get_by_alt_text(re.compile("path image"))):
        expect(image).to_be_visible()
        assert image.evaluate("i => i.decode().then(() => i.naturalWidth)") > 0
    shot(page, "2-case-file")

    page.get_by_role("button", name="Reprocess").click()
    expect(page.locator(".case .facts")).to_contain_text(
        re.compile(r"ready \(version 2"), timeout=90_000
    )
    expect(page.locator(".timeline .event-elevator").first).to_be_visible()

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
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.get_by_role("button", name="Copy").click()
    expect(page.get_by_role("button", name="Copied")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == key
    row = page.locator("tbody tr", has_text="e2e backend")
    expect(row).to_contain_text("active")
    expect(row.locator("td").nth(5)).to_have_text("never")
    shot(page, "4-keys-created")
    assert local_api.request("GET", "/v1/sessions", headers={"Desmo-Key": key}).status == 200
    page.reload()
    expect(row.locator("td").nth(5)).not_to_have_text("never")  # last use, once it is used
    expect(page.get_by_label("The new key")).to_have_count(0)  # shown once, never again
    expect(row).not_to_contain_text(key)
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


def test_the_list_filters_pages_and_an_admin_deletes_a_session(
    local_api: LocalApi, delivery: Delivery, page
) -> None:
    expect = sync_api.expect
    org = local_api.keys[0]
    rider = f"rider-{uuid.uuid4().hex[:8]}"
    made = [start(local_api, org.publishable_key, externalRiderId=rider) for _ in range(27)]
    page.goto(local_api.stack.signin_link("admin"))
    rows = page.locator("tbody tr")

    def apply(**fields: str) -> None:
        page.get_by_role("link", name="Clear").click()
        settled(page)
        for label, value in fields.items():
            control = page.get_by_label(label, exact=True)
            if control.evaluate("e => e.tagName") == "SELECT":
                control.select_option(value)
            else:
                control.fill(value)
        page.get_by_role("button", name="Apply").click()
        settled(page)

    # Cursor paging: a page, then the rest on "Load more".
    apply(**{"Rider id": rider, "Status": "recording"})
    expect(rows).to_have_count(PAGE_SIZE)
    page.get_by_role("button", name="Load more").click()
    expect(rows).to_have_count(len(made))
    expect(page.get_by_role("button", name="Load more")).to_be_hidden()
    assert {r.get_attribute("data-session") for r in rows.all()} == set(made)
    shot(page, "8-sessions-paged")

    apply(**{"Rider id": rider, "Type": "pickup"})
    expect(page.get_by_role("status")).to_have_text("No sessions match these filters.")
    delivery_id = str(delivery.scenario.start_request["deliveryId"])
    code = delivery.reported_codes[0]
    apply(**{"Delivery id": delivery_id, "Status": "completed", "Reason code": code})
    expect(rows).to_have_count(1)
    other = next(c for c in ("NO_ATTEMPT", "SESSION_TIMEOUT") if c not in delivery.reported_codes)
    apply(**{"Delivery id": delivery_id, "Reason code": other})
    expect(rows).to_have_count(0)
    future = time.strftime("%Y-%m-%dT%H:%M", time.gmtime(time.time() + 86_400))
    apply(**{"Delivery id": delivery_id, "Created after (UTC)": future})
    expect(rows).to_have_count(0)
    apply(**{"Delivery id": delivery_id, "Created before (UTC)": future})
    expect(rows).to_have_count(1)
    assert "createdBefore=" in page.url

    # Delete: gone from the list and from the API.
    page.goto(f"{local_api.url}/sessions/{made[0]}")
    page.on("dialog", lambda d: d.accept())
    page.get_by_role("button", name="Delete session").click()
    expect(page.get_by_role("heading", name="Sessions")).to_be_visible()
    gone = call(local_api, "GET", f"/v1/sessions/{made[0]}", org.secret_key)
    assert gone.status == 404, gone.body


def test_the_list_refreshes_itself_while_a_session_records(local_api: LocalApi, page) -> None:
    expect = sync_api.expect
    org = local_api.keys[0]
    rider = f"rider-{uuid.uuid4().hex[:8]}"
    session_id = start(local_api, org.publishable_key, externalRiderId=rider)
    page.goto(local_api.stack.signin_link("viewer"))
    expect(page.locator("#who")).to_contain_text("viewer")
    page.goto(f"{local_api.url}/?externalRiderId={rider}")
    count = page.locator(f'tr[data-session="{session_id}"] td.num')
    expect(count).to_have_text("0")
    batch = {"sessionId": session_id, "events": samples(time.time() - 10, 150)}
    assert call(local_api, "POST", "/v1/telemetry", org.publishable_key, batch).status == 202
    expect(count).to_have_text("150", timeout=15_000)  # no reload: the page re-read itself
    expect(page.get_by_role("status")).to_contain_text("live, updated")


def test_the_dashboard_works_by_keyboard(local_api: LocalApi, delivery: Delivery, page) -> None:
    expect = sync_api.expect
    page.goto(local_api.stack.signin_link("viewer"))
    expect(page.get_by_role("heading", name="Sessions")).to_be_visible()
    page.locator("body").focus()
    assert "Skip to content" in tab_to(page, "Skip to content", presses=1)
    page.keyboard.press("Enter")
    assert focused(page).startswith("main#main")
    tab_to(page, r"^input#f-deliveryId")
    delivery_id = str(delivery.scenario.start_request["deliveryId"])
    page.keyboard.type(delivery_id)
    page.keyboard.press("Enter")  # submits the filters
    expect(page.locator("tbody tr")).to_have_count(1)
    tab_to(page, f'^a# "{re.escape(delivery_id)}"')
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name=f"Delivery {delivery_id}")).to_be_visible()
    tab_to(page, r"^a# \"Integration debugger")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Integration debugger")).to_be_visible()


def test_the_debugger_shows_rejections_retries_late_batches_and_errors(
    local_api: LocalApi, page
) -> None:
    expect = sync_api.expect
    key = local_api.keys[0].publishable_key
    session_id = start(local_api, key)
    t0 = time.time() - 60
    partly = samples(t0, 100)
    partly[7]["imu"]["accel"] = [1.0, 2.0]  # not a vector: this sample is refused
    batch = {"sessionId": session_id, "events": partly}
    assert call(local_api, "POST", "/v1/telemetry", key, batch).status == 202
    assert call(local_api, "POST", "/v1/telemetry", key, batch).json()["duplicate"] is True
    far = {"sessionId": session_id, "events": samples(t0 + 366 * 86_400, 5)}
    refused = call(local_api, "POST", "/v1/telemetry", key, far)
    assert refused.status == 422, refused.body
    assert call(local_api, "POST", f"/v1/sessions/{session_id}/stop", key).status == 200
    after = {"sessionId": session_id, "events": samples(t0 + 10, 50)}
    assert call(local_api, "POST", "/v1/telemetry", key, after).status == 202

    page.goto(local_api.stack.signin_link("viewer"))
    expect(page.locator("#who")).to_contain_text("viewer")
    page.goto(f"{local_api.url}/sessions/{session_id}/debug")
    accepted = page.locator("tr.outcome-accepted", has_text="answered duplicate")
    expect(accepted).to_contain_text("sample 7:")
    expect(accepted).to_contain_text("accel")
    expect(accepted).to_contain_text("99")  # samples kept
    expect(page.locator("tr.outcome-rejected")).to_contain_text("time range")
    expect(page.locator("tbody tr", has_text="yes (after the stop)")).to_have_count(1)
    answered = page.locator("section", has_text=str(refused.json()["error"]["code"]))
    expect(answered.first).to_contain_text("422")
    shot(page, "9-debugger-rejections")


def test_in_aws_a_person_signs_in_through_cognito_with_pkce(local_api: LocalApi, page) -> None:
    """The AWS sign-in (config.json ``kind: cognito``: Cognito's managed login, authorization
    code + PKCE) in the real browser, under the deployed policy, which names the Cognito domain
    in connect-src. Playwright routes play Cognito's two endpoints; the token they hand out is
    a real one of the local (moto) pool, so the API accepts it."""
    expect = sync_api.expect
    login = "https://doorproof-ci.auth.eu-west-1.amazoncognito.com"
    policy = CONTENT_SECURITY_POLICY.replace("connect-src 'self'", f"connect-src 'self' {login}")
    client_id = "dashboard-client"
    asked: dict[str, str] = {}

    def app(route) -> None:
        if route.request.url.endswith("/config.json"):
            auth = {"kind": "cognito", "domain": login, "clientId": client_id}
            route.fulfill(json={"apiUrl": "", "auth": auth})
        elif route.request.resource_type == "document":
            answer = route.fetch()
            route.fulfill(
                response=answer, headers={**answer.headers, "content-security-policy": policy}
            )
        else:
            route.continue_()

    def authorize(route) -> None:
        query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(route.request.url).query))
        asked.update(query)
        assert (query["response_type"], query["client_id"]) == ("code", client_id)
        assert query["redirect_uri"] == f"{local_api.url}/callback"
        assert query["code_challenge_method"] == "S256"
        assert set(query["scope"].split()) == {"openid", "aws.cognito.signin.user.admin"}
        back = f"{query['redirect_uri']}?code=the-code&state={query['state']}"
        # Back to the app as Cognito's page sends a person (a new navigation, routed again).
        page_back = f'<meta http-equiv="refresh" content="0;url={html.escape(back)}">'
        route.fulfill(content_type="text/html", body=page_back)

    def token(route) -> None:
        form = dict(urllib.parse.parse_qsl(route.request.post_data or ""))
        verifier = form["code_verifier"].encode()
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier).digest()).rstrip(b"=")
        assert challenge.decode() == asked["code_challenge"]  # PKCE: the verifier matches
        assert (form["grant_type"], form["code"], form["client_id"]) == (
            "authorization_code",
            "the-code",
            client_id,
        )
        code = urllib.parse.parse_qs(
            urllib.parse.urlsplit(local_api.stack.signin_link("admin")).query
        )["code"][0]
        signin = local_api.request(
            "POST", "/local/signin", body=json.dumps({"code": code}).encode()
        )
        tokens = signin.json()
        route.fulfill(
            json={
                "access_token": tokens["accessToken"],
                "expires_in": 3600,
                "token_type": "Bearer",
            },
            headers={"access-control-allow-origin": local_api.url},
        )

    page.route(f"{local_api.url}/**", app)
    page.route(f"{login}/oauth2/authorize?*", authorize)
    page.route(f"{login}/oauth2/token", token)
    page.goto(local_api.url)
    expect(page.get_by_role("heading", name="Sign in to Doorproof")).to_be_visible()
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#who")).to_contain_text("admin")
    expect(page.get_by_role("heading", name="Sessions")).to_be_visible()
    assert page.url == f"{local_api.url}/"  # the code left the address bar
