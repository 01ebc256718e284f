"""Loopback peers for the reminder tests: a Web Push service and an SMTP
server, in one process.

The push service plays both sides a browser and its push service play: it
makes subscriptions (a P-256 key pair and an auth secret, as a browser
would), and on each push it checks the VAPID token (RFC 8292: an ES256 JWT
for its own origin, verified with the key the request names) and decrypts
the payload with the subscription's private key (RFC 8291, aes128gcm, by
http_ece). The SMTP server (aiosmtpd) records every message it is given.

Start: python peers.py; the first line on stdout is JSON with the HTTP and
SMTP ports. HTTP:
  POST /subscriptions           -> {endpoint, expirationTime, keys: {p256dh, auth}}
  POST /push/<id>               the push endpoint (201, or as scripted)
  POST /script/<id>             body [status, ...]: the next answers for <id>
  GET  /pushes                  -> every push received, decrypted and checked
  GET  /mail                    -> every message received
"""

import base64
import email
import email.policy
import json
import socket
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import http_ece
from aiosmtpd.controller import Controller
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

LOCK = threading.Lock()
SUBSCRIPTIONS = {}
SCRIPTS = {}
PUSHES = []
MAIL = []


def b64url_decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def check_vapid(header, origin):
    """The VAPID header's claims if its token verifies, else a reason."""
    if not header.startswith("vapid "):
        return None, "no vapid scheme"
    fields = dict(part.strip().split("=", 1) for part in header[6:].split(","))
    token, key = fields.get("t", ""), fields.get("k", "")
    try:
        public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b64url_decode(key))
        head, body, signature = token.split(".")
        raw = b64url_decode(signature)
        der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
        public.verify(der, f"{head}.{body}".encode(), ec.ECDSA(hashes.SHA256()))
    except (ValueError, InvalidSignature) as error:
        return None, f"the token does not verify: {error!r}"
    if json.loads(b64url_decode(head)).get("alg") != "ES256":
        return None, "not ES256"
    claims = json.loads(b64url_decode(body))
    now = time.time()
    if claims.get("aud") != origin:
        return None, f"aud {claims.get('aud')!r} is not {origin!r}"
    if not now < claims.get("exp", 0) <= now + 24 * 3600:
        return None, "exp is not within 24 hours"
    if not str(claims.get("sub", "")).startswith(("mailto:", "https://")):
        return None, "sub is not mailto: or https:"
    return {"claims": claims, "k": key}, None


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def reply(self, status, body=None):
        data = json.dumps(body).encode() if body is not None else b""
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def body(self):
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def do_GET(self):
        with LOCK:
            if self.path == "/pushes":
                return self.reply(200, PUSHES)
            if self.path == "/mail":
                return self.reply(200, MAIL)
        self.reply(404)

    def do_POST(self):
        parts = self.path.strip("/").split("/")
        if parts == ["subscriptions"]:
            return self.subscribe()
        if len(parts) == 2 and parts[0] == "script":
            with LOCK:
                SCRIPTS.setdefault(parts[1], []).extend(json.loads(self.body()))
            return self.reply(204)
        if len(parts) == 2 and parts[0] == "push":
            return self.push(parts[1])
        self.reply(404)

    def subscribe(self):
        private = ec.generate_private_key(ec.SECP256R1())
        auth = uuid.uuid4().bytes
        id_ = uuid.uuid4().hex
        with LOCK:
            SUBSCRIPTIONS[id_] = (private, auth)
        public = private.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        host, port = self.server.server_address[:2]
        self.reply(201, {
            "endpoint": f"http://{host}:{port}/push/{id_}",
            "expirationTime": None,
            "keys": {"p256dh": b64url(public), "auth": b64url(auth)},
        })

    def push(self, id_):
        body = self.body()
        with LOCK:
            subscription = SUBSCRIPTIONS.get(id_)
            script = SCRIPTS.get(id_) or []
            status = script.pop(0) if script else 201
        record = {
            "subscription": id_,
            "status": status,
            "ttl": self.headers.get("TTL"),
            "urgency": self.headers.get("Urgency"),
            "content_encoding": self.headers.get("Content-Encoding"),
            "payload": None,
            "vapid": None,
            "error": None,
        }
        host, port = self.server.server_address[:2]
        record["vapid"], record["error"] = check_vapid(
            self.headers.get("Authorization", ""), f"http://{host}:{port}"
        )
        if subscription is None:
            record["error"] = "unknown subscription"
        elif record["error"] is None:
            private, auth = subscription
            try:
                plain = http_ece.decrypt(body, private_key=private, auth_secret=auth, version="aes128gcm")
                record["payload"] = json.loads(plain)
            except Exception as error:  # any failure is the test's finding
                record["error"] = f"the payload does not decrypt: {error!r}"
        with LOCK:
            PUSHES.append(record)
        self.reply(status)


class Mailbox:
    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        parts = {}
        for part in message.walk():
            if part.get_content_maintype() == "text":
                parts[part.get_content_type()] = part.get_content()
        with LOCK:
            MAIL.append({
                "from": envelope.mail_from,
                "to": envelope.rcpt_tos,
                "headers": {key: str(value) for key, value in message.items()},
                "parts": parts,
            })
        return "250 OK"


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def main():
    smtp_port = free_port()
    controller = Controller(Mailbox(), hostname="127.0.0.1", port=smtp_port)
    controller.start()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print(json.dumps({"http_port": server.server_address[1], "smtp_port": smtp_port}), flush=True)
    try:
        server.serve_forever()
    finally:
        controller.stop()


if __name__ == "__main__":
    sys.exit(main())
