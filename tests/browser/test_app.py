"""The patient app as a patient uses it on a phone, in Debian's Chromium:
sign-up from the invite link, today's check-in by radio groups, the
guidance with the emergency first, reporting without a connection, the
schedule and history, installability, accessibility and 200% text."""

from __future__ import annotations

import base64
import os
import re
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, Page, Playwright, expect

from conftest import ADMIN_EMAIL, ADMIN_PASSWORD, CHROMIUM_FLAGS, PASSWORD, Clinic

SHOTS = Path(os.environ.get("AFTERCARE_SCREENSHOTS", Path(__file__).parent / "screenshots"))
AXE = Path(__file__).parent / "node_modules/axe-core/axe.min.js"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
_made = 0


@pytest.fixture(scope="module")
def clinic(clinic: Clinic) -> Clinic:
    """The app's patients belong to a physician of their own, so that their
    emergencies stay off the dashboard tests' worklist."""
    api = clinic.api
    admin = api.token(ADMIN_EMAIL, ADMIN_PASSWORD)
    email = "dr.app@browser.example"
    status, body = api.call("POST", "/v1/users", admin, {
        "email": email, "password": PASSWORD, "role": "physician", "display_name": "Dr App", "locale": "en"})
    assert status == 201, body
    return Clinic(api, email, api.token(email, PASSWORD))


def new_patient(clinic: Clinic, locale: str = "en", hours_ago: int = 2) -> tuple[str, str, str]:
    """A patient of the clinic's physician with an unused invite and a
    treatment given `hours_ago`: (invite code, email, treatment id)."""
    global _made
    _made += 1
    api, physician = clinic.api, clinic.physician
    status, body = api.call("POST", "/v1/patients", physician,
                            {"display_name": f"App Patient {_made}", "timezone": "Asia/Tokyo", "locale": locale})
    assert status == 201, body
    given = (datetime.now(timezone.utc) - timedelta(hours=hours_ago)).isoformat()
    status, treatment = api.call("POST", f"/v1/patients/{body['id']}/treatments", physician, {
        "kind": "injection", "sites": ["face"], "product": "Exo-X", "administered_at": given,
        "screening": {"cancer_treatment": False, "pregnant": False, "breastfeeding": False,
                      "planning_pregnancy": False}})
    assert status == 201, treatment
    return body["invite"]["code"], f"app{_made}@browser.example", treatment["id"]


def signed_up(browser: Browser, service: str, clinic: Clinic, locale: str = "en", **context: object) -> tuple[Page, str]:
    code, email, treatment = new_patient(clinic, locale)
    page = browser.new_context(base_url=service, locale="en-US", **PHONE, **context).new_page()
    page.goto(f"/app/register?invite={code}")
    expect(page.get_by_label("Invite code")).to_have_value(code)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("button", name=re.compile("^(Send|送信する)$"))).to_be_visible()
    return page, treatment


def stored(clinic: Clinic, treatment: str) -> list[dict]:
    status, body = clinic.api.call("GET", f"/v1/treatments/{treatment}/checkins", clinic.physician)
    assert status == 200, body
    return body["items"]


