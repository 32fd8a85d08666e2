"""The dashboard in a real headless Chromium: sign in, watch a charger of the real edge (an `ocpp` charge point)
start charging without reloading, stop it from the page, switch language, and a partner who sees only their sites.
A screenshot of the home dashboard is kept in .build/test-artifacts."""

from __future__ import annotations

import asyncio
import json
import subprocess
import time

from ocpp.v16 import call
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from browser import ARTIFACTS, PASSWORD, Browser, add_user
from cloud import FakeEdge, Peer, cloud_binary, edge_cloud_config
from support import arun, charger, now_iso, poll

def status_label(browser: Browser, station: str, connector: int) -> tuple[str, str]:
    element = browser.driver.find_element(
        By.CSS_SELECTOR, f'[data-station="{station}"][data-connector="{connector}"]')
    return element.text, element.get_attribute("class")


def test_a_charger_starts_charging_on_the_open_page_and_is_stopped_from_it(make_edge, make_cloud, broker, browsers):
    site = "site-web"
    cloud = make_cloud(sites=(site,))
    add_user(cloud, "olivia", "operator", "--name", "Olivia Operator")
    edge = make_edge(edge_cloud_config(site, broker))
    base = f"https://127.0.0.1:{cloud.port}"

    async def scenario():
        async with charger(edge, "CP-WEB") as cp:
            await cp.boot()
            await cp.call(call.StatusNotification(connector_id=1, error_code="NoError", status="Available"))
            await asyncio.to_thread(poll, lambda: cloud.api("GET", "/api/v1/stations/CP-WEB")[0] == 200, 15,
                                    what="the station in the cloud")
            browser = await asyncio.to_thread(browsers, base)
            await asyncio.to_thread(browser.open, "/")
            assert browser.path().startswith("/login"), "signed out, the dashboard asks to sign in"
            await asyncio.to_thread(browser.sign_in, "olivia", PASSWORD)
            assert "All sites" in browser.text() and site in browser.driver.page_source
            await asyncio.to_thread(browser.screenshot, "dashboard-home.png")

            await asyncio.to_thread(browser.open, "/stations/CP-WEB")
            assert status_label(browser, "CP-WEB", 1)[0] == "Available"
            # A marker that a reload would wipe: the change must arrive on the open page.
            browser.driver.execute_script("window.gridsideMarker = 42;")
            started = time.monotonic()
            await cp.call(call.StatusNotification(connector_id=1, error_code="NoError", status="Preparing"))
            tx = await cp.call(call.StartTransaction(connector_id=1, id_tag="CARD-WEB", meter_start=1000,
                                                     timestamp=now_iso()))
            await cp.call(call.StatusNotification(connector_id=1, error_code="NoError", status="Charging"))
            await asyncio.to_thread(browser.wait, lambda d: status_label(browser, "CP-WEB", 1)[0] == "Charging",
                                    "Charging on the open page")
            print(f"connector change visible in the browser {time.monotonic() - started:.2f} s after the charger sent it")
            assert "s-Charging" in status_label(browser, "CP-WEB", 1)[1]
            assert browser.driver.execute_script("return window.gridsideMarker;") == 42, "the page was not reloaded"

            # Stop it from the page: the charger gets RemoteStopTransaction, the page shows its answer and who.
            await asyncio.to_thread(browser.open, "/stations/CP-WEB")
            await asyncio.to_thread(lambda: browser.driver.find_element(By.ID, "stop-1").click())
            await cp.wait_for_calls(1, timeout=15)
            assert cp.calls_of("RemoteStopTransaction") == [{"transactionId": tx.transaction_id}]
            result = await asyncio.to_thread(
                browser.wait, lambda d: d.find_elements(By.ID, "command-result"), "the station's answer")
            assert "Accepted" in result[0].text and "olivia" in result[0].text
            await cp.call(call.StopTransaction(meter_stop=4000, timestamp=now_iso(), transaction_id=tx.transaction_id,
                                               reason="Remote"))
            await cp.call(call.StatusNotification(connector_id=1, error_code="NoError", status="Finishing"))
            await asyncio.to_thread(browser.wait, lambda d: status_label(browser, "CP-WEB", 1)[0] == "Finishing",
                                    "Finishing on the open page")
            # The event history names who did it.
            await asyncio.to_thread(browser.open, f"/events?station=CP-WEB")
            rows = [row.text for row in browser.driver.find_elements(By.CSS_SELECTOR, "table.events tbody tr")]
            assert any("RemoteStopTransaction" in row and "olivia" in row for row in rows), rows
            # The session, with its energy.
            await asyncio.to_thread(browser.open, f"/sessions/{site}/{tx.transaction_id}")
            assert "3 kWh" in browser.text(), browser.text()

            # Signed out: the page is gone, and so is the session.
            await asyncio.to_thread(lambda: browser.driver.find_element(By.ID, "logout").click())
            await asyncio.to_thread(browser.open, "/stations/CP-WEB")
            assert browser.path().startswith("/login")

    arun(scenario(), timeout=120)
    assert (ARTIFACTS / "dashboard-home.png").stat().st_size > 10_000


