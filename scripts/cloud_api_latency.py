"""Times the session list API of a running cloud: pages of 50 with the filters a dashboard uses, and walks
of several pages by cursor. Prints p50/p99/max of the server round trip (one keep-alive HTTPS connection)."""
import http.client
import json
import random
import ssl
import sys
import time
import urllib.parse

port, token, sites = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
requests = int(sys.argv[4]) if len(sys.argv) > 4 else 1000
context = ssl.create_default_context()
context.check_hostname = False
context.verify_mode = ssl.CERT_NONE
connection = http.client.HTTPSConnection("127.0.0.1", port, context=context)
headers = {"Authorization": f"Bearer {token}"}
rng = random.Random(7)


def get(query: dict) -> tuple[float, dict]:
    path = "/api/v1/sessions?" + urllib.parse.urlencode(query)
    started = time.perf_counter()
    connection.request("GET", path, headers=headers)
    response = connection.getresponse()
    body = response.read()
    elapsed = time.perf_counter() - started
    assert response.status == 200, (response.status, body[:200])
    return elapsed, json.loads(body)


def query() -> dict:
    kind = rng.randrange(5)
    site = f"bench-{rng.randrange(sites):03d}"
    if kind == 0:
        return {"limit": 50}
    if kind == 1:
        return {"site": site, "limit": 50}
    if kind == 2:
        return {"station": f"{site}-CP{rng.randrange(20)}", "limit": 50}
    if kind == 3:
        return {"token": f"CARD-{rng.randrange(5000)}", "limit": 50}
    month = rng.randrange(1, 12)
    return {"site": site, "from": f"2026-{month:02d}-01T00:00:00Z", "to": f"2026-{month + 1:02d}-01T00:00:00Z", "limit": 50}


get({"limit": 1})  # the TLS handshake and warm caches are not what is measured
times = []
for _ in range(requests):
    q = query()
    elapsed, page = get(q)
    times.append(elapsed)
    # Every fifth query also follows its cursor for three more pages.
    if rng.randrange(5) == 0:
        for _ in range(3):
            if not page.get("next"):
                break
            elapsed, page = get({**q, "cursor": page["next"]})
            times.append(elapsed)
times.sort()
def at(q: float) -> float:
    return times[min(len(times) - 1, int(len(times) * q))] * 1000
print(f"session list API: {len(times)} pages of 50: p50 {at(0.5):.1f} ms, p99 {at(0.99):.1f} ms, max {times[-1] * 1000:.1f} ms")