def test_sign_up_from_the_invite_link_and_report_today(browser: Browser, service: str, clinic: Clinic) -> None:
    page, treatment = signed_up(browser, service, clinic)
    redness = page.get_by_role("radiogroup", name="Redness", exact=True)
    expect(redness.get_by_role("radio")).to_have_count(5)
    for word in ["None", "Mild", "Moderate", "Severe", "Very severe"]:
        expect(redness.get_by_role("radio", name=word, exact=True)).to_be_visible()
    expect(redness.get_by_role("radio", name="None", exact=True)).to_be_checked()
    redness.get_by_role("radio", name="Mild", exact=True).check()
    page.get_by_role("radiogroup", name="Swelling", exact=True).get_by_role("radio", name="Moderate", exact=True).check()
    page.get_by_label("Temperature (°C)").fill("36.9")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("heading", name="Your report was received.")).to_be_visible()
    expect(page.get_by_text("Cool the swelling")).to_be_visible()
    items = stored(clinic, treatment)
    assert len(items) == 1, items
    assert items[0]["symptoms"]["redness"] == 1 and items[0]["symptoms"]["swelling"] == 2
    assert items[0]["vitals"]["temperature_c"] == 36.9
    cookie = next(c for c in page.context.cookies() if c["name"] == "aftercare_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"


def test_an_emergency_shows_first_and_largest_with_the_number_to_call(browser: Browser, service: str, clinic: Clinic) -> None:
    page, _ = signed_up(browser, service, clinic)
    serious = page.get_by_role("radiogroup", name="Difficulty breathing")
    expect(serious).to_contain_text("cannot finish a sentence")  # what it looks like
    serious.get_by_role("radio", name="Moderate", exact=True).check()
    page.get_by_role("button", name="Send").click()
    call = page.get_by_role("link", name="Call 119")
    expect(call).to_be_visible()
    assert call.get_attribute("href") == "tel:119"
    guidance = page.locator("ul.guidance")
    assert call.bounding_box()["y"] < guidance.bounding_box()["y"], "the emergency comes first"
    call_size = float(call.evaluate("a => getComputedStyle(a).fontSize").removesuffix("px"))
    text_size = float(guidance.evaluate("ul => getComputedStyle(ul).fontSize").removesuffix("px"))
    assert call_size > text_size


def test_a_report_made_offline_waits_and_is_sent_once_when_the_connection_returns(
        browser: Browser, service: str, clinic: Clinic) -> None:
    page, treatment = signed_up(browser, service, clinic)
    assert page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.reload()  # now under the worker, which keeps the page
    expect(page.get_by_role("button", name="Send")).to_be_visible()
    page.context.set_offline(True)
    page.reload()
    throat = page.get_by_role("radiogroup", name="Throat tightness")
    expect(throat).to_be_visible()
    throat.get_by_role("radio", name="Severe", exact=True).check()
    page.get_by_role("button", name="Send").click()
    # Told at once from the device: the number to call and first aid.
    emergency = page.locator("#offline-emergency")
    expect(emergency.get_by_role("link", name="Call 119")).to_be_visible()
    expect(emergency).to_contain_text("legs raised")
    expect(page.get_by_text("Your report is saved on this phone")).to_be_visible()
    expect(page.get_by_role("status").filter(has_text="Waiting to be sent (1)")).to_be_visible()
    assert stored(clinic, treatment) == []
    kept = page.evaluate("""() => new Promise(resolve => {
        const open = indexedDB.open('aftercare', 1);
        open.onsuccess = () => { const all = open.result.transaction('outbox').objectStore('outbox').getAll();
                                 all.onsuccess = () => resolve(all.result); };
    })""")
    assert len(kept) == 1 and kept[0]["body"]["symptoms"] == {"throat_tightness": 3}, kept

    # A reload while still offline: the page comes from the worker, the
    # report still waits.
    page.reload()
    expect(page.get_by_role("status").filter(has_text="Waiting to be sent (1)")).to_be_visible()

    page.context.set_offline(False)
    expect(page.get_by_role("status").filter(has_text="Everything you reported has been sent.")).to_be_visible(timeout=10000)
    items = stored(clinic, treatment)
    assert len(items) == 1 and items[0]["client_id"] == kept[0]["client_id"], items

    # The same report sent again (a lost answer, a second tab) is stored once.
    page.evaluate("""item => new Promise(resolve => {
        const open = indexedDB.open('aftercare', 1);
        open.onsuccess = () => { const tx = open.result.transaction('outbox', 'readwrite');
                                 tx.objectStore('outbox').put(item); tx.oncomplete = resolve; };
    })""", kept[0])
    page.evaluate("window.dispatchEvent(new Event('online'))")
    expect(page.get_by_role("status").filter(has_text="Everything you reported has been sent.")).to_be_visible()
    page.wait_for_timeout(300)
    assert len(stored(clinic, treatment)) == 1


CANVAS_JPEG = """() => { const c = document.createElement('canvas'); c.width = 640; c.height = 480;
    const g = c.getContext('2d'); g.fillStyle = '#c44'; g.fillRect(0, 0, 640, 480);
    return c.toDataURL('image/jpeg', 0.9).split(',')[1]; }"""


def test_a_photo_added_offline_is_sent_after_its_report_and_shown_in_the_history(
        browser: Browser, service: str, clinic: Clinic) -> None:
    page, treatment = signed_up(browser, service, clinic)
    photo = base64.b64decode(page.evaluate(CANVAS_JPEG))
    add = page.get_by_label("Add a photo")
    expect(add).to_be_visible()
    assert add.get_attribute("capture") == "environment"
    chosen = page.get_by_role("list", name="Photos to send")
    add.set_input_files(files=[{"name": "wound.jpg", "mimeType": "image/jpeg", "buffer": photo}])
    add.set_input_files(files=[{"name": "second.jpg", "mimeType": "image/jpeg", "buffer": photo}])
    expect(chosen.get_by_role("listitem")).to_have_count(2)
    page.get_by_role("button", name="Remove second.jpg").click()
    expect(chosen.get_by_role("listitem")).to_have_count(1)
    expect(chosen).to_contain_text("wound.jpg")
    # Not an image: refused on the device, before anything is sent.
    add.set_input_files(files=[{"name": "notes.txt", "mimeType": "text/plain", "buffer": b"hello"}])
    expect(page.get_by_role("alert").filter(has_text="This photo cannot be sent: notes.txt")).to_be_visible()
    expect(chosen.get_by_role("listitem")).to_have_count(1)

    page.context.set_offline(True)
    page.get_by_role("radiogroup", name="Redness", exact=True).get_by_role("radio", name="Moderate", exact=True).check()
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("status").filter(has_text="Waiting to be sent (1)")).to_be_visible()
    kept = page.evaluate("""() => new Promise(resolve => {
        const open = indexedDB.open('aftercare', 1);
        open.onsuccess = () => { const all = open.result.transaction('outbox').objectStore('outbox').getAll();
                                 all.onsuccess = () => resolve(all.result.map(i => i.photos.map(p => p.name))); };
    })""")
    assert kept == [["wound.jpg"]], kept
    assert stored(clinic, treatment) == []

    page.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    expect(page.get_by_role("status").filter(has_text="Everything you reported has been sent.")).to_be_visible(timeout=10000)
    items = stored(clinic, treatment)
    assert len(items) == 1 and items[0]["symptoms"] == {"redness": 2}, items
    photos = items[0]["photos"]
    assert [(p["width"], p["height"], p["content_type"]) for p in photos] == [(640, 480, "image/jpeg")], photos

    page.goto("/app/history")
    thumbnail = page.get_by_role("list", name="Photos").get_by_role("img", name=re.compile(r"^Photo 1 · Day"))
    expect(thumbnail).to_be_visible()
    assert thumbnail.evaluate("img => img.decode().then(() => img.naturalWidth)") == 256