def test_the_language_follows_the_browser_and_the_users_choice(make_cloud, browsers):
    cloud = make_cloud(sites=("site-lang",))
    add_user(cloud, "vera", "viewer")
    browser = browsers(f"https://127.0.0.1:{cloud.port}", accept_language="de-DE,de")
    browser.open("/login")
    assert "Benutzername" in browser.text() and browser.driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "de"
    browser.sign_in("vera", PASSWORD)
    assert "Alle Standorte" in browser.text()
    Select(browser.driver.find_element(By.ID, "language")).select_by_value("fr")
    browser.wait(lambda d: "Tous les sites" in d.find_element(By.TAG_NAME, "body").text, "the page in French")
    # The choice is the user's: it holds on other pages and after signing in again.
    browser.open("/sessions")
    assert "Sessions de charge" in browser.text()
    browser.sign_out()
    browser.sign_in("vera", PASSWORD)
    assert "Tous les sites" in browser.text()


def test_a_partner_sees_only_the_sites_and_stations_granted_to_their_organization(make_cloud, broker, browsers):
    cloud = make_cloud(sites=("site-acme", "site-other"))
    cloud.cli("organization", "add", "acme", "--name", "ACME Logistics")
    cloud.cli("organization", "grant", "acme", "--site", "site-acme")
    add_user(cloud, "paula", "partner", "--organization", "acme")
    peer = Peer(broker, "fake-edges")
    for seq, (site, station) in enumerate([("site-acme", "CP-ACME"), ("site-other", "CP-OTHER")], start=1):
        message = {"v": 1, "site": site, "seq": seq, "ts": now_iso(), "type": "connector.status",
                   "data": {"station": station, "connector": 1, "status": "Faulted", "errorCode": "GroundFailure",
                            "vendorErrorCode": "E-17", "time": now_iso()}}
        peer.publish(f"gridside/v1/{site}/up/connector.status", message)
    poll(lambda: len(cloud.get("/api/v1/stations")["items"]) == 2, timeout=15, what="both stations in the cloud")
    browser = browsers(f"https://127.0.0.1:{cloud.port}")
    browser.sign_in("paula", PASSWORD)
    page = browser.driver.page_source
    assert "site-acme" in page and "site-other" not in page and "CP-OTHER" not in page
    # The faulted connector of their own site is an alert, with the manufacturer's codes as sent.
    alerts = browser.driver.find_element(By.CSS_SELECTOR, "ul.alerts").text
    assert "CP-ACME" in alerts and "GroundFailure" in alerts and "E-17" in alerts
    for path in ("/stations/CP-OTHER", "/sites/site-other"):
        browser.open(path)
        assert "CP-OTHER" not in browser.driver.find_element(By.TAG_NAME, "main").text or "no station" in browser.text()
        assert "Something is wrong" in browser.text()
    browser.open("/events")
    assert "CP-ACME" in browser.text() and "CP-OTHER" not in browser.text()
    # A partner reads; the control buttons are not there.
    browser.open("/stations/CP-ACME")
    assert not browser.driver.find_elements(By.CSS_SELECTOR, "td.actions")
    # One station of the other site, granted alone: seen at once, with its site as its place and nothing else there.
    # A bare id known at one site only names that site's station.
    assert "station 'site-other/CP-OTHER'" in cloud.cli("organization", "grant", "acme", "--station", "CP-OTHER")
    browser.open("/stations/CP-OTHER")
    assert "GroundFailure" in browser.driver.find_element(By.TAG_NAME, "main").text
    browser.open("/sites/site-other")
    assert "CP-OTHER" in browser.driver.find_element(By.TAG_NAME, "main").text
    assert not browser.driver.find_elements(By.ID, "load-management")
    assert "acme\tsites: site-acme\tstations: site-other/CP-OTHER\tgroups: -" in cloud.cli("organization", "list")
    unknown = subprocess.run(
        [str(cloud_binary()), "organization", "grant", "acme", "--station", "NOPE", "--config", str(cloud.config_path)],
        capture_output=True, text=True, timeout=60)
    assert unknown.returncode == 1 and "no station 'NOPE'" in unknown.stderr
    cloud.cli("organization", "revoke", "acme", "--station", "CP-OTHER")
    browser.open("/stations/CP-OTHER")
    assert "Something is wrong" in browser.text()
    peer.close()


