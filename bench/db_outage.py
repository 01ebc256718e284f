"""Database outage: stop PostgreSQL for 30 seconds under a steady load of
check-ins and readiness probes. Every answer must be 2xx or a 503
problem+json with Retry-After (never another 5xx), /readyz must say 503
while the database is away, the process must not die, and check-ins must
succeed again within seconds of the database's return, without a restart.

Usage (stops and starts the machine's PostgreSQL cluster; run as its
owner or root): python3 bench/db_outage.py BINARY POSTGRES_URL_OF_AN_EMPTY_DATABASE [SECONDS]
"""
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from datetime import datetime, timedelta, timezone

BINARY, DATABASE = sys.argv[1], sys.argv[2]
OUTAGE = float(sys.argv[3]) if len(sys.argv) > 3 else 30.0
PORT = (lambda s: (s.bind(("127.0.0.1", 0)), s.getsockname()[1])[1])(socket.socket())
BASE = f"http://127.0.0.1:{PORT}"
VERSION = sorted(os.listdir("/etc/postgresql"))[-1]


def cluster(action):
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", VERSION, "main", action], check=True)


def call(method, path, token=None, body=None):
    request = urllib.request.Request(BASE + path, method=method, data=None if body is None else json.dumps(body).encode())
    request.add_header("content-type", "application/json")
    if token:
        request.add_header("authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            return response.status, dict(response.headers), json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), json.loads(error.read() or b"null")


log = open("/tmp/aftercare-outage-server.log", "wb")
env = dict(os.environ, DATABASE_URL=DATABASE, AFTERCARE_BIND=f"127.0.0.1:{PORT}", AFTERCARE_LOG="warn",
           AFTERCARE_ADMIN_EMAIL="admin@outage.example", AFTERCARE_ADMIN_PASSWORD="outage-admin-password",
           AFTERCARE_JWT_SECRET="outage-secret-outage-secret-outage-0123")
server = subprocess.Popen([BINARY], env=env, stdout=subprocess.DEVNULL, stderr=log)
for _ in range(200):
    try:
        urllib.request.urlopen(BASE + "/readyz", timeout=1)
        break
    except Exception:
        time.sleep(0.05)
admin = call("POST", "/v1/auth/login", body={"email": "admin@outage.example", "password": "outage-admin-password"})[2]["access_token"]
call("POST", "/v1/users", admin, {"email": "dr@outage.example", "password": "outage-physician-pw", "role": "physician", "display_name": "Dr Outage"})
doctor = call("POST", "/v1/auth/login", body={"email": "dr@outage.example", "password": "outage-physician-pw"})[2]["access_token"]
patient = call("POST", "/v1/patients", doctor, {"display_name": "Outage Patient", "timezone": "Asia/Tokyo", "locale": "ja"})[2]
treatment = call("POST", f"/v1/patients/{patient['id']}/treatments", doctor, {
    "kind": "injection", "sites": ["face"], "product": "Exo",
    "administered_at": (datetime.now(timezone.utc) - timedelta(hours=30)).isoformat(),
    "screening": {"cancer_treatment": False, "pregnant": False, "breastfeeding": False, "planning_pregnancy": False}})[2]

answers = []   # (time, path, status, has_retry_after, is_problem)
stop = threading.Event()


def load(path_kind):
    while not stop.is_set():
        if path_kind == "checkin":
            status, headers, body = call("POST", f"/v1/treatments/{treatment['id']}/checkins", doctor,
                                         {"client_id": str(uuid.uuid4()), "symptoms": {"redness": 1}})
        else:
            status, headers, body = call("GET", "/readyz")
        lower = {k.lower(): v for k, v in headers.items()}
        answers.append((time.monotonic(), path_kind, status, "retry-after" in lower,
                        lower.get("content-type", "").startswith("application/problem+json")))
        time.sleep(0.05)


threads = [threading.Thread(target=load, args=(kind,)) for kind in ("checkin", "checkin", "readyz")]
for thread in threads:
    thread.start()
time.sleep(3)
down_at = time.monotonic()
cluster("stop")
time.sleep(OUTAGE)
starting_at = time.monotonic()
cluster("start")
up_at = time.monotonic()
time.sleep(10)
stop.set()
for thread in threads:
    thread.join()
alive = server.poll() is None
server.terminate()
server.wait()

# Answers completed while the database was surely away (a stop takes a
# moment; a request waits up to the pool's checkout timeout).
during = [a for a in answers if down_at + 1 < a[0] < starting_at]
other_5xx = [a for a in answers if a[2] >= 500 and a[2] != 503]
bad_503 = [a for a in answers if a[2] == 503 and not (a[3] and a[4])]
readyz_down = [a for a in during if a[1] == "readyz"]
recovered = next((a[0] - up_at for a in answers if a[0] > up_at and a[1] == "checkin" and a[2] == 201), None)
panics = b"panicked" in open("/tmp/aftercare-outage-server.log", "rb").read()
print(f"outage {OUTAGE:.0f} s: {len(answers)} answers, {len(during)} while down "
      f"({sum(1 for a in during if a[2] == 503)} were 503 with Retry-After and problem+json); "
      f"other 5xx {len(other_5xx)}; /readyz while down: {sorted(set(a[2] for a in readyz_down))}; "
      f"first check-in stored {recovered:.2f} s after the database was back; "
      f"process alive {alive}; panics {panics}")
if os.environ.get("OUTAGE_DEBUG"):
    for a in during:
        print(f"{a[0] - down_at:6.2f} {a[1]:8} {a[2]}")
ok = alive and not panics and not other_5xx and not bad_503 and readyz_down and all(a[2] == 503 for a in readyz_down) \
    and recovered is not None and recovered < 10
sys.exit(0 if ok else 1)