# Chromium's "Slow 4G" network profile (DevTools): 562.5 ms latency,
# 1.44 Mbit/s down, 675 kbit/s up.
SLOW_4G = {"offline": False, "latency": 562.5, "downloadThroughput": 180000, "uploadThroughput": 84375}


def test_the_first_load_is_light_and_usable_within_a_second_on_slow_4g(
        browser: Browser, service: str, clinic: Clinic) -> None:
    page, _ = signed_up(browser, service, clinic)
    # A first visit: the session, but no cache and no service worker.
    first = browser.new_context(base_url=service, locale="en-US", service_workers="block", **PHONE)
    first.add_cookies(page.context.cookies())
    tab = first.new_page()
    cdp = first.new_cdp_session(tab)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    cdp.send("Network.emulateNetworkConditions", SLOW_4G)
    transferred: list[float] = []
    cdp.on("Network.loadingFinished", lambda event: transferred.append(event["encodedDataLength"]))
    tab.goto("/app/", wait_until="load")
    expect(tab.get_by_role("button", name="Send")).to_be_visible()
    usable = tab.evaluate("performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd")
    loaded = tab.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd")
    total = sum(transferred)
    report = Path(os.environ.get("AFTERCARE_SCREENSHOTS", Path(__file__).parent / "screenshots")) / "app-first-load.txt"
    report.parent.mkdir(parents=True, exist_ok=True)
    report.write_text(f"first load of /app/ on Slow 4G: {total / 1024:.1f} KiB transferred in {len(transferred)} "
                      f"requests, usable (DOMContentLoaded) after {usable:.0f} ms, "
                      f"style and script loaded after {loaded:.0f} ms\n")
    assert total <= 100 * 1024, f"{total} bytes"
    assert usable <= 1000, f"usable after {usable} ms"
    first.close()


def test_schedule_history_and_the_language_switch(browser: Browser, service: str, clinic: Clinic) -> None:
    page, _ = signed_up(browser, service, clinic)
    page.get_by_role("radiogroup", name="Itching").get_by_role("radio", name="Mild", exact=True).check()
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("heading", name="Your report was received.")).to_be_visible()
    page.get_by_role("link", name="Schedule").click()
    table = page.get_by_role("table")
    # Today's row, whichever day since the treatment it is (the patient's
    # day may have turned at Tokyo's midnight since the treatment).
    today = datetime.now(ZoneInfo("Asia/Tokyo")).date().isoformat()
    expect(table.get_by_role("row").filter(has_text=today)).to_contain_text("Done")
    expect(table.get_by_role("row").last).to_contain_text("Upcoming")
    page.get_by_role("link", name="History").click()
    expect(page.get_by_text("Itching: Mild")).to_be_visible()
    page.get_by_role("button", name="日本語").click()
    expect(page.get_by_text("かゆみ: 軽い")).to_be_visible()
    page.get_by_role("link", name="今日").click()
    expect(page.get_by_role("radiogroup", name="赤み", exact=True).get_by_role("radio", name="とても強い", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="送信する")).to_be_visible()


