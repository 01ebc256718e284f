"""Staff security and care roles as people use them, in Debian's Chromium:
a physician turns on two-factor sign-in from the QR page and signs in with
a code computed by pyotp (not the service's TOTP); a patient invites a
family member from the app."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pyotp
from playwright.sync_api import Browser, expect

from conftest import ADMIN_EMAIL, ADMIN_PASSWORD, PASSWORD, Clinic

SHOTS = Path(os.environ.get("AFTERCARE_SCREENSHOTS", Path(__file__).parent / "screenshots"))
AXE = Path(__file__).parent / "node_modules/axe-core/axe.min.js"


def serious_violations(page) -> list:
    page.add_script_tag(content=AXE.read_text())
    found = page.evaluate("async () => (await axe.run()).violations.map(v => ({id: v.id, impact: v.impact}))")
    return [v for v in found if v["impact"] in ("serious", "critical")]


def sign_in_form(page, email: str) -> None:
    page.goto("/dashboard/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_a_physician_turns_on_two_factor_sign_in_and_signs_in_with_a_code(
        browser: Browser, service: str, clinic: Clinic) -> None:
    api = clinic.api
    admin = api.token(ADMIN_EMAIL, ADMIN_PASSWORD)
    email = "dr.totp@browser.example"
    status, body = api.call("POST", "/v1/users", admin, {
        "email": email, "password": PASSWORD, "role": "physician", "display_name": "Dr Totp", "locale": "en"})
    assert status == 201, body
    page = browser.new_context(base_url=service, locale="en-US", bypass_csp=True).new_page()
    sign_in_form(page, email)
    expect(page.get_by_role("table", name="Worklist")).to_be_visible()
    page.get_by_role("link", name="Security").click()
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    expect(page.get_by_role("img").or_(page.locator("figure.qr svg"))).to_be_visible()
    secret = page.locator("figure.qr figcaption strong").inner_text()
    totp = pyotp.TOTP(secret)
    # Not in the last seconds of a step: the next step's code must stay
    # within the service's window for the sign-in below.
    if time.time() % 30 > 22:
        time.sleep(31 - time.time() % 30)
    page.get_by_label("Authentication code").fill(totp.now())
    page.get_by_role("button", name="Confirm").click()
    codes = page.get_by_role("list", name="Recovery codes").get_by_role("listitem")
    expect(codes).to_have_count(10)
    assert serious_violations(page) == []
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "security-en-1280.png"), full_page=True)
    expect(page.get_by_role("table", name="Sessions")).to_be_visible()

    # A new sign-in asks for the code before any session.
    other = browser.new_context(base_url=service, locale="en-US").new_page()
    sign_in_form(other, email)
    expect(other.get_by_label("Authentication code")).to_be_visible()
    assert not [c for c in other.context.cookies() if c["name"].endswith("aftercare_session")]
    other.get_by_label("Authentication code").fill("000000" if totp.at(time.time() + 30) != "000000" else "111111")
    other.get_by_role("button", name="Verify").click()
    expect(other.get_by_role("alert")).to_have_text(re.compile("wrong"))
    other.get_by_label("Authentication code").fill(totp.at(time.time() + 30))
    other.get_by_role("button", name="Verify").click()
    expect(other.get_by_role("table", name="Worklist")).to_be_visible()


def test_a_patient_invites_a_family_member_from_the_app(browser: Browser, service: str, clinic: Clinic) -> None:
    page = browser.new_context(base_url=service, locale="en-US", bypass_csp=True,
                               viewport={"width": 390, "height": 844}, is_mobile=True).new_page()
    page.goto("/app/login")
    page.get_by_label(re.compile("Email|メールアドレス")).fill("ken@browser.example")
    page.get_by_label(re.compile("Password|パスワード")).fill(PASSWORD)
    page.get_by_role("button", name=re.compile("Sign in|ログイン")).click()
    # Ken reads the app in Japanese (his record's language).
    page.get_by_role("link", name=re.compile("Family|家族")).click()
    page.get_by_label(re.compile("Relationship|続柄")).fill("娘")
    page.get_by_role("button", name=re.compile("Invite a family member|家族を招待する")).click()
    expect(page.get_by_role("status").filter(has_text=re.compile("invite code|招待コード"))).to_be_visible()
    assert serious_violations(page) == []
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "family-ja-390.png"), full_page=True)
