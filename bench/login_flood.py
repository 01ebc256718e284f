"""Does a flood of logins (argon2id, deliberately slow) stall check-ins?
Measures check-in latency idle, then while FLOODERS threads log in without
pause, and prints p50/p99 of each and their ratio (target: p99 under flood
at most twice the idle p99).

Usage: python3 bench/login_flood.py BINARY [DATABASE_URL]   (release build
recommended: cargo build --release; default database: a SQLite temp file)
"""
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from datetime import datetime, timedelta, timezone

BINARY = sys.argv[1]
WORK = tempfile.mkdtemp()
DATABASE = sys.argv[2] if len(sys.argv) > 2 else f"sqlite://{WORK}/flood.db"
PORT = (lambda s: (s.bind(("127.0.0.1", 0)), s.getsockname()[1])[1])(socket.socket())
BASE = f"http://127.0.0.1:{PORT}"
SAMPLES, FLOODERS = 1000, 4


def call(method, path, token=None, body=None):
    request = urllib.request.Request(BASE + path, method=method, data=None if body is None else json.dumps(body).encode())
    request.add_header("content-type", "application/json")
    if token:
        request.add_header("authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round((len(ordered) - 1) * p))]


def checkins(token, treatment, count):
    latencies = []
    for _ in range(count):
        started = time.perf_counter()
        status, _ = call("POST", f"/v1/treatments/{treatment}/checkins", token, {"client_id": str(uuid.uuid4()), "symptoms": {"redness": 1}})
        latencies.append((time.perf_counter() - started) * 1000)
        assert status == 201, status
    return latencies


def main():
    env = dict(os.environ, DATABASE_URL=DATABASE, AFTERCARE_BIND=f"127.0.0.1:{PORT}", AFTERCARE_LOG="warn",
               AFTERCARE_ADMIN_EMAIL="admin@flood.example", AFTERCARE_ADMIN_PASSWORD="flood-admin-password")
    server = subprocess.Popen([BINARY], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(BASE + "/readyz", timeout=1)
                break
            except Exception:
                time.sleep(0.05)
        admin = call("POST", "/v1/auth/login", body={"email": "admin@flood.example", "password": "flood-admin-password"})[1]["access_token"]
        call("POST", "/v1/users", admin, {"email": "dr@flood.example", "password": "flood-physician-pw", "role": "physician", "display_name": "Dr Flood"})
        doctor = call("POST", "/v1/auth/login", body={"email": "dr@flood.example", "password": "flood-physician-pw"})[1]["access_token"]
        patient = call("POST", "/v1/patients", doctor, {"display_name": "Flood Patient", "timezone": "Asia/Tokyo", "locale": "ja"})[1]
        def new_treatment():
            # A fresh treatment per phase: triage reads the treatment's
            # history, so both phases must start from the same one.
            return call("POST", f"/v1/patients/{patient['id']}/treatments", doctor, {
                "kind": "injection", "sites": ["face"], "product": "Exo",
                "administered_at": (datetime.now(timezone.utc) - timedelta(hours=30)).isoformat(),
                "screening": {"cancer_treatment": False, "pregnant": False, "breastfeeding": False, "planning_pregnancy": False}})[1]

        treatment = new_treatment()
        checkins(doctor, treatment["id"], 50)  # warm up
        idle = checkins(doctor, new_treatment()["id"], SAMPLES)

        stop = threading.Event()
        logins = []

        def flood():
            while not stop.is_set():
                status, _ = call("POST", "/v1/auth/login", body={"email": "admin@flood.example", "password": "flood-admin-password"})
                logins.append(status)

        threads = [threading.Thread(target=flood) for _ in range(FLOODERS)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        time.sleep(1)
        flooded = checkins(doctor, new_treatment()["id"], SAMPLES)
        stop.set()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
        backend = "postgresql" if DATABASE.startswith("postgres") else "sqlite"
        p99_idle, p99_flood = percentile(idle, 0.99), percentile(flooded, 0.99)
        print(f"{backend}: check-in p50/p99 idle {percentile(idle, 0.5):.2f}/{p99_idle:.2f} ms; "
              f"under {FLOODERS} login flooders ({len(logins) / elapsed:.1f} logins/s, statuses {sorted(set(logins))}) "
              f"{percentile(flooded, 0.5):.2f}/{p99_flood:.2f} ms; p99 ratio {p99_flood / p99_idle:.2f} (target at most 2)")
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
