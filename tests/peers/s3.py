"""An S3-compatible store for the photo tests: moto's server on a free
loopback port, with one bucket made. Prints {"port": N} once it listens,
then serves until its stdin closes (the test that started it ended)."""

import json
import logging
import sys
import urllib.request

from moto.server import ThreadedMotoServer

logging.getLogger("werkzeug").setLevel(logging.ERROR)

BUCKET = sys.argv[1] if len(sys.argv) > 1 else "aftercare-photos"

server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
server.start()
port = server._server.server_port
request = urllib.request.Request(f"http://127.0.0.1:{port}/{BUCKET}", method="PUT")
urllib.request.urlopen(request).close()
print(json.dumps({"port": port}), flush=True)
sys.stdin.read()
server.stop()
