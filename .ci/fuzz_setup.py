"""Seeds a live aftercare server for contract fuzzing: a physician, a
registered patient with a treatment, a check-in that opened an alert, and a
webhook endpoint. Prints the access token of each role as JSON.

Usage: python fuzz_setup.py BASE_URL ADMIN_EMAIL ADMIN_PASSWORD
"""
import json, sys, urllib.request, datetime
BASE, ADMIN_EMAIL, ADMIN_PASSWORD = sys.argv[1:4]
def call(method, path, token=None, body=None):
    req = urllib.request.Request(BASE + path, method=method, data=None if body is None else json.dumps(body).encode())
    req.add_header("content-type", "application/json")
    if token: req.add_header("authorization", "Bearer " + token)
    with urllib.request.urlopen(req) as r:
        text = r.read()
        return json.loads(text) if text else None
admin = call("POST", "/v1/auth/login", body={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})["access_token"]
call("POST", "/v1/users", admin, {"email": "dr@fuzz.example", "password": "fuzz-physician-pw", "role": "physician", "display_name": "Dr Fuzz"})
doctor = call("POST", "/v1/auth/login", body={"email": "dr@fuzz.example", "password": "fuzz-physician-pw"})["access_token"]
patient = call("POST", "/v1/patients", doctor, {"display_name": "Fuzz Patient", "timezone": "Asia/Tokyo", "locale": "ja"})
pat = call("POST", "/v1/auth/register", body={"invite_code": patient["invite"]["code"], "email": "p@fuzz.example", "password": "fuzz-patient-pw"})["access_token"]
given = (datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(hours=30)).isoformat()
t = call("POST", f"/v1/patients/{patient['id']}/treatments", doctor, {"kind": "injection", "sites": ["face"], "product": "Exo", "administered_at": given,
    "screening": {"cancer_treatment": False, "pregnant": False, "breastfeeding": False, "planning_pregnancy": False}})
call("POST", f"/v1/treatments/{t['id']}/checkins", pat, {"client_id": "seed", "symptoms": {"headache": 4}})
call("POST", "/v1/webhooks", doctor, {"url": "http://127.0.0.1:9/hook", "events": ["alert.created"]})
print(json.dumps({"admin": admin, "physician": doctor, "patient": pat}))
