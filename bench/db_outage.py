"""Database outage: stop PostgreSQL for 30 seconds under a steady load of
check-ins and readiness probes. Every answer must be 2xx or a 503
problem+json with Retry-After (never another 5xx), given at once (p99
within 100 ms, not the pool's checkout timeout), /readyz must say 503
while the database is away, the process must not die, and check-ins must
succeed again within seconds of the database's return, without a restart.

Usage (stops and starts the machine's PostgreSQL cluster; run as its
owner or root): python3 bench/db_outage.py BINARY POSTGRES_URL_OF_AN_EMPTY_DATABASE [SECONDS]
"""
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid

from service import Service, new_treatment, seed_clinic

BINARY, DATABASE = sys.argv[1], sys.argv[2]
OUTAGE = float(sys.argv[3]) if len(sys.argv) > 3 else 30.0
VERSION = sorted(os.listdir("/etc/postgresql"))[-1]
LOG = os.path.join(tempfile.mkdtemp(), "server.log")
SERVICE = Service(BINARY, DATABASE, LOG)


def cluster(action):
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", VERSION, "main", action], check=True)


server = SERVICE.start()
doctor, (patient,) = seed_clinic(SERVICE)
treatment = new_treatment(SERVICE, doctor, patient)

answers = []   # (time, path, status, has_retry_after, is_problem)
stop = threading.Event()


def load(path_kind):
    while not stop.is_set():
        started = time.monotonic()
        if path_kind == "checkin":
            status, _, headers = SERVICE.call("POST", f"/v1/treatments/{treatment}/checkins", doctor,
                                              {"client_id": str(uuid.uuid4()), "symptoms": {"redness": 1}})
        else:
            status, _, headers = SERVICE.call("GET", "/readyz")
        answers.append((time.monotonic(), path_kind, status, "retry-after" in headers,
                        headers.get("content-type", "").startswith("application/problem+json"),
                        time.monotonic() - started))
        time.sleep(0.05)


threads = [threading.Thread(target=load, args=(kind,)) for kind in ("checkin", "checkin", "readyz")]
for thread in threads:
    thread.start()
time.sleep(3)
down_at = time.monotonic()
cluster("stop")
# The stop returns once the server is gone; on a busy machine that can
# take more than a second.
stopped_at = time.monotonic()
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

# Answers to requests sent while the database was surely away: after the
# stop returned, answered before the start began.
during = [a for a in answers if stopped_at < a[0] - a[5] and a[0] < starting_at]
other_5xx = [a for a in answers if a[2] >= 500 and a[2] != 503]
bad_503 = [a for a in answers if a[2] == 503 and not (a[3] and a[4])]
readyz_down = [a for a in during if a[1] == "readyz"]
recovered = next((a[0] - up_at for a in answers if a[0] > up_at and a[1] == "checkin" and a[2] == 201), None)
panics = b"panicked" in open(LOG, "rb").read()
# How long a 503 takes while the database is away: at once, not the pool's
# checkout timeout (target: p99 within 100 ms).
waits = sorted(a[5] * 1000 for a in during if a[2] == 503)
p50, p99 = (waits[len(waits) // 2], waits[min(len(waits) - 1, int(len(waits) * 0.99))]) if waits else (0, 0)
print(f"503 answer time while down: p50 {p50:.1f} ms, p99 {p99:.1f} ms, max {max(waits, default=0):.1f} ms "
      f"({len(waits)} answers)")
print(f"outage {OUTAGE:.0f} s: {len(answers)} answers, {len(during)} while down "
      f"({sum(1 for a in during if a[2] == 503)} were 503 with Retry-After and problem+json); "
      f"other 5xx {len(other_5xx)}; /readyz while down: {sorted(set(a[2] for a in readyz_down))}; "
      f"first check-in stored {recovered:.2f} s after the database was back; "
      f"process alive {alive}; panics {panics}")
if os.environ.get("OUTAGE_DEBUG"):
    for a in during:
        print(f"{a[0] - down_at:6.2f} {a[1]:8} {a[2]} {a[5] * 1000:.1f} ms")
ok = alive and not panics and not other_5xx and not bad_503 and readyz_down and all(a[2] == 503 for a in readyz_down) \
    and recovered is not None and recovered < 10 and waits and p99 <= 100
sys.exit(0 if ok else 1)
