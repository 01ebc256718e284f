"""Crash safety: SIGKILL the server during a steady load of check-ins,
restart it, let the clients retry what got no answer with the same
client_id, then check that every check-in that got a 2xx is stored exactly
once, and that every alert has its outbox row.

Usage: python3 bench/crash_safety.py BINARY [DATABASE_URL]
(default: a throwaway SQLite file; a postgres:// URL names an existing,
empty database). Prints the figures; exits 1 if anything was lost or
duplicated.
"""
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid

from service import Service, new_treatment, seed_clinic

BINARY = sys.argv[1]
WORK = tempfile.mkdtemp()
DATABASE = sys.argv[2] if len(sys.argv) > 2 else f"sqlite://{WORK}/crash.db"
SERVICE = Service(BINARY, DATABASE, f"{WORK}/server.log")
CLIENTS, PATIENTS = 6, 6
LOAD_SECONDS, KILLS = 6, 2


acknowledged = {}   # client_id -> treatment_id, answered 2xx
lock = threading.Lock()
stop = threading.Event()
counts = {"sent": 0, "no_answer": 0, "retried_ok": 0, "5xx": 0}


def client(token, treatments, seed_value):
    rng = random.Random(seed_value)
    pending = None
    while not stop.is_set() or pending:
        if pending is None:
            treatment = rng.choice(treatments)
            symptoms = {"redness": rng.randint(0, 2)}
            if rng.random() < 0.1:
                symptoms[rng.choice(["headache", "fatigue", "dizziness"])] = 4
            pending = (treatment, {"client_id": str(uuid.uuid4()), "symptoms": symptoms})
        treatment, body = pending
        try:
            status, answer, _ = SERVICE.call("POST", f"/v1/treatments/{treatment}/checkins", token, body, timeout=5)
        except Exception:
            with lock:
                counts["no_answer"] += 1
            time.sleep(0.05)
            continue  # the same body and client_id again: the app's retry
        with lock:
            counts["sent"] += 1
        if status in (200, 201):
            with lock:
                if status == 200:
                    counts["retried_ok"] += 1
                acknowledged[body["client_id"]] = treatment
            pending = None
        elif status >= 500:
            with lock:
                counts["5xx"] += 1
            print(f"answered {status}: {answer}", file=sys.stderr)
            time.sleep(0.05)
        else:
            raise SystemExit(f"unexpected {status}")


def rows(sql):
    if DATABASE.startswith("sqlite://"):
        with sqlite3.connect(DATABASE[len("sqlite://"):]) as db:
            return db.execute(sql).fetchall()
    output = subprocess.run(["psql", DATABASE, "-At", "-F", "\t", "-c", sql], check=True, capture_output=True, text=True).stdout
    return [tuple(line.split("\t")) for line in output.splitlines() if line]


def main():
    server = SERVICE.start()
    token, patients = seed_clinic(SERVICE, PATIENTS)
    treatments = [new_treatment(SERVICE, token, patient) for patient in patients]
    threads = [threading.Thread(target=client, args=(token, treatments, n)) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for _ in range(KILLS):
        time.sleep(LOAD_SECONDS / (KILLS + 1))
        server.send_signal(signal.SIGKILL)
        server.wait()
        time.sleep(0.3)
        server = SERVICE.start()
    time.sleep(LOAD_SECONDS / (KILLS + 1))
    stop.set()
    for thread in threads:
        thread.join()
    server.send_signal(signal.SIGTERM)
    server.wait()

    stored = rows("SELECT client_id, COUNT(*) FROM checkins GROUP BY client_id")
    counted = {client_id: int(n) for client_id, n in stored}
    lost = [c for c in acknowledged if c not in counted]
    duplicated = [c for c, n in counted.items() if n != 1]
    unacknowledged = [c for c in counted if c not in acknowledged]
    orphans = rows("SELECT COUNT(*) FROM alerts a WHERE NOT EXISTS (SELECT 1 FROM outbox_events o "
                   "WHERE o.alert_id = a.id AND o.event_type = 'alert.created')")[0][0]
    alerts = rows("SELECT COUNT(*) FROM alerts")[0][0]
    events = rows("SELECT COUNT(*) FROM outbox_events")[0][0]
    backend = "postgresql" if DATABASE.startswith("postgres") else "sqlite"
    print(f"{backend}: {KILLS} SIGKILLs under {CLIENTS} clients; {len(acknowledged)} check-ins acknowledged, "
          f"{len(counted)} stored, {counts['no_answer']} requests without answer retried, "
          f"{counts['retried_ok']} retries answered 200 (already stored), {counts['5xx']} 5xx; "
          f"lost {len(lost)}, duplicated {len(duplicated)}, stored without answer {len(unacknowledged)}; "
          f"{alerts} alerts, {events} outbox rows, alerts without their outbox row {orphans}")
    if lost or duplicated or int(orphans) or counts["5xx"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