def test_the_reminder_time_is_chosen_on_the_reminders_page(browser: Browser, service: str, clinic: Clinic) -> None:
    page, _ = signed_up(browser, service, clinic)
    page.get_by_role("link", name="Reminders").click()
    expect(page.get_by_label("Reminder time")).to_have_value("19:00")
    page.get_by_role("switch", name="Remind me on this phone").uncheck()
    page.get_by_label("Reminder time").fill("07:45")
    page.get_by_label("Also by e-mail to (optional)").fill("me@browser.example")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status").filter(has_text="Saved.")).to_be_visible()
    expect(page.get_by_label("Reminder time")).to_have_value("07:45")
    expect(page.get_by_role("switch", name="Remind me on this phone")).not_to_be_checked()


def test_staff_are_refused_by_the_app(browser: Browser, service: str, clinic: Clinic) -> None:
    page = browser.new_context(base_url=service, locale="en-US").new_page()
    page.goto("/app/login")
    page.get_by_label("Email").fill(clinic.physician_email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("This app is for patients.")).to_be_visible()
    assert not [c for c in page.context.cookies() if c["name"] == "aftercare_session"]


def test_the_app_is_installable(playwright: Playwright, service: str, clinic: Clinic) -> None:
    # A profile of its own: Chromium does not install apps from incognito
    # contexts, which is what new_context() makes.
    code, email, _ = new_patient(clinic)
    context = playwright.chromium.launch_persistent_context(
        tempfile.mkdtemp(), executable_path=os.environ.get("AFTERCARE_CHROMIUM", "/usr/bin/chromium"),
        headless=True, args=CHROMIUM_FLAGS, base_url=service, locale="en-US", **PHONE)
    try:
        page = context.new_page()
        page.goto(f"/app/register?invite={code}")
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Create account").click()
        expect(page.get_by_role("button", name="Send")).to_be_visible()
        assert page.evaluate("navigator.serviceWorker.ready.then(r => r.scope)") == f"{service}/app/"
        page.reload()
        cdp = context.new_cdp_session(page)
        errors = cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]
        assert errors == [], errors
        manifest = cdp.send("Page.getAppManifest")
        assert manifest["url"].endswith("/app/manifest.webmanifest") and not manifest["errors"], manifest
    finally:
        context.close()


def test_every_app_page_passes_axe_reads_at_200_percent_and_is_photographed(
        browser: Browser, service: str, clinic: Clinic) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width, height in [(390, 844), (1280, 800)]:
        size = {"viewport": {"width": width, "height": height}}
        for before in ["/app/login", "/app/register?invite=ABCD-EFGH"]:
            page = browser.new_context(base_url=service, bypass_csp=True, locale="ja-JP", **size).new_page()
            page.goto(before)
            check(page, f"app-{before.split('/')[2].split('?')[0]}-ja-{width}")
        code, email, _ = new_patient(clinic)
        page = browser.new_context(base_url=service, bypass_csp=True, locale="en-US", **size).new_page()
        page.goto(f"/app/register?invite={code}")
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Create account").click()
        for language in ["en", "ja"]:
            page.goto("/app/")
            check(page, f"app-today-{language}-{width}")
            throat = page.get_by_role("radiogroup", name=re.compile("^(Throat tightness|のどの締めつけ感)$"))
            throat.get_by_role("radio").nth(3).check()
            page.locator("button.send").click()
            expect(page.locator("#result h1")).to_be_visible()
            check(page, f"app-answer-{language}-{width}")
            for name in ["schedule", "history", "reminders"]:
                page.goto(f"/app/{name}")
                check(page, f"app-{name}-{language}-{width}")
            page.get_by_role("button", name="日本語" if language == "en" else "English").click()


def check(page: Page, name: str) -> None:
    page.add_script_tag(content=AXE.read_text())
    found = page.evaluate("async () => (await axe.run()).violations.map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.length}))")
    serious = [v for v in found if v["impact"] in ("serious", "critical")]
    assert serious == [], f"{name}: {serious}"
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    # Text at 200%: nothing is cut off sideways.
    page.evaluate("document.documentElement.style.fontSize = '200%'")
    wide = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert wide <= 1, f"{name}: {wide}px wider than the screen at 200% text"
    page.evaluate("document.documentElement.style.fontSize = ''")
