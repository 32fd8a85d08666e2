"""Times the dashboard of a running cloud: the home page and other pages, server round trip over one keep-alive
HTTPS connection, signed in as a browser is; then how long a connector change published by a site's edge takes to
show in an open headless Chromium (MQTT → cloud → Server-Sent Events → the page).

usage: dashboard_latency.py <https port> <user> <password> <sites> <stations per site> <broker port> [requests]"""
import http.client
import json
import random
import ssl
import sys
import time
import urllib.parse
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "Tests" / "interop"))

port, user, password = int(sys.argv[1]), sys.argv[2], sys.argv[3]
sites, per_site, broker_port = int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
requests = int(sys.argv[7]) if len(sys.argv) > 7 else 300
context = ssl.create_default_context()
context.check_hostname = False
context.verify_mode = ssl.CERT_NONE
connection = http.client.HTTPSConnection("127.0.0.1", port, context=context)
rng = random.Random(7)

connection.request("POST", "/login", body=urllib.parse.urlencode({"user": user, "password": password, "next": "/"}),
                   headers={"Content-Type": "application/x-www-form-urlencoded"})
response = connection.getresponse()
response.read()
cookie = response.getheader("Set-Cookie", "").split(";")[0]
assert response.status == 303 and cookie, "sign-in failed"
headers = {"Cookie": cookie}


def timed(path: str) -> float:
    started = time.perf_counter()
    connection.request("GET", path, headers=headers)
    answer = connection.getresponse()
    body = answer.read()
    elapsed = time.perf_counter() - started
    assert answer.status == 200, (path, answer.status, body[:300])
    return elapsed


def report(title: str, samples: list[float]) -> None:
    samples.sort()
    pick = lambda p: samples[min(len(samples) - 1, int(len(samples) * p))] * 1000
    print(f"{title:<44} n={len(samples):<4} p50 {pick(0.5):6.1f} ms  p99 {pick(0.99):6.1f} ms  max {samples[-1] * 1000:6.1f} ms")


body_size = 0
connection.request("GET", "/", headers=headers)
answer = connection.getresponse()
body_size = len(answer.read())
for _ in range(20):
    timed("/")  # warm-up
report(f"home, {sites} sites ({body_size // 1024} KiB)", [timed("/") for _ in range(requests)])
report(f"site page, {per_site} stations", [timed(f"/sites/bench-{rng.randrange(sites):03d}") for _ in range(requests)])
def station_page() -> str:
    site = rng.randrange(sites)
    return f"/sites/bench-{site:03d}/stations/bench-{site:03d}-CP{rng.randrange(per_site)}"


report("station page", [timed(station_page()) for _ in range(requests)])
report("event history, 200 rows", [timed("/events") for _ in range(max(50, requests // 4))])
report("sessions, 50 rows", [timed("/sessions") for _ in range(max(50, requests // 4))])
report("live summary (what an open home page refetches)", [timed("/live/summary") for _ in range(requests)])


def fleet_page() -> str:
    """A page of the fleet list as people use it: a filter or none, a sort, sometimes a page further on."""
    choice = rng.randrange(6)
    sort = rng.choice(["station", "site", "state", "vendor", "firmware", "last_contact"])
    order = rng.choice(["asc", "desc"])
    offset = rng.choice([0, 0, 100, 2000, 9900])
    query = [f"sort={sort}&order={order}", f"state={rng.choice(['offline', 'faulted', 'in_use', 'available'])}",
             f"vendor={rng.choice(['Bench', 'Alpine', 'Cobalt'])}&firmware=1.{rng.randrange(4)}",
             f"site=bench-{rng.randrange(sites):03d}", f"q=CP{rng.randrange(per_site)}", "silentHours=0"][choice]
    return f"/fleet?{query}&offset={offset if choice == 0 else 0}"


report(f"fleet list, {sites * per_site} stations, 100 a page", [timed(fleet_page()) for _ in range(requests)])

# A connector change, from the site's edge to an open page.
import paho.mqtt.client as mqtt  # noqa: E402

from browser import Browser  # noqa: E402

browser = Browser(f"https://127.0.0.1:{port}")
try:
    browser.sign_in(user, password)
    browser.open("/sites/bench-000")
    time.sleep(1.0)  # the event stream connects
    browser.driver.execute_script("""
        window.changes = {};
        new MutationObserver(function (records) {
          records.forEach(function (record) {
            var cell = record.target.closest ? record.target.closest('[data-station]') : null;
            if (cell && !window.changes[cell.dataset.station + '/' + cell.dataset.connector + '/' + cell.className]) {
              window.changes[cell.dataset.station + '/' + cell.dataset.connector + '/' + cell.className] = Date.now();
            }
          });
        }).observe(document.body, {subtree: true, attributes: true, childList: true, characterData: true});
    """)
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="bench-edge-000")
    client.connect("127.0.0.1", broker_port)
    client.loop_start()
    latencies = []
    for n in range(30):
        station = f"bench-000-CP{n % per_site}"
        status = "Charging" if n % 2 == 0 else "SuspendedEV"
        moment = datetime.now(timezone.utc)
        envelope = {"v": 1, "site": "bench-000", "seq": 2_000_000_000 + int(time.time() * 1000) % 1_000_000_000 + n,
                    "ts": moment.isoformat(timespec="milliseconds").replace("+00:00", "Z"), "type": "connector.status",
                    "data": {"station": station, "connector": 1, "status": status, "errorCode": "NoError",
                             "time": moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")}}
        sent = time.time() * 1000
        client.publish("gridside/v1/bench-000/up/connector.status", json.dumps(envelope), qos=1).wait_for_publish()
        key = f"{station}/1/status s-{status}"
        deadline = time.time() + 5
        seen = None
        while time.time() < deadline and seen is None:
            seen = browser.driver.execute_script("return window.changes[arguments[0]] || null;", key)
            time.sleep(0.01)
        assert seen is not None, f"{key} never showed"
        latencies.append((seen - sent) / 1000)
        browser.driver.execute_script("window.changes = {};")
        time.sleep(0.2)
    report("connector change: edge's MQTT publish → open page", latencies)
    client.loop_stop()
finally:
    browser.close()
