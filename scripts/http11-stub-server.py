"""A stub that answers every POST with 201 and a small SCIM user over HTTP/1.1 keep-alive, after
an optional delay: the other half of the transport comparison beside scim2-server, which speaks
HTTP/1.0 and closes every connection. Point `dirsync-bench scim-creates` and
scripts/scim-plain-client.py at it to see a client's cost per request when its connection is
reused. It stores nothing and checks no token.

Usage: http11-stub-server.py PORT [DELAY_SECONDS]   (stop it by its PID: kill -TERM PID)
"""
import http.server
import json
import socket
import sys
import time
import uuid

DELAY = float(sys.argv[2]) if len(sys.argv) > 2 else 0.0


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def setup(self):
        super().setup()
        # One write per answer and no Nagle delay: the client's cost, not the stub's, is measured.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def do_POST(self):
        request = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        if DELAY:
            time.sleep(DELAY)
        body = json.dumps({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "id": uuid.uuid4().hex,
            "userName": request.get("userName", ""), "meta": {"resourceType": "User", "version": 'W/"1"'},
        }).encode()
        head = (f"HTTP/1.1 201 Created\r\nContent-Type: application/scim+json\r\nETag: W/\"1\"\r\n"
                f"Content-Length: {len(body)}\r\n\r\n").encode()
        self.wfile.write(head + body)

    def log_message(self, *arguments):
        pass


http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