def test_a_stations_configuration_is_read_and_changed_from_its_page(make_edge, make_cloud, broker, browsers):
    site = "site-conf"
    cloud = make_cloud(sites=(site,))
    add_user(cloud, "ada", "admin")
    edge = make_edge(edge_cloud_config(site, broker))

    async def scenario():
        async with charger(edge, "CP-CONF") as cp:
            await cp.boot()
            await cp.call(call.StatusNotification(connector_id=1, error_code="NoError", status="Available"))
            await asyncio.to_thread(poll, lambda: cloud.api("GET", "/api/v1/stations/CP-CONF")[0] == 200, 15,
                                    what="the station in the cloud")
            cp.answers["GetConfiguration"] = {
                "configurationKey": [{"key": "HeartbeatInterval", "readonly": False, "value": "300"},
                                     {"key": "NumberOfConnectors", "readonly": True, "value": "1"}],
                "unknownKey": []}
            cp.answers["ChangeConfiguration"] = {"status": "RebootRequired"}
            browser = await asyncio.to_thread(browsers, f"https://127.0.0.1:{cloud.port}")
            await asyncio.to_thread(browser.sign_in, "ada", PASSWORD)
            await asyncio.to_thread(browser.open, "/stations/CP-CONF")
            await asyncio.to_thread(lambda: browser.driver.find_element(By.ID, "read-configuration").click())
            field = await asyncio.to_thread(
                browser.wait, lambda d: d.find_elements(By.ID, "value-HeartbeatInterval"), "the configuration table")
            assert field[0].get_attribute("value") == "300"
            assert not browser.driver.find_elements(By.ID, "value-NumberOfConnectors"), "a read-only key has no form"

            def change():
                field[0].clear()
                field[0].send_keys("120")
                field[0].submit()

            await asyncio.to_thread(change)
            result = await asyncio.to_thread(
                browser.wait, lambda d: d.find_elements(By.ID, "command-result"), "the station's answer")
            assert "ChangeConfiguration" in result[0].text and "RebootRequired" in result[0].text
            assert {"key": "HeartbeatInterval", "value": "120"} in cp.calls_of("ChangeConfiguration")

    arun(scenario(), timeout=90)


