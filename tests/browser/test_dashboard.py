"""The dashboard as a physician uses it, in Debian's Chromium: elements are
found by role and accessible name, as a person would find them."""

from __future__ import annotations

import os
import re
from pathlib import Path

from playwright.sync_api import Browser, Page, expect

from conftest import HOSTILE, PASSWORD, Clinic

SHOTS = Path(os.environ.get("AFTERCARE_SCREENSHOTS", Path(__file__).parent / "screenshots"))
AXE = Path(__file__).parent / "node_modules/axe-core/axe.min.js"


def signed_in(browser: Browser, service: str, clinic: Clinic, **context: object) -> Page:
    page = browser.new_context(base_url=service, **context).new_page()
    page.goto("/dashboard/login")
    page.get_by_label(re.compile("Email|メールアドレス")).fill(clinic.physician_email)
    page.get_by_label(re.compile("Password|パスワード")).fill(PASSWORD)
    page.get_by_role("button", name=re.compile("Sign in|ログイン")).click()
    expect(page.get_by_role("table", name="Worklist")).to_be_visible()
    return page


def test_a_wrong_password_stays_on_the_form_with_an_error(browser: Browser, service: str, clinic: Clinic) -> None:
    page = browser.new_context(base_url=service, locale="en-US").new_page()
    page.goto("/dashboard/login")
    page.get_by_label("Email").fill(clinic.physician_email)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_have_text("The email or password is wrong.")
    expect(page.get_by_label("Email")).to_have_value(clinic.physician_email)
    assert page.url.endswith("/dashboard/login")


