"""Does a flood of logins (argon2id, deliberately slow) stall check-ins?
Measures check-in latency idle, then while FLOODERS threads log in without
pause, and prints p50/p99 of each and their ratio (target: p99 under flood
at most twice the idle p99), and the service's resident memory before the
flood and once it has been idle for IDLE_SECONDS after it (target: at most
64 MiB).

Usage: python3 bench/login_flood.py BINARY [DATABASE_URL]   (release build
recommended: cargo build --release; default database: a SQLite temp file)
"""
import sys
import tempfile
import threading
import time
import uuid

from service import ADMIN_EMAIL, ADMIN_PASSWORD, Service, percentile, new_treatment, seed_clinic

BINARY = sys.argv[1]
WORK = tempfile.mkdtemp()
DATABASE = sys.argv[2] if len(sys.argv) > 2 else f"sqlite://{WORK}/flood.db"
SERVICE = Service(BINARY, DATABASE)
SAMPLES, FLOODERS = 1000, 4
IDLE_SECONDS = 5


def resident_mib(pid):
    """The process's resident set (VmRSS), in MiB."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise SystemExit("no VmRSS")


def checkins(token, treatment, count):
    latencies = []
    for _ in range(count):
        started = time.perf_counter()
        status, _, _ = SERVICE.call("POST", f"/v1/treatments/{treatment}/checkins", token, {"client_id": str(uuid.uuid4()), "symptoms": {"redness": 1}})
        latencies.append((time.perf_counter() - started) * 1000)
        assert status == 201, status
    return latencies


def main():
    SERVICE.start()
    try:
        doctor, (patient,) = seed_clinic(SERVICE)
        # A fresh treatment per phase: triage reads the treatment's history,
        # so both phases must start from the same one.
        checkins(doctor, new_treatment(SERVICE, doctor, patient), 50)  # warm up
        idle = checkins(doctor, new_treatment(SERVICE, doctor, patient), SAMPLES)
        before = resident_mib(SERVICE.process.pid)

        stop = threading.Event()
        logins = []

        def flood():
            while not stop.is_set():
                status, _, _ = SERVICE.call("POST", "/v1/auth/login", body={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
                logins.append(status)

        threads = [threading.Thread(target=flood) for _ in range(FLOODERS)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        time.sleep(1)
        flooded = checkins(doctor, new_treatment(SERVICE, doctor, patient), SAMPLES)
        stop.set()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
        time.sleep(IDLE_SECONDS)
        after = resident_mib(SERVICE.process.pid)
        backend = "postgresql" if DATABASE.startswith("postgres") else "sqlite"
        p99_idle, p99_flood = percentile(idle, 0.99), percentile(flooded, 0.99)
        print(f"{backend}: check-in p50/p99 idle {percentile(idle, 0.5):.2f}/{p99_idle:.2f} ms; "
              f"under {FLOODERS} login flooders ({len(logins) / elapsed:.1f} logins/s, statuses {sorted(set(logins))}) "
              f"{percentile(flooded, 0.5):.2f}/{p99_flood:.2f} ms; p99 ratio {p99_flood / p99_idle:.2f} (target at most 2); "
              f"resident {before:.0f} MiB before the flood, {after:.0f} MiB {IDLE_SECONDS} s after it (target at most 64)")
    finally:
        SERVICE.stop()


if __name__ == "__main__":
    main()