def test_a_registered_vehicle_is_shown_where_it_charges_with_its_state_of_charge(make_edge, make_cloud, broker, browsers):
    site = "site-vehicles"
    cloud = make_cloud(sites=(site,))
    add_user(cloud, "olivia", "operator")
    edge = make_edge(edge_cloud_config(site, broker))

    async def scenario():
        async with charger(edge, "CP-VAN") as cp:
            await cp.boot()
            await cp.call(call.StatusNotification(connector_id=1, error_code="NoError", status="Available"))
            browser = await asyncio.to_thread(browsers, f"https://127.0.0.1:{cloud.port}")

            def add_vehicle():
                browser.sign_in("olivia", PASSWORD)
                browser.open("/vehicles")
                for field, value in (("v-name", "Van 12"), ("v-plate", "B-GS 112"), ("v-fleet", "North"),
                                     ("v-tokens", "VAN12-CARD, VAN12-APP")):
                    browser.driver.find_element(By.ID, field).send_keys(value)
                browser.driver.find_element(By.ID, "add-vehicle").click()
                row = browser.wait(lambda d: d.find_elements(By.CSS_SELECTOR, 'tr[data-vehicle="Van 12"]'), "the vehicle")
                return row[0].text

            row = await asyncio.to_thread(add_vehicle)
            assert "B-GS 112" in row and "Not charging" in row
            # A token already taken is refused with the vehicle named.
            status, body = await asyncio.to_thread(
                cloud.api, "POST", "/api/v1/vehicles", {"name": "Other", "tokens": ["VAN12-APP"]})
            assert status == 409 and "VAN12-APP" in body["detail"]
            tx = await cp.call(call.StartTransaction(connector_id=1, id_tag="VAN12-APP", meter_start=0, timestamp=now_iso()))
            await cp.call(call.MeterValues(connector_id=1, transaction_id=tx.transaction_id, meter_value=[{
                "timestamp": now_iso(), "sampledValue": [
                    {"value": "1500", "measurand": "Energy.Active.Import.Register", "unit": "Wh"},
                    {"value": "11000", "measurand": "Power.Active.Import", "unit": "W"},
                    {"value": "64", "measurand": "SoC", "unit": "Percent"}]}]))
            await asyncio.to_thread(
                poll, lambda: (cloud.get("/api/v1/vehicles")["items"][0].get("charging") or {}).get("soc") == 64, 15,
                what="the vehicle charging in the API")
            vehicle = (await asyncio.to_thread(cloud.get, "/api/v1/vehicles"))["items"][0]
            assert vehicle["charging"]["station"] == "CP-VAN" and vehicle["tokens"] == ["VAN12-APP", "VAN12-CARD"]
            await asyncio.to_thread(browser.open, "/vehicles")
            row = browser.driver.find_element(By.CSS_SELECTOR, 'tr[data-vehicle="Van 12"]').text
            assert "CP-VAN" in row and "64 %" in row and "11 kW" in row, row
            await asyncio.to_thread(browser.open, "/sessions")
            assert "Van 12" in browser.text()

    arun(scenario(), timeout=90)


def test_a_station_that_booted_as_pending_is_approved_from_the_dashboard(make_edge, make_cloud, broker, browsers):
    site = "site-approve"
    cloud = make_cloud(sites=(site,))
    add_user(cloud, "ada", "admin")
    edge = make_edge({**edge_cloud_config(site, broker), "ocpp": {"unknown_stations": "pending"}})

    async def scenario():
        async with charger(edge, "CP-NEW") as cp:
            boot = await cp.boot()
            assert boot.status == "Pending"
            await asyncio.to_thread(
                poll, lambda: cloud.api("GET", "/api/v1/stations/CP-NEW")[1].get("approval") == "pending", 15,
                what="the pending station in the cloud")
            browser = await asyncio.to_thread(browsers, f"https://127.0.0.1:{cloud.port}")
            await asyncio.to_thread(browser.sign_in, "ada", PASSWORD)
            alerts = browser.driver.find_element(By.CSS_SELECTOR, "ul.alerts").text
            assert "CP-NEW" in alerts and "waits for approval" in alerts
            await asyncio.to_thread(browser.open, "/stations/CP-NEW")
            assert browser.driver.find_element(By.ID, "approval").text == "Waiting for approval"
            await asyncio.to_thread(lambda: browser.driver.find_element(By.ID, "approve").click())
            result = await asyncio.to_thread(
                browser.wait, lambda d: d.find_elements(By.ID, "command-result"), "the edge's answer")
            assert "SetStationApproval" in result[0].text and "Accepted" in result[0].text and "ada" in result[0].text
            # The edge asks the station to boot again at once; this time it is accepted.
            await cp.wait_for_calls(1, timeout=10)
            assert cp.calls_of("TriggerMessage") == [{"requestedMessage": "BootNotification"}]
            assert (await cp.boot()).status == "Accepted"
            await asyncio.to_thread(
                poll, lambda: cloud.get("/api/v1/stations/CP-NEW").get("approval") == "accepted", 15,
                what="the approval in the cloud")
            status, body = await asyncio.to_thread(
                cloud.api, "POST", "/api/v1/stations/CP-NEW/approval", {"approval": "maybe"})
            assert status == 400 and "approval" in body["detail"]

    arun(scenario(), timeout=90)


