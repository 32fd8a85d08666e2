"""The fleet list through the real cloud: 150 stations of three vendors reported as their edge would, filtered,
sorted and paged by the API with every station once, the whole filter as CSV, and the dashboard's page in headless
Chromium showing the same stations as the API and downloading the same CSV."""

from __future__ import annotations

import csv
import io

from cloud import FakeEdge, Peer
from support import now_iso, poll

SITE = "site-fleet"
VENDORS = ("ACME", "Borealis", "Cobalt")


def publish_fleet(peer: Peer, count: int) -> None:
    send = FakeEdge(peer, SITE).send
    send("presence", {"online": True})
    for n in range(count):
        station = f"CP-F{n:03d}"
        send("station.boot", {"station": station, "vendor": VENDORS[n % 3], "model": f"M{n % 2}",
                              "serialNumber": f"SER-{n:03d}", "firmwareVersion": f"{n % 4}.0", "approval": "accepted",
                              "time": now_iso()})
        # Every fifth station has gone; the rest are connected, with ocpp1.6 as their edge tells it.
        send("station.connection", {"station": station, "connected": n % 5 != 0, "time": now_iso(),
                                    "protocol": "ocpp1.6"})
        status = "Faulted" if n % 7 == 0 else "Charging" if n % 2 else "Available"
        send("connector.status", {"station": station, "connector": 1, "status": status, "errorCode": "NoError",
                                  "time": now_iso()})


def test_the_fleet_is_filtered_sorted_paged_and_exported_alike_in_the_api_and_the_dashboard(make_cloud, broker,
                                                                                            browsers):
    from browser import PASSWORD, add_user
    from selenium.webdriver.common.by import By

    cloud = make_cloud(sites=(SITE,))
    peer = Peer(broker, "fake-edge")
    publish_fleet(peer, 150)
    poll(lambda: cloud.get(f"/api/v1/fleet?site={SITE}&q=CP-F149&state=in_use")["total"] == 1, timeout=30,
         what="the last station's status")
    assert cloud.get(f"/api/v1/fleet?site={SITE}&limit=1")["total"] == 150

    # Each state as the station's connection and connector give it.
    expected = {f"CP-F{n:03d}": "offline" if n % 5 == 0 else "faulted" if n % 7 == 0 else
                "in_use" if n % 2 else "available" for n in range(150)}
    for state in ("offline", "faulted", "in_use", "available"):
        page = cloud.get(f"/api/v1/fleet?site={SITE}&state={state}&limit=1000")
        assert {s["id"] for s in page["items"]} == {k for k, v in expected.items() if v == state}, state
        assert page["total"] == len(page["items"]) and "next" not in page

    # Paged, in both orders of a column: every station once, in order.
    for order in ("asc", "desc"):
        seen, offset = [], 0
        while offset is not None:
            page = cloud.get(f"/api/v1/fleet?site={SITE}&sort=vendor&order={order}&limit=40&offset={offset}")
            seen += page["items"]
            offset = page.get("next")
        assert len({s["id"] for s in seen}) == 150
        keys = [(s["vendor"], s["id"]) for s in seen]
        assert keys == sorted(keys, reverse=order == "desc"), order
    acme_old = cloud.get(f"/api/v1/fleet?site={SITE}&vendor=ACME&firmware=0.0&protocol=ocpp1.6&limit=1000")
    assert {s["id"] for s in acme_old["items"]} == {f"CP-F{n:03d}" for n in range(150) if n % 3 == 0 and n % 4 == 0}
    assert all(s["serialNumber"].startswith("SER-") for s in acme_old["items"])
    status, body = cloud.api("GET", "/api/v1/fleet?state=burning")
    assert status == 400 and body["detail"].startswith("state"), body

    # The whole filter as CSV: the API's pages, in their order.
    query = f"site={SITE}&vendor=Borealis&sort=state&order=desc"
    status, text = cloud.api("GET", f"/api/v1/fleet?{query}&format=csv")
    rows = list(csv.DictReader(io.StringIO(text)))
    listed = cloud.get(f"/api/v1/fleet?{query}&limit=1000")["items"]
    assert status == 200 and [r["station"] for r in rows] == [s["id"] for s in listed] and len(rows) == 50
    assert {r["state"] for r in rows} == {s["state"] for s in listed} and rows[0]["protocol"] == "ocpp1.6"

    # The dashboard: the same stations as the API, its next page, its CSV the API's.
    add_user(cloud, "fay", "viewer")
    browser = browsers(f"https://127.0.0.1:{cloud.port}")
    browser.sign_in("fay", PASSWORD)
    browser.open(f"/fleet?{query}")
    shown = [row.get_attribute("data-station")
             for row in browser.driver.find_elements(By.CSS_SELECTOR, "#fleet-list tbody tr")]
    assert shown == [s["id"] for s in listed]
    downloaded = browser.driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "fetch(document.getElementById('fleet-csv').href).then(r => r.text()).then(done);")
    assert list(csv.DictReader(io.StringIO(downloaded))) == rows
    browser.open(f"/fleet?site={SITE}")
    assert len(browser.driver.find_elements(By.CSS_SELECTOR, "#fleet-list tbody tr")) == 100
    browser.driver.find_element(By.ID, "fleet-next").click()
    browser.wait(lambda d: d.find_elements(By.ID, "fleet-previous"), "the second page")
    second = [row.get_attribute("data-station")
              for row in browser.driver.find_elements(By.CSS_SELECTOR, "#fleet-list tbody tr")]
    assert second == [f"CP-F{n:03d}" for n in range(100, 150)]
    # A column's header sorts by it, and again the other way.
    browser.driver.find_element(By.CSS_SELECTOR, "#fleet-list th[aria-sort='ascending'] a").click()
    browser.wait(lambda d: d.find_elements(By.CSS_SELECTOR, "#fleet-list th[aria-sort='descending']"), "sorted down")
    assert browser.driver.find_element(By.CSS_SELECTOR, "#fleet-list tbody tr").get_attribute("data-station") == "CP-F149"
    # Times on the site's own clock, its zone named.
    assert cloud.api("PUT", f"/api/v1/sites/{SITE}", {"timeZone": "Asia/Tokyo"})[0] == 200
    browser.open(f"/fleet?site={SITE}&state=offline")
    contact = browser.driver.find_element(By.CSS_SELECTOR, "#fleet-list tbody tr td:last-child").text
    assert contact.endswith(("GMT+9", "JST")), contact
    # The topology: the site, its stations (in no group here) and their connectors.
    browser.driver.find_element(By.ID, "topology-link").click()
    browser.wait(lambda d: d.find_elements(By.ID, "topology"), "the topology")
    site = browser.driver.find_element(By.CSS_SELECTOR, f"#topology li[data-site='{SITE}']")
    assert len(site.find_elements(By.CSS_SELECTOR, "li[data-station]")) == 150
    assert len(site.find_elements(By.CSS_SELECTOR, "span.status.s-Faulted")) == len(
        [n for n in range(150) if n % 7 == 0 and n % 5 != 0])
    peer.close()