def test_the_worklist_is_most_urgent_first_and_the_cookie_is_strict(browser: Browser, service: str, clinic: Clinic) -> None:
    page = signed_in(browser, service, clinic)
    rows = page.get_by_role("table", name="Worklist").get_by_role("row")
    # The header row, then Suzuki Ken (urgent) above the others.
    expect(rows.nth(1)).to_contain_text("Suzuki Ken")
    expect(rows.nth(1)).to_contain_text("Urgent")
    cookie = next(c for c in page.context.cookies() if c["name"] == "aftercare_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and cookie["path"] == "/"


def test_a_new_alert_appears_within_two_seconds_without_a_reload(browser: Browser, service: str, clinic: Clinic) -> None:
    page = signed_in(browser, service, clinic)
    page.wait_for_timeout(500)  # the event stream connects
    clinic.check_in("Tanaka Yui", {"throat_tightness": 3, "difficulty_breathing": 3})
    first = page.get_by_role("table", name="Worklist").get_by_role("row").nth(1)
    expect(first).to_contain_text("Tanaka Yui", timeout=2000)
    expect(first).to_contain_text("Emergency", timeout=2000)
    expect(page).to_have_title(re.compile(r"^\(\d+\) Worklist"))


def test_acknowledging_on_the_alert_page_is_seen_by_the_api(browser: Browser, service: str, clinic: Clinic) -> None:
    page = signed_in(browser, service, clinic)
    row = page.get_by_role("row").filter(has_text="Suzuki Ken")
    row.get_by_role("link", name="Severe symptom").click()
    page.get_by_role("button", name="Acknowledge").click()
    expect(page.get_by_text("Acknowledged", exact=True)).to_be_visible()
    alert_id = page.url.rsplit("/", 1)[1]
    status, alert = clinic.api.call("GET", f"/v1/alerts/{alert_id}", clinic.physician)
    assert status == 200 and alert["status"] == "acknowledged", alert
    # Urgent and acknowledged: it may now be snoozed, with a reason.
    page.get_by_label("Reason").fill("calling back at noon")
    page.get_by_role("button", name="Snooze").click()
    status, alert = clinic.api.call("GET", f"/v1/alerts/{alert_id}", clinic.physician)
    assert alert["status"] == "snoozed", alert
    page.get_by_label("Note").fill("called: settled by itself")
    page.get_by_label("Outcome").select_option("recovered")
    page.get_by_role("button", name="Resolve").click()
    status, alert = clinic.api.call("GET", f"/v1/alerts/{alert_id}", clinic.physician)
    assert alert["status"] == "resolved", alert


def test_the_keyboard_alone_reaches_and_presses_acknowledge(browser: Browser, service: str, clinic: Clinic) -> None:
    clinic.check_in("Suzuki Ken", {"fatigue": 4}, hours_after=52)
    page = signed_in(browser, service, clinic)
    row = page.get_by_role("row").filter(has_text="Suzuki Ken")
    row.get_by_role("link").nth(1).click()
    acknowledge = page.get_by_role("button", name="Acknowledge")
    for _ in range(30):
        page.keyboard.press("Tab")
        if acknowledge.evaluate("button => button === document.activeElement"):
            break
    else:
        raise AssertionError("Tab never reached Acknowledge")
    outline = acknowledge.evaluate("button => getComputedStyle(button).outlineStyle")
    assert outline != "none", "the focus is visible"
    page.keyboard.press("Enter")
    expect(page.get_by_text("Acknowledged", exact=True)).to_be_visible()


def test_the_patient_page_draws_the_symptoms_by_day(browser: Browser, service: str, clinic: Clinic) -> None:
    page = signed_in(browser, service, clinic)
    page.get_by_role("link", name="Tanaka Yui").click()
    expect(page.get_by_role("heading", name="Tanaka Yui", level=1)).to_be_visible()
    expect(page.get_by_role("img", name="Symptoms by day").first).to_be_visible()


def test_the_evidence_shows_its_photo_which_opens_full_size(browser: Browser, service: str, clinic: Clinic) -> None:
    page = signed_in(browser, service, clinic)
    page.goto(f"/dashboard/alerts/{clinic.alerts['Suzuki Ken']}")
    photos = page.get_by_role("list", name="Photos")
    thumbnail = photos.get_by_role("img", name=re.compile(r"^Photo 1 · "))
    expect(thumbnail).to_be_visible()
    # Loaded with the page's cookie: the 256 px thumbnail of a 480x360 photo.
    assert thumbnail.evaluate("img => img.decode().then(() => [img.naturalWidth, img.naturalHeight])") == [256, 192]
    photos.get_by_role("link", name=re.compile(r"^Photo 1 · ")).click()
    expect(page).to_have_url(re.compile(r"/v1/photos/[0-9a-f-]+$"))
    full = page.evaluate("() => { const img = document.querySelector('img'); "
                         "return img.decode().then(() => [img.naturalWidth, img.naturalHeight]); }")
    assert full == [480, 360]
    page.goto(f"/dashboard/patients/{clinic.patients['Tanaka Yui']}")
    expect(page.get_by_role("img", name=re.compile(r"^Photo 1 · Day \d+$"))).to_be_visible()


def test_a_treatment_is_recorded_from_the_patient_page(browser: Browser, service: str, clinic: Clinic) -> None:
    page = signed_in(browser, service, clinic)
    page.get_by_role("link", name="Suzuki Ken").click()
    page.locator("summary", has_text="Record a treatment").click()
    page.get_by_label("Kind").select_option("iv_drip")
    page.get_by_label("Product").fill("Exo-IV")
    page.get_by_label("Given at").fill("2026-11-30T09:30")
    page.get_by_role("button", name="Record a treatment").click()
    expect(page.get_by_role("heading", name=re.compile("Exo-IV"))).to_be_visible()


def test_the_language_switch(browser: Browser, service: str, clinic: Clinic) -> None:
    page = signed_in(browser, service, clinic)
    page.get_by_role("button", name="日本語").click()
    expect(page.get_by_role("table", name="ワークリスト")).to_be_visible()
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("table", name="Worklist")).to_be_visible()


def test_a_post_without_the_token_is_refused(browser: Browser, service: str, clinic: Clinic) -> None:
    page = signed_in(browser, service, clinic)
    status = page.evaluate(
        """async () => (await fetch('/dashboard/logout', {method: 'POST',
             headers: {'content-type': 'application/x-www-form-urlencoded'}, body: 'csrf=wrong'})).status""")
    assert status == 403
    page.reload()
    expect(page.get_by_role("table", name="Worklist")).to_be_visible()