def test_a_connector_reserved_from_the_page_is_a_planned_session_until_cancelled(make_edge, make_cloud, broker, browsers):
    site = "site-reserve"
    cloud = make_cloud(sites=(site,))
    add_user(cloud, "olivia", "operator")
    edge = make_edge(edge_cloud_config(site, broker))

    async def scenario():
        async with charger(edge, "CP-RES") as cp:
            await cp.boot()
            await cp.call(call.StatusNotification(connector_id=1, error_code="NoError", status="Available"))
            await asyncio.to_thread(poll, lambda: cloud.api("GET", "/api/v1/stations/CP-RES")[0] == 200, 15,
                                    what="the station in the cloud")
            browser = await asyncio.to_thread(browsers, f"https://127.0.0.1:{cloud.port}")

            def reserve():
                browser.sign_in("olivia", PASSWORD)
                browser.open("/stations/CP-RES")
                browser.driver.find_element(By.ID, "reserve-token").send_keys("FLEET-77")
                browser.driver.find_element(By.ID, "reserve-button").click()
                return browser.wait(lambda d: d.find_elements(By.CSS_SELECTOR, "table.reservations"), "the reservation")

            await asyncio.to_thread(reserve)
            reserved = cp.calls_of("ReserveNow")
            assert len(reserved) == 1 and reserved[0]["idTag"] == "FLEET-77" and reserved[0]["connectorId"] == 1
            upcoming = (await asyncio.to_thread(cloud.get, "/api/v1/reservations"))["items"]
            assert [(r["station"], r["idTag"], r["madeBy"]) for r in upcoming] == [("CP-RES", "FLEET-77", "olivia")]
            await asyncio.to_thread(browser.open, "/")
            assert browser.driver.find_element(By.ID, "planned").text == "1"
            await asyncio.to_thread(browser.open, "/sessions")
            assert "FLEET-77" in browser.driver.find_element(By.CSS_SELECTOR, "table.reservations").text

            def cancel():
                browser.open("/stations/CP-RES")
                browser.driver.find_element(By.CSS_SELECTOR, "table.reservations button").click()
                browser.wait(lambda d: d.find_elements(By.ID, "command-result"), "the station's answer")

            await asyncio.to_thread(cancel)
            assert cp.calls_of("CancelReservation") == [{"reservationId": reserved[0]["reservationId"]}]
            assert (await asyncio.to_thread(cloud.get, "/api/v1/reservations"))["items"] == []

    arun(scenario(), timeout=90)


