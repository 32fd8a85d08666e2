"""The event history people read, through the real cloud: a charger's status changes (published as its edge would)
told in words with the status each one left and the charger's own codes, filtered by its vendor code, paged through
any range in both orders with every line once, the whole filter as CSV, and the dashboard's page in headless
Chromium with its words, its next page and its CSV link."""

from __future__ import annotations

import csv
import io

from cloud import Peer
from support import now_iso, poll

SITE = "site-history"
CYCLE = ("Available", "Charging", "Faulted")


def publish_statuses(peer: Peer, count: int) -> None:
    for seq in range(1, count + 1):
        status = CYCLE[(seq - 1) % 3]
        data = {"station": "CP-H", "connector": 2, "status": status, "time": now_iso(),
                "errorCode": "GroundFailure" if status == "Faulted" else "NoError"}
        if status == "Faulted":
            data["vendorErrorCode"] = "E42" if seq % 2 else "E7"
        peer.publish(f"gridside/v1/{SITE}/up/connector.status",
                     {"v": 1, "site": SITE, "seq": seq, "ts": now_iso(), "type": "connector.status", "data": data})


def test_the_history_is_told_in_words_filtered_paged_and_exported(make_cloud, broker, browsers):
    from browser import PASSWORD, add_user
    from selenium.webdriver.common.by import By

    cloud = make_cloud(sites=(SITE,))
    peer = Peer(broker, "fake-edge")
    publish_statuses(peer, 250)
    poll(lambda: len(cloud.get(f"/api/v1/events?site={SITE}&limit=1000")["items"]) == 250, timeout=30,
         what="250 status lines")

    # In words: the status each change left, the OCPP code and the charger's own.
    faults = cloud.get(f"/api/v1/events?site={SITE}&vendorCode=E42&limit=1000")["items"]
    assert faults and all(e["words"] == "Connector 2: Charging → Faulted, GroundFailure, vendor code E42"
                          for e in faults), faults[:2]
    assert {e["words"] for e in cloud.get(f"/api/v1/events?site={SITE}&limit=3&order=oldest")["items"]} == {
        "Connector 2: Available", "Connector 2: Available → Charging", "Connector 2: Charging → Faulted, GroundFailure, "
        "vendor code E42"}

    # Paged through, 100 at a time, in both orders: every line once.
    for order in ("newest", "oldest"):
        seen, after = [], ""
        while True:
            page = cloud.get(f"/api/v1/events?site={SITE}&limit=100&order={order}{after}")
            seen += [e["seq"] for e in page["items"]]
            if "next" not in page:
                break
            after = f"&after={page['next']}"
        assert sorted(seen) == list(range(1, 251)) and seen == sorted(seen, reverse=order == "newest"), order
    status, body = cloud.api("GET", f"/api/v1/events?after=not-a-cursor")
    assert status == 400 and body["detail"].startswith("after"), body

    # The whole filter as CSV, however many lines.
    status, text = cloud.api("GET", f"/api/v1/events?site={SITE}&severity=error&format=csv&limit=5")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert status == 200 and len(rows) == 83, len(rows)
    assert {r["vendor_code"] for r in rows} == {"E42", "E7"} and rows[0]["words"].startswith("Connector 2: Charging → Faulted")

    # The dashboard's page: the words, the next page, the CSV link with the same filter.
    add_user(cloud, "vera", "viewer")
    browser = browsers(f"https://127.0.0.1:{cloud.port}")
    browser.sign_in("vera", PASSWORD)
    browser.open(f"/events?site={SITE}&vendorCode=E7")
    rows = browser.driver.find_elements(By.CSS_SELECTOR, "table.events tbody tr")
    assert len(rows) == 41 and "Charging → Faulted, GroundFailure, vendor code E7" in rows[0].text, rows[0].text
    assert browser.driver.find_element(By.ID, "events-csv").get_attribute("href").endswith(
        f"/events.csv?site={SITE}&vendorCode=E7")
    browser.open(f"/events?site={SITE}")
    assert len(browser.driver.find_elements(By.CSS_SELECTOR, "table.events tbody tr")) == 100
    browser.driver.find_element(By.ID, "events-next").click()
    browser.wait(lambda d: d.find_elements(By.ID, "events-first"), "the second page")
    assert len(browser.driver.find_elements(By.CSS_SELECTOR, "table.events tbody tr")) == 100
    browser.driver.find_element(By.ID, "events-next").click()
    browser.wait(lambda d: not d.find_elements(By.ID, "events-next"), "the last page")
    assert len(browser.driver.find_elements(By.CSS_SELECTOR, "table.events tbody tr")) == 50
    peer.close()
