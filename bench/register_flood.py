"""Does a flood of registrations with made-up invite codes slow sign-in?
Measures a legitimate login's latency idle, then while FLOODERS threads
register without pause, each request with a random code and, through
X-Forwarded-For behind a trusted proxy, from a random address (so that
throttling does not stop the flood: this measures that the invite is
checked before any password is hashed). Prints p50/p99 of each and their
ratio (target: p99 under flood at most twice the idle p99). The flooders
run in their own processes, so that the measuring client does not wait for
the flood's threads to hand it Python's interpreter lock: the latency it
measures is the service's.

Usage: python3 bench/register_flood.py BINARY [DATABASE_URL]   (release build
recommended: cargo build --release; default database: a SQLite temp file).
FLOOD_FROM=one sends the whole flood from one address instead (the
per-address throttle then answers it).
"""
import multiprocessing
import os
import random
import sys
import tempfile
import threading
import time

from service import ADMIN_EMAIL, ADMIN_PASSWORD, Service, percentile

BINARY = sys.argv[1]
WORK = tempfile.mkdtemp()
DATABASE = sys.argv[2] if len(sys.argv) > 2 else f"sqlite://{WORK}/flood.db"
SERVICE = Service(BINARY, DATABASE, extra_env={"AFTERCARE_TRUSTED_PROXIES": "127.0.0.1"})
SAMPLES, FLOODERS, FLOOD_PROCESSES = 100, 40, 4
ONE_ADDRESS = os.environ.get("FLOOD_FROM") == "one"


def logins(count):
    latencies = []
    for _ in range(count):
        started = time.perf_counter()
        status, _, _ = SERVICE.call("POST", "/v1/auth/login", body={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD},
                                    headers={"x-forwarded-for": "198.51.100.1"})
        latencies.append((time.perf_counter() - started) * 1000)
        assert status == 200, status
    return latencies


def flood_process(base, stop, answered):
    """FLOODERS / FLOOD_PROCESSES threads registering without pause; puts
    the statuses they got on `answered`."""
    client = Service(BINARY, DATABASE)
    client.base = base
    statuses = []

    def flood():
        rng = random.Random()
        while not stop.is_set():
            address = "203.0.113.66" if ONE_ADDRESS else f"203.0.{rng.randrange(256)}.{rng.randrange(256)}"
            code = "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(10))
            status, _, _ = client.call("POST", "/v1/auth/register",
                                       body={"invite_code": code, "email": f"x{rng.randrange(10**9)}@flood.example",
                                             "password": "a long enough flood password"},
                                       headers={"x-forwarded-for": address})
            statuses.append(status)

    threads = [threading.Thread(target=flood) for _ in range(FLOODERS // FLOOD_PROCESSES)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    answered.put(statuses)


def main():
    SERVICE.start()
    try:
        logins(10)  # warm up
        idle = logins(SAMPLES)
        stop = multiprocessing.Event()
        answered = multiprocessing.Queue()
        processes = [multiprocessing.Process(target=flood_process, args=(SERVICE.base, stop, answered))
                     for _ in range(FLOOD_PROCESSES)]
        started = time.perf_counter()
        for process in processes:
            process.start()
        time.sleep(1)
        flooded = logins(SAMPLES)
        stop.set()
        statuses = []
        for _ in processes:
            statuses.extend(answered.get())
        for process in processes:
            process.join()
        elapsed = time.perf_counter() - started
        backend = "postgresql" if DATABASE.startswith("postgres") else "sqlite"
        p99_idle, p99_flood = percentile(idle, 0.99), percentile(flooded, 0.99)
        source = "one address" if ONE_ADDRESS else "random addresses"
        print(f"{backend}, flood from {source}: login p50/p99 idle {percentile(idle, 0.5):.2f}/{p99_idle:.2f} ms; "
              f"under {FLOODERS} registration flooders ({len(statuses) / elapsed:.0f} registrations/s, "
              f"statuses {sorted(set(statuses))}) {percentile(flooded, 0.5):.2f}/{p99_flood:.2f} ms; "
              f"p99 ratio {p99_flood / p99_idle:.2f} (target at most 2)")
    finally:
        SERVICE.stop()


if __name__ == "__main__":
    main()