def test_a_page_on_one_instance_hears_the_stations_another_instance_ingests(make_cloud, broker, browsers):
    """Two instances split the sites' messages ($share); what either applies reaches the open pages of both."""
    site = "site-split"
    first = make_cloud(overrides={"mqtt": {"shared_group": "cloud", "client_id": "cloud-a"}}, sites=(site,))
    second = make_cloud(overrides={"mqtt": {"shared_group": "cloud", "client_id": "cloud-b"},
                                   "store": {"url": first.config["store"]["url"]}})
    add_user(first, "ada", "admin")
    peer = Peer(broker, "fake-edges")
    stations = [f"CP-{n}" for n in range(1, 7)]
    send = FakeEdge(peer, site).send

    def report(status: str) -> None:
        for station in stations:
            send("connector.status", {"station": station, "connector": 1, "status": status, "errorCode": "NoError",
                                      "time": now_iso()})

    send("presence", {"online": True})
    for station in stations:
        send("station.connection", {"station": station, "connected": True, "time": now_iso()})
    report("Available")
    poll(lambda: [station["connectors"][0]["status"] for station in first.get(f"/api/v1/stations?site={site}")["items"]]
         == ["Available"] * len(stations), timeout=15, what="every station Available in the cloud")
    browser = browsers(f"https://127.0.0.1:{second.port}")
    browser.sign_in("ada", PASSWORD)
    browser.open(f"/sites/{site}")
    # The site page's cells read "<connector>: <state>"; their class names the state.
    assert all("s-Available" in status_label(browser, station, 1)[1] for station in stations)
    browser.driver.execute_script("window.gridsideMarker = 42;")
    report("Charging")
    browser.wait(lambda d: all("s-Charging" in status_label(browser, station, 1)[1] for station in stations),
                 "every station Charging on the open page of the second instance")
    assert browser.driver.execute_script("return window.gridsideMarker;") == 42, "the page was not reloaded"

    def applied(cloud) -> float:
        lines = [line for line in cloud.metrics().splitlines() if line.startswith("ingest_applied_total")]
        return sum(float(line.split()[-1]) for line in lines)

    # Both took part of the messages, so the page heard the first instance's share through the broker.
    assert applied(first) > 0 and applied(second) > 0
    # What is not a list of live updates is refused, logged and counted, and both instances go on.
    peer.publish("gridside/cloud/v1/live/intruder", {"site": site, "kind": "connector"})
    for cloud in (first, second):
        poll(lambda: 'ingest_rejected_total{reason="malformed"}' in cloud.metrics(), timeout=10,
             what="the malformed live message counted")
        assert "live updates from instance 'intruder'" in cloud.log_tail(200)
    peer.close()


def test_an_administrator_adds_an_organization_and_its_partner_user_in_the_browser(make_cloud, broker, browsers):
    cloud = make_cloud(sites=("site-north", "site-south"))
    add_user(cloud, "ada", "admin")
    browser = browsers(f"https://127.0.0.1:{cloud.port}")
    browser.sign_in("ada", PASSWORD)
    browser.open("/access")
    driver = browser.driver
    driver.find_element(By.ID, "o-id").send_keys("initech")
    driver.find_element(By.ID, "o-name").send_keys("Initech")
    driver.find_element(By.ID, "add-organization").click()
    # On to the new organization's page, to grant it what it sees.
    browser.wait(lambda d: browser.path() == "/access/organizations/initech", "the organization's page")
    Select(driver.find_element(By.ID, "o-sites")).select_by_value("site-north")
    driver.find_element(By.ID, "save-organization").click()
    browser.wait(lambda d: browser.path() == "/access", "back on the access page")
    row = driver.find_element(By.CSS_SELECTOR, 'tr[data-organization="initech"]').text
    assert "site-north" in row and "site-south" not in row
    driver.find_element(By.ID, "u-id").send_keys("paul")
    driver.find_element(By.ID, "u-name").send_keys("Paul Partner")
    Select(driver.find_element(By.ID, "u-role")).select_by_value("partner")
    Select(driver.find_element(By.ID, "u-organization")).select_by_value("initech")
    driver.find_element(By.ID, "u-password").send_keys(PASSWORD)
    driver.find_element(By.ID, "add-user").click()
    browser.wait(lambda d: d.find_elements(By.CSS_SELECTOR, 'tr[data-user="paul"]'), "the new user listed")
    assert "partner" in driver.find_element(By.CSS_SELECTOR, 'tr[data-user="paul"]').text
    # A refused form says what was wrong: a partner needs an organization.
    driver.find_element(By.ID, "u-id").send_keys("orphan")
    Select(driver.find_element(By.ID, "u-role")).select_by_value("partner")
    driver.find_element(By.ID, "u-password").send_keys(PASSWORD)
    driver.find_element(By.ID, "add-user").click()
    browser.wait(lambda d: "a partner must belong to an organization" in browser.text(), "the reason shown")
    browser.sign_out()

    browser.sign_in("paul", PASSWORD)
    page = driver.page_source
    assert "site-north" in page and "site-south" not in page
    assert not driver.find_elements(By.CSS_SELECTOR, 'a[href="/access"]'), "no access page for a partner"
    assert "paul" in cloud.cli("user", "list") and "initech" in cloud.cli("organization", "list")


