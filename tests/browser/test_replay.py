"""The rule replay as an admin uses it, in Debian's Chromium: from the
statistics page, a proposed persistence threshold replayed on the clinic's
check-ins, answered with the alerts of each rule stored and proposed side
by side."""

from __future__ import annotations

import os
from pathlib import Path

from playwright.sync_api import Browser, expect

from conftest import ADMIN_EMAIL, ADMIN_PASSWORD, PASSWORD, Clinic
from test_security import serious_violations, sign_in_form

SHOTS = Path(os.environ.get("AFTERCARE_SCREENSHOTS", Path(__file__).parent / "screenshots"))


def test_an_admin_replays_the_rules_with_a_longer_threshold(browser: Browser, service: str, clinic: Clinic) -> None:
    api = clinic.api
    admin = api.token(ADMIN_EMAIL, ADMIN_PASSWORD)
    email = "admin.replay@browser.example"
    status, body = api.call("POST", "/v1/users", admin, {
        "email": email, "password": PASSWORD, "role": "admin", "display_name": "Admin Replay", "locale": "en"})
    assert status == 201, body
    page = browser.new_context(base_url=service, locale="en-US", bypass_csp=True).new_page()
    sign_in_form(page, email)
    page.get_by_role("link", name="Statistics").click()
    replay = page.get_by_role("region", name="Rule replay")
    expect(replay).to_be_visible()
    replay.get_by_label("Persistent after (days)").fill("10")
    replay.get_by_role("button", name="Replay").click()
    expect(page.get_by_role("heading", name="Rule replay")).to_be_visible()
    expect(page.get_by_role("img", name="Alerts per rule, stored and proposed")).to_be_visible()
    table = page.get_by_role("table", name="Findings and alerts per rule, stored and proposed")
    expect(table).to_be_visible()
    expect(table.get_by_role("rowheader", name="Severe symptom")).to_be_visible()
    expect(page.get_by_label("Persistent after (days)")).to_have_value("10")
    assert serious_violations(page) == []
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "replay-en-1280.png"), full_page=True)

    # A physician's statistics page has no replay.
    other = browser.new_context(base_url=service, locale="en-US").new_page()
    sign_in_form(other, clinic.physician_email)
    other.get_by_role("link", name="Statistics").click()
    expect(other.get_by_role("heading", name="Symptoms by day since treatment")).to_be_visible()
    expect(other.get_by_role("region", name="Rule replay")).to_have_count(0)