def test_a_hostile_name_is_shown_as_text(browser: Browser, service: str, clinic: Clinic) -> None:
    page = signed_in(browser, service, clinic)
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    expect(page.get_by_role("link", name=HOSTILE)).to_be_visible()
    page.get_by_role("link", name=HOSTILE).click()
    expect(page.get_by_role("heading", name=HOSTILE, level=1)).to_be_visible()
    assert dialogs == []


def test_every_page_passes_axe_and_is_photographed(browser: Browser, service: str, clinic: Clinic) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width, height in [(1280, 800), (390, 844)]:
        page = signed_in(browser, service, clinic, viewport={"width": width, "height": height}, bypass_csp=True)
        alert_link = page.get_by_role("row").filter(has_text="Tanaka Yui").get_by_role("link").nth(1)
        alert_path = alert_link.get_attribute("href")
        pages = {"worklist": "/dashboard/", "patient": f"/dashboard/patients/{clinic.patients['Tanaka Yui']}",
                 "alert": alert_path, "stats": "/dashboard/stats"}
        for language in ["en", "ja"]:
            for name, path in pages.items():
                page.goto(path)
                page.add_script_tag(content=AXE.read_text())
                found = page.evaluate("async () => (await axe.run()).violations.map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.length}))")
                serious = [v for v in found if v["impact"] in ("serious", "critical")]
                assert serious == [], f"{name} ({language}, {width}px): {serious}"
                page.screenshot(path=str(SHOTS / f"{name}-{language}-{width}.png"), full_page=True)
            page.get_by_role("button", name="日本語" if language == "en" else "English").click()
        login = page.context.browser.new_context(base_url=service, viewport={"width": width, "height": height},
                                                 bypass_csp=True).new_page()
        login.goto("/dashboard/login")
        login.add_script_tag(content=AXE.read_text())
        found = login.evaluate("async () => (await axe.run()).violations.map(v => ({id: v.id, impact: v.impact}))")
        assert [v for v in found if v["impact"] in ("serious", "critical")] == []
        login.screenshot(path=str(SHOTS / f"login-{width}.png"))


def test_the_statistics_page_draws_the_cohorts_curves(browser: Browser, service: str, clinic: Clinic) -> None:
    page = signed_in(browser, service, clinic)
    page.get_by_role("link", name="Statistics").click()
    expect(page.get_by_role("img", name="Symptoms by day since treatment")).to_be_visible()
    table = page.get_by_role("table", name="Share of patients reporting each symptom, by day since treatment")
    expect(table.get_by_role("columnheader", name="Redness", exact=True)).to_be_visible()


def test_the_admin_pages_pass_axe_and_show_a_webhook_secret_once(browser: Browser, service: str, clinic: Clinic) -> None:
    from conftest import ADMIN_EMAIL, ADMIN_PASSWORD
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_context(base_url=service, bypass_csp=True, locale="en-US").new_page()
    page.goto("/dashboard/login")
    page.get_by_label("Email").fill(ADMIN_EMAIL)
    page.get_by_label("Password").fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name="English").click()  # the admin's account is in Japanese
    page.get_by_role("link", name="Webhooks").click()
    page.get_by_label("URL").fill("http://127.0.0.1:9/aftercare")
    page.get_by_role("button", name="Add a webhook").click()
    expect(page.get_by_role("status")).to_contain_text("whsec_")
    page.goto("/dashboard/admin/webhooks")
    expect(page.get_by_role("rowheader", name="http://127.0.0.1:9/aftercare").first).to_be_visible()
    expect(page.get_by_text("whsec_")).to_have_count(0)
    for name in ["staff", "webhooks", "audit"]:
        page.goto(f"/dashboard/admin/{name}")
        page.add_script_tag(content=AXE.read_text())
        found = page.evaluate("async () => (await axe.run()).violations.map(v => ({id: v.id, impact: v.impact}))")
        assert [v for v in found if v["impact"] in ("serious", "critical")] == [], name
        page.screenshot(path=str(SHOTS / f"admin-{name}-1280.png"), full_page=True)
