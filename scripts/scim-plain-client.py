"""A plain HTTP client's cost for N SCIM user creates: the baseline beside `dirsync-bench scim-creates`.

Sends N POST /Users one at a time with Python's http.client over one connection object, which
keeps the connection alive where the server allows it (scim2-server speaks HTTP/1.0 and closes
after every answer, so http.client reconnects then). The bodies have the shape SCIMIdentityStore
writes (the same fields, sorted keys, about 420 bytes). Prints one JSON line: creates, seconds,
the client's user and system CPU seconds (getrusage), connections opened.

Usage: scim-plain-client.py BASE_URL [N]     (the bearer token in SCIM_TOKEN; BASE_URL an empty
       tenant, such as http://127.0.0.1:18181/plain1/v2)
"""
import http.client
import json
import os
import resource
import sys
import time
import urllib.parse
import uuid

base = urllib.parse.urlsplit(sys.argv[1].rstrip("/"))
count = int(sys.argv[2]) if len(sys.argv) > 2 else 500
token = os.environ["SCIM_TOKEN"]
headers = {"Authorization": f"Bearer {token}", "Accept": "application/scim+json", "Content-Type": "application/scim+json"}
bodies = []
for index in range(count):
    user_name = f"bench.user{index:06d}@contoso.com"
    bodies.append(json.dumps({
        "active": True, "displayName": f"Bench User {index:06d}",
        "emails": [{"primary": True, "type": "work", "value": user_name}],
        "externalId": f"directorysync:bench:{uuid.UUID(int=index)}",
        "ims": [{"type": "directorysync-login", "value": user_name}],
        "name": {"familyName": f"User{index:06d}", "givenName": "Bench"},
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": user_name,
    }, sort_keys=True, separators=(",", ":")).encode())


class CountingConnection(http.client.HTTPConnection):
    opened = 0

    def connect(self):
        CountingConnection.opened += 1
        super().connect()


before = resource.getrusage(resource.RUSAGE_SELF)
start = time.perf_counter()
connection = CountingConnection(base.hostname, base.port or 80)
statuses = {}
for body in bodies:
    connection.request("POST", f"{base.path}/Users", body=body, headers=headers)
    response = connection.getresponse()
    response.read()
    statuses[response.status] = statuses.get(response.status, 0) + 1
wall = time.perf_counter() - start
after = resource.getrusage(resource.RUSAGE_SELF)
if statuses.get(201) != count:
    sys.exit(f"not every create answered 201: {statuses}; give an empty tenant's URL")
print(json.dumps({
    "scenario": "scim-plain-client", "creates": count, "wallSeconds": round(wall, 3),
    "userCPUSeconds": round(after.ru_utime - before.ru_utime, 3), "systemCPUSeconds": round(after.ru_stime - before.ru_stime, 3),
    "connections": CountingConnection.opened, "bytesPerBody": sum(map(len, bodies)) // count,
}, sort_keys=True))
