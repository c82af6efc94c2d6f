"""Records the Graph answers of a read once, then replays them from memory: the server half of the
transfer-limit comparison for `dirsync read` (Documentation/Performance.md, issue 20). Python 3
standard library only.

  graph-replay.py record DIR UPSTREAM [PORT]
      A recording proxy on 127.0.0.1:PORT (default 0: a free port) in front of UPSTREAM (the base
      URL of `dirsync emulate-graph`, such as http://127.0.0.1:40123). Prints one JSON line
      {"base": "http://127.0.0.1:PORT"}; point a client's --login-url at that base and its
      --graph-url at base/v1.0. Every answer is kept, in the order asked, in DIR (index.json and
      one file per body), with the upstream's and the proxy's own base URL in the bodies (next
      and delta links) replaced by a placeholder. Stop it with SIGTERM or SIGINT.

  graph-replay.py serve DIR [PORT [LATENCY_MS]]
      Answers the recorded requests (method and path with query; request bodies and headers are
      not compared, no token is checked) from memory over HTTP/1.1 keep-alive, links pointing back
      at itself. Anything not recorded gets 404. With LATENCY_MS, each answer waits that long
      before it is sent, as a round trip to Microsoft Graph would (each connection on its own).
      Prints {"base": …} like `record`. Stop it with SIGTERM or SIGINT.

  graph-replay.py fetch DIR BASE
      The plain client: sends the recorded requests in order over one keep-alive connection with
      http.client, reads every body to the end, and prints one JSON line with the seconds taken,
      the requests and the bytes.
"""
import http.client
import http.server
import json
import os
import signal
import socket
import sys
import threading
import time
import urllib.parse

PLACEHOLDER = b"http://graph-replay.invalid"
# Headers of an answer that are kept and replayed (others — dates, connection handling — are not).
KEPT = ("content-type", "x-ms-resource-unit", "request-id", "retry-after", "location")


def announce(server):
    print(json.dumps({"base": f"http://127.0.0.1:{server.server_address[1]}"}), flush=True)


def stop_on_signals(server):
    def stop(*_):
        threading.Thread(target=server.shutdown, daemon=True).start()
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def setup(self):
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, *arguments):
        pass

    def request_body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def do_GET(self):
        self.answer("GET")

    def do_POST(self):
        self.answer("POST")

    def send(self, status, headers, body):
        head = [f"HTTP/1.1 {status} {http.client.responses.get(status, 'Status')}"]
        head += [f"{name}: {value}" for name, value in headers]
        head.append(f"Content-Length: {len(body)}")
        self.wfile.write(("\r\n".join(head) + "\r\n\r\n").encode() + body)


def record(folder, upstream, port):
    os.makedirs(folder, exist_ok=True)
    parsed = urllib.parse.urlsplit(upstream)
    upstream_base = f"{parsed.scheme}://{parsed.netloc}".encode()
    entries = []
    lock = threading.Lock()
    local = threading.local()

    class Recorder(Handler):
        def answer(self, method):
            body = self.request_body()
            if not hasattr(local, "connection"):
                local.connection = http.client.HTTPConnection(parsed.hostname, parsed.port)
            headers = {name: value for name, value in self.headers.items()
                       if name.lower() not in ("host", "connection", "content-length", "accept-encoding")}
            local.connection.request(method, self.path, body=body or None, headers=headers)
            response = local.connection.getresponse()
            answer = response.read()
            kept = [(name, value) for name, value in response.getheaders() if name.lower() in KEPT]
            own = f"http://127.0.0.1:{self.server.server_address[1]}".encode()
            stored = answer.replace(upstream_base, PLACEHOLDER).replace(own, PLACEHOLDER)
            with lock:
                name = f"{len(entries):04d}.body"
                with open(os.path.join(folder, name), "wb") as file:
                    file.write(stored)
                entries.append({"method": method, "target": self.path, "status": response.status,
                                "headers": kept, "body": name})
                with open(os.path.join(folder, "index.json"), "w") as file:
                    json.dump(entries, file, indent=1)
            self.send(response.status, kept, stored.replace(PLACEHOLDER, own))

    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Recorder)
    stop_on_signals(server)
    announce(server)
    server.serve_forever()


def load(folder):
    with open(os.path.join(folder, "index.json")) as file:
        entries = json.load(file)
    for entry in entries:
        with open(os.path.join(folder, entry["body"]), "rb") as file:
            entry["bytes"] = file.read()
    return entries


def serve(folder, port, latency_ms=0):
    entries = load(folder)
    answers = {}

    class Replayer(Handler):
        def answer(self, method):
            self.request_body()
            if latency_ms:
                time.sleep(latency_ms / 1000)
            found = answers.get((method, self.path))
            if found is None:
                self.send(404, [("Content-Type", "text/plain")], b"not recorded\n")
            else:
                self.wfile.write(found)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Replayer)
    own = f"http://127.0.0.1:{server.server_address[1]}".encode()
    for entry in entries:
        # The whole answer — status line, headers, body — prepared once: one write per request.
        body = entry["bytes"].replace(PLACEHOLDER, own)
        head = [f"HTTP/1.1 {entry['status']} {http.client.responses.get(entry['status'], 'Status')}"]
        head += [f"{name}: {value}" for name, value in entry["headers"]]
        head.append(f"Content-Length: {len(body)}")
        answers[(entry["method"], entry["target"])] = ("\r\n".join(head) + "\r\n\r\n").encode() + body
    stop_on_signals(server)
    announce(server)
    server.serve_forever()


def fetch(folder, base):
    entries = load(folder)
    parsed = urllib.parse.urlsplit(base)
    connection = http.client.HTTPConnection(parsed.hostname, parsed.port)
    received = 0
    start = time.perf_counter()
    for entry in entries:
        body = b"client_id=x&client_secret=x&grant_type=client_credentials" if entry["method"] == "POST" else None
        headers = {"Authorization": "Bearer x", "Accept": "application/json"}
        if body:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(entry["method"], entry["target"], body=body, headers=headers)
        response = connection.getresponse()
        data = response.read()
        if response.status != entry["status"]:
            sys.exit(f"{entry['method']} {entry['target']}: {response.status}, recorded {entry['status']}")
        received += len(data)
    seconds = time.perf_counter() - start
    print(json.dumps({"seconds": round(seconds, 4), "requests": len(entries), "bytes": received}))


def main(arguments):
    if len(arguments) >= 3 and arguments[0] == "record":
        record(arguments[1], arguments[2], int(arguments[3]) if len(arguments) > 3 else 0)
    elif len(arguments) >= 2 and arguments[0] == "serve":
        serve(arguments[1], int(arguments[2]) if len(arguments) > 2 else 0, int(arguments[3]) if len(arguments) > 3 else 0)
    elif len(arguments) == 3 and arguments[0] == "fetch":
        fetch(arguments[1], arguments[2])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
