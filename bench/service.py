"""What the bench scripts share: the service binary started on a database,
a JSON client for it, and a seeded clinic (a physician, patients and their
treatments)."""
import json
import os
import socket
import subprocess
import time
import urllib.error
import urllib.request
from datetime import datetime, timedelta, timezone

ADMIN_EMAIL, ADMIN_PASSWORD = "admin@bench.example", "bench-admin-password"
PHYSICIAN_EMAIL, PHYSICIAN_PASSWORD = "dr@bench.example", "bench-physician-pw"


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Service:
    """The binary on `database`, listening on a free loopback port."""

    def __init__(self, binary, database, log_path=os.devnull, extra_env=None):
        self.binary, self.database, self.log_path = binary, database, log_path
        self.extra_env = extra_env or {}
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process = None

    def start(self):
        env = dict(os.environ, DATABASE_URL=self.database, AFTERCARE_BIND=f"127.0.0.1:{self.port}",
                   AFTERCARE_ADMIN_EMAIL=ADMIN_EMAIL, AFTERCARE_ADMIN_PASSWORD=ADMIN_PASSWORD,
                   AFTERCARE_JWT_SECRET="bench-secret-bench-secret-bench-secret-01", AFTERCARE_LOG="warn",
                   **self.extra_env)
        # BENCH_SERVER_CPUS pins the service (taskset), so that a load
        # generator pinned elsewhere does not take the service's CPU.
        command = [self.binary]
        if os.environ.get("BENCH_SERVER_CPUS"):
            command = ["taskset", "-c", os.environ["BENCH_SERVER_CPUS"], self.binary]
        self.process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                                        stderr=open(self.log_path, "ab"))
        for _ in range(200):
            try:
                urllib.request.urlopen(self.base + "/readyz", timeout=1)
                return self.process
            except Exception:
                time.sleep(0.05)
        raise SystemExit("the server did not start")

    def stop(self):
        self.process.terminate()
        self.process.wait()

    def call(self, method, path, token=None, body=None, timeout=15, headers=None):
        """(status, body, headers with lower-case names); raises on no answer."""
        request = urllib.request.Request(self.base + path, method=method,
                                         data=None if body is None else json.dumps(body).encode())
        request.add_header("content-type", "application/json")
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        if token:
            request.add_header("authorization", "Bearer " + token)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.status, json.loads(response.read() or b"null"), _lower(response.headers)
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null"), _lower(error.headers)

    def login(self, email, password):
        status, body, _ = self.call("POST", "/v1/auth/login", body={"email": email, "password": password})
        assert status == 200, (status, body)
        return body["access_token"]


def percentile(values, p):
    """The nearest-rank p-quantile (0..1) of `values`."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round((len(ordered) - 1) * p))]


def _lower(headers):
    return {name.lower(): value for name, value in headers.items()}


def seed_clinic(service, patients=1):
    """A physician and `patients` patients; returns (physician token, patient ids)."""
    admin = service.login(ADMIN_EMAIL, ADMIN_PASSWORD)
    service.call("POST", "/v1/users", admin, {"email": PHYSICIAN_EMAIL, "password": PHYSICIAN_PASSWORD,
                                              "role": "physician", "display_name": "Dr Bench"})
    doctor = service.login(PHYSICIAN_EMAIL, PHYSICIAN_PASSWORD)
    ids = []
    for n in range(patients):
        status, patient, _ = service.call("POST", "/v1/patients", doctor,
                                          {"display_name": f"Patient {n}", "timezone": "Asia/Tokyo", "locale": "ja"})
        assert status == 201, (status, patient)
        ids.append(patient["id"])
    return doctor, ids


def new_treatment(service, doctor, patient_id, hours_ago=30):
    """A face injection given `hours_ago` hours ago; returns its id."""
    status, treatment, _ = service.call("POST", f"/v1/patients/{patient_id}/treatments", doctor, {
        "kind": "injection", "sites": ["face"], "product": "Exo",
        "administered_at": (datetime.now(timezone.utc) - timedelta(hours=hours_ago)).isoformat(),
        "screening": {"cancer_treatment": False, "pregnant": False, "breastfeeding": False, "planning_pregnancy": False}})
    assert status == 201, (status, treatment)
    return treatment["id"]