def test_sign_in_leads_only_to_this_site_and_a_locked_user_stays_out_in_a_real_browser(make_cloud, browsers):
    """Security review, findings 9 and 8, in headless Chromium: `next=/%09/evil.example/` (a tab Chromium drops, which
    leaves `//evil.example`) leads to the home page after signing in, and after five wrong passwords even the right
    one is refused."""
    cloud = make_cloud()
    add_user(cloud, "ida", "viewer")
    browser = browsers(f"https://127.0.0.1:{cloud.port}")

    def sign_in_with_next():
        browser.open("/login?next=/%09/evil.example/")
        browser.driver.find_element(By.ID, "user").send_keys("ida")
        browser.driver.find_element(By.ID, "password").send_keys(PASSWORD)
        browser.driver.find_element(By.ID, "sign-in").click()
        browser.wait(lambda d: d.find_elements(By.ID, "logout"), "signed in")
        return browser.driver.current_url

    landed = sign_in_with_next()
    assert landed == f"https://127.0.0.1:{cloud.port}/", landed
    browser.sign_out()

    for _ in range(5):
        browser.open("/login")
        browser.driver.find_element(By.ID, "user").send_keys("ida")
        browser.driver.find_element(By.ID, "password").send_keys("not the password")
        browser.driver.find_element(By.ID, "sign-in").click()
        browser.wait(lambda d: "failed=1" in d.current_url, "the failure shown")
    browser.open("/login")
    browser.driver.find_element(By.ID, "user").send_keys("ida")
    browser.driver.find_element(By.ID, "password").send_keys(PASSWORD)
    browser.driver.find_element(By.ID, "sign-in").click()
    browser.wait(lambda d: "failed=1" in d.current_url, "the locked user refused")
    assert not browser.driver.find_elements(By.ID, "logout")


def test_closed_live_pages_give_their_places_back_without_any_update(make_cloud):
    """A second reader of the security review (finding 17): a closed tab's live stream was noticed only at the next
    update, so on a quiet fleet a browser that opened and closed eight pages could open no more. Each stream now writes
    a comment at every recheck (10 s), which finds the page gone."""
    import http.client
    import socket
    import ssl
    import urllib.parse

    cloud = make_cloud()
    add_user(cloud, "lena", "viewer")
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE

    def connection() -> http.client.HTTPSConnection:
        return http.client.HTTPSConnection("127.0.0.1", cloud.port, context=context, timeout=10)

    login = connection()
    login.request("POST", "/login", body=urllib.parse.urlencode({"user": "lena", "password": PASSWORD, "next": "/"}),
                  headers={"Content-Type": "application/x-www-form-urlencoded"})
    answer = login.getresponse()
    answer.read()
    cookie = answer.getheader("Set-Cookie", "").split(";")[0]
    assert answer.status == 303 and cookie
    login.close()

    def open_stream() -> tuple[int, http.client.HTTPSConnection]:
        stream = connection()
        stream.request("GET", "/live", headers={"Cookie": cookie})
        response = stream.getresponse()
        if response.status == 200:
            assert response.read1(64).startswith(b"retry: 2000")
        return response.status, stream

    first = [open_stream() for _ in range(8)]
    assert [status for status, _ in first] == [200] * 8
    status, extra = open_stream()
    assert status == 429, "eight live pages per browser"
    extra.close()
    for _, stream in first:
        # Shut down, not just closed: the response's file still holds the socket open.
        stream.sock.shutdown(socket.SHUT_RDWR)
        stream.sock.close()
    started = time.monotonic()
    reopened = []
    while len(reopened) < 8 and time.monotonic() - started < 30:
        status, stream = open_stream()
        if status == 200:
            reopened.append(stream)
        else:
            stream.close()
            time.sleep(0.5)
    assert len(reopened) == 8, f"only {len(reopened)} places came back in {time.monotonic() - started:.0f} s"
    for stream in reopened:
        stream.sock.shutdown(socket.SHUT_RDWR)
        stream.sock.close()
