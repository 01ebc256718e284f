"""The browser tests' world: a live service on a throwaway database (SQLite,
or the PostgreSQL database named by AFTERCARE_BROWSER_DATABASE_URL), a
clinic made through the API, and Debian's Chromium driven by Playwright.

Run by tests/browser/run, which installs what they need."""

from __future__ import annotations

import json
import os
import socket
import struct
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Playwright, sync_playwright

ROOT = Path(__file__).resolve().parents[2]
ADMIN_EMAIL = "admin@browser.example"
ADMIN_PASSWORD = "browser-admin-password-1"
PASSWORD = "a long enough password"
HOSTILE = "<img src=x onerror=alert(1)>"
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Api:
    base: str

    def call(self, method: str, path: str, token: str | None = None, body: object = None) -> tuple[int, dict]:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data=data, method=method)
        request.add_header("content-type", "application/json")
        if token:
            request.add_header("authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                text = response.read().decode()
                return response.status, json.loads(text) if text else {}
        except urllib.error.HTTPError as error:
            text = error.read().decode()
            return error.code, json.loads(text) if text else {}

    def upload(self, path: str, token: str, content_type: str, data: bytes) -> tuple[int, dict]:
        request = urllib.request.Request(self.base + path, data=data, method="POST")
        request.add_header("content-type", content_type)
        request.add_header("authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, json.loads(response.read().decode())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read().decode() or "{}")

    def token(self, email: str, password: str) -> str:
        status, body = self.call("POST", "/v1/auth/login", body={"email": email, "password": password})
        assert status == 200, body
        return body["access_token"]


@dataclass
class Clinic:
    api: Api
    physician_email: str
    physician: str
    patients: dict[str, str] = field(default_factory=dict)
    treatments: dict[str, str] = field(default_factory=dict)
    patient_tokens: dict[str, str] = field(default_factory=dict)
    alerts: dict[str, str] = field(default_factory=dict)

    def check_in(self, name: str, symptoms: dict[str, int], hours_after: int = 30) -> dict:
        client_id = f"{name}-{time.time_ns()}"
        status, body = self.api.call(
            "POST", f"/v1/treatments/{self.treatments[name]}/checkins", self.patient_tokens[name],
            {"client_id": client_id, "symptoms": symptoms},
        )
        assert status == 201, body
        return body

    def add_photo(self, name: str, checkin_id: str, rgb: tuple[int, int, int]) -> dict:
        status, body = self.api.upload(f"/v1/checkins/{checkin_id}/photos", self.patient_tokens[name],
                                       "image/png", png(480, 360, rgb))
        assert status == 201, body
        return body


def png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A plain-coloured PNG, made without an imaging library."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    row = b"\x00" + bytes(rgb) * width
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(row * height)) + chunk(b"IEND", b""))


def make_patient(api: Api, physician: str, clinic: Clinic, name: str, email: str, hours_ago: int) -> None:
    status, body = api.call("POST", "/v1/patients", physician,
                            {"display_name": name, "timezone": "Asia/Tokyo", "locale": "ja"})
    assert status == 201, body
    clinic.patients[name] = body["id"]
    status, registered = api.call("POST", "/v1/auth/register", body={
        "invite_code": body["invite"]["code"], "email": email, "password": PASSWORD})
    assert status == 201, registered
    clinic.patient_tokens[name] = registered["access_token"]
    given = (datetime.now(timezone.utc) - timedelta(hours=hours_ago)).isoformat()
    status, treatment = api.call("POST", f"/v1/patients/{body['id']}/treatments", physician, {
        "kind": "injection", "sites": ["face"], "product": "Exo-X", "lot": "L1", "administered_at": given,
        "screening": {"cancer_treatment": False, "pregnant": False, "breastfeeding": False,
                      "planning_pregnancy": False}})
    assert status == 201, treatment
    clinic.treatments[name] = treatment["id"]


@pytest.fixture(scope="session")
def service() -> str:
    binary = os.environ.get("AFTERCARE_BIN", str(ROOT / "target/debug/aftercare"))
    work = tempfile.mkdtemp()
    port = free_port()
    env = dict(os.environ,
               DATABASE_URL=os.environ.get("AFTERCARE_BROWSER_DATABASE_URL", f"sqlite://{work}/browser.db"),
               AFTERCARE_BIND=f"127.0.0.1:{port}", AFTERCARE_ADMIN_EMAIL=ADMIN_EMAIL,
               AFTERCARE_ADMIN_PASSWORD=ADMIN_PASSWORD, AFTERCARE_LOG="warn",
               AFTERCARE_WEBHOOK_POLL_MS="200", AFTERCARE_WEBHOOK_ALLOW_HTTP="true",
               AFTERCARE_WEBHOOK_ALLOW_PRIVATE="true", AFTERCARE_MEDIA_STORE=f"file://{work}/media")
    log = open(Path(work) / "server.log", "w")
    server = subprocess.Popen([binary], env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            urllib.request.urlopen(base + "/healthz", timeout=1)
            break
        except OSError:
            time.sleep(0.05)
    yield base
    server.terminate()
    server.wait(timeout=30)
    log.close()
    text = (Path(work) / "server.log").read_text()
    assert "panicked" not in text, text


@pytest.fixture(scope="session")
def clinic(service: str) -> Clinic:
    api = Api(service)
    admin = api.token(ADMIN_EMAIL, ADMIN_PASSWORD)
    email = "dr.sato@browser.example"
    status, body = api.call("POST", "/v1/users", admin, {
        "email": email, "password": PASSWORD, "role": "physician", "display_name": "Dr Sato", "locale": "en"})
    assert status == 201, body
    physician = api.token(email, PASSWORD)
    world = Clinic(api, email, physician)
    make_patient(api, physician, world, "Tanaka Yui", "yui@browser.example", 30)
    make_patient(api, physician, world, "Suzuki Ken", "ken@browser.example", 50)
    make_patient(api, physician, world, HOSTILE, "hostile@browser.example", 20)
    redness = world.check_in("Tanaka Yui", {"redness": 2, "swelling": 1})
    world.add_photo("Tanaka Yui", redness["checkin"]["id"], (200, 60, 60))
    headache = world.check_in("Suzuki Ken", {"headache": 4})
    world.add_photo("Suzuki Ken", headache["checkin"]["id"], (180, 90, 70))
    world.alerts["Suzuki Ken"] = headache["alerts"][0]["id"]
    world.check_in(HOSTILE, {"redness": 1})
    return world


@pytest.fixture(scope="session")
def playwright() -> Playwright:
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Browser:
    chromium = playwright.chromium.launch(
        executable_path=os.environ.get("AFTERCARE_CHROMIUM", "/usr/bin/chromium"),
        headless=True, args=CHROMIUM_FLAGS)
    yield chromium
    chromium.close()
