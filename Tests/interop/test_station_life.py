"""A station through its life, against the real edge and an `ocpp` charger: registered from the API, its
registration changed in headless Chromium (the edge's answer shown, the password kept), refused retirement while a
session runs, retired from the browser (the edge closes its connection and forgets it, the cloud lists it nowhere,
its sessions and history stay, its id is free again), and a station moved to another site by an admin."""

from __future__ import annotations

import asyncio

import websockets
from ocpp.v16 import call

from cloud import edge_cloud_config
from support import arun, basic_auth_header, charger, now_iso, poll

SITE = "site-life"
OTHER = "site-yard"
PASSWORD = "a-station-password-1"


def station_path(site: str, station: str) -> str:
    return f"/sites/{site}/stations/{station}"


def test_a_station_is_changed_retired_and_moved_from_the_browser_and_the_api(make_edge, make_cloud, broker, browsers):
    from browser import PASSWORD as USER_PASSWORD, add_user
    from selenium.webdriver.common.by import By

    cloud = make_cloud(sites=(SITE, OTHER))
    edge = make_edge({**edge_cloud_config(SITE, broker), "ocpp": {"unknown_stations": "reject"}})
    add_user(cloud, "olga", "operator")
    add_user(cloud, "ada", "admin")
    status, body = cloud.api("POST", f"/api/v1/sites/{SITE}/stations",
                             {"id": "CP-LIFE", "password": PASSWORD, "maxCurrentA": 16, "phases": 1, "rotation": "L2"})
    assert status == 200 and body["outcome"] == "accepted", body
    poll(lambda: cloud.get(f"/api/v1{station_path(SITE, 'CP-LIFE')}").get("registration"), timeout=15,
         what="the registration as the edge answered it")
    assert cloud.get(f"/api/v1{station_path(SITE, 'CP-LIFE')}")["registration"] == {
        "maxCurrentA": 16, "phases": 1, "rotation": "L2", "priority": 0, "hasPassword": True}

    browser = browsers(f"https://127.0.0.1:{cloud.port}")

    def edit_in_the_browser() -> str:
        browser.sign_in("olga", USER_PASSWORD)
        browser.open(station_path(SITE, "CP-LIFE"))
        browser.driver.find_element(By.ID, "station-life").click()
        browser.wait(lambda d: d.find_elements(By.ID, "edit-station"), "the registration page")
        assert browser.driver.find_element(By.ID, "e-current").get_attribute("value") == "16"
        assert browser.driver.find_element(By.ID, "e-rotation").get_attribute("value") == "L2"
        # No move for an operator: that is the fleet's admins'.
        assert not browser.driver.find_elements(By.ID, "move-station")
        current = browser.driver.find_element(By.ID, "e-current")
        current.clear()
        current.send_keys("2")
        browser.driver.find_element(By.ID, "save-registration").click()
        refused = browser.wait(lambda d: "maxCurrentA" in d.find_element(By.TAG_NAME, "body").text and
                               d.find_element(By.TAG_NAME, "body").text, "the refusal naming the field")
        browser.open(station_path(SITE, "CP-LIFE") + "/registration")
        browser.wait(lambda d: d.find_elements(By.ID, "edit-station"), "the registration page")
        current = browser.driver.find_element(By.ID, "e-current")
        current.clear()
        current.send_keys("20")
        priority = browser.driver.find_element(By.ID, "e-priority")
        priority.clear()
        priority.send_keys("7")
        browser.driver.find_element(By.ID, "save-registration").click()
        return browser.wait(lambda d: d.find_element(By.ID, "command-result").text, "the edge's answer") + refused

    def connectors_in_the_browser():
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support.ui import Select

        def fill(voltage: str):
            for field, value in (("standard", "IEC_62196_T2_COMBO"), ("format", "CABLE"), ("powerType", "DC")):
                Select(browser.driver.find_element(By.ID, f"c1-{field}")).select_by_visible_text(value)
            for field, value in (("maxVoltage", voltage), ("maxAmperage", "200")):
                box = browser.driver.find_element(By.ID, f"c1-{field}")
                box.clear()
                box.send_keys(value)
            browser.driver.find_element(By.ID, "save-connectors").click()

        browser.open(station_path(SITE, "CP-LIFE") + "/registration")
        browser.wait(lambda d: d.find_elements(By.ID, "connector-types"), "the connectors form")
        fill("0")
        browser.wait(lambda d: "connectors[0].maxVoltage" in d.find_element(By.TAG_NAME, "body").text,
                     "the bad voltage named")
        browser.open(station_path(SITE, "CP-LIFE") + "/registration")
        browser.wait(lambda d: d.find_elements(By.ID, "connector-types"), "the connectors form")
        fill("920")
        browser.wait(lambda d: d.find_elements(By.ID, "connectors-saved"), "the connectors saved")
        assert Select(browser.driver.find_element(By.ID, "c1-standard")).first_selected_option.text == "IEC_62196_T2_COMBO"

    async def scenario():
        headers = basic_auth_header("CP-LIFE", PASSWORD)
        async with charger(edge, "CP-LIFE", additional_headers=headers) as cp:
            assert (await cp.boot()).status == "Accepted"
            shown = await asyncio.to_thread(edit_in_the_browser)
            assert "RegisterStation" in shown and "accepted" in shown.lower(), shown
            await asyncio.to_thread(
                poll, lambda: cloud.get(f"/api/v1{station_path(SITE, 'CP-LIFE')}")["registration"]["maxCurrentA"] == 20,
                15, what="the new registration")
            registration = cloud.get(f"/api/v1{station_path(SITE, 'CP-LIFE')}")["registration"]
            assert registration["priority"] == 7 and registration["hasPassword"], "an empty password keeps the old one"

            # A new password from the browser: the charger is told its AuthorizationKey, the page shows it once.
            def rotate_in_the_browser() -> str:
                browser.driver.find_element(By.ID, "rotate").click()
                browser.wait(lambda d: d.find_elements(By.ID, "new-password"), "the new password shown")
                return browser.driver.find_element(By.ID, "new-password").text

            new_password = await asyncio.to_thread(rotate_in_the_browser)
            # What its connector is, for roaming partners: a bad rating refused naming it, then a CCS cable saved.
            await asyncio.to_thread(connectors_in_the_browser)
            assert cloud.get(f"/api/v1{station_path(SITE, 'CP-LIFE')}")["connectorTypes"] == [
                {"connector": 1, "standard": "IEC_62196_T2_COMBO", "format": "CABLE", "powerType": "DC",
                 "maxVoltage": 920, "maxAmperage": 200}]
            told = cp.calls_of("ChangeConfiguration")
            assert told == [{"key": "AuthorizationKey", "value": new_password}] and len(new_password) == 20, told
        # Only the new password is admitted from now on; the cloud's records never held it.
        try:
            async with charger(edge, "CP-LIFE", additional_headers=headers):
                raise AssertionError("the old password still admitted")
        except websockets.exceptions.InvalidStatus as error:
            assert error.response.status_code == 401
        headers = basic_auth_header("CP-LIFE", new_password)
        assert new_password not in cloud.log_text() and new_password not in edge.log_text()
        await asyncio.to_thread(poll, lambda: not edge.get("/stations/CP-LIFE")[1].get("connected"), 10,
                                what="the charger gone")
        status, body = await asyncio.to_thread(cloud.api, "POST", f"/api/v1{station_path(SITE, 'CP-LIFE')}/password",
                                               {"hexEncoded": True})
        assert status == 409 and "not connected" in body["detail"], body
        async with charger(edge, "CP-LIFE", additional_headers=headers) as cp:
            assert (await cp.boot()).status == "Accepted"
            # Over the API, hex-encoded (the security whitepaper's edition 2) for chargers that want it so.
            status, body = await asyncio.to_thread(cloud.api, "POST",
                                                   f"/api/v1{station_path(SITE, 'CP-LIFE')}/password", {"hexEncoded": True})
            assert status == 200 and body["status"] == "Accepted", body
            assert cp.calls_of("ChangeConfiguration")[-1]["value"] == body["password"].encode().hex()
            headers = basic_auth_header("CP-LIFE", body["password"])
            events = await asyncio.to_thread(cloud.get, f"/api/v1/events?site={SITE}&station=CP-LIFE&kind=command")
            assert body["password"] not in str(events)
            # A charger that takes it at its next reboot: until then its former password is admitted too.
            cp.answers["ChangeConfiguration"] = {"status": "RebootRequired"}
            status, body = await asyncio.to_thread(cloud.api, "POST", f"/api/v1{station_path(SITE, 'CP-LIFE')}/password")
            assert status == 200 and body["status"] == "RebootRequired", body
        for password in (body["password"], headers["Authorization"]):
            given = basic_auth_header("CP-LIFE", password) if not password.startswith("Basic ") else {
                "Authorization": password}
            async with charger(edge, "CP-LIFE", additional_headers=given) as cp:
                assert (await cp.boot()).status == "Accepted"
        headers = basic_auth_header("CP-LIFE", body["password"])

        async with charger(edge, "CP-LIFE", additional_headers=headers) as cp:
            assert (await cp.boot()).status == "Accepted"
            # A session runs: the edge refuses to retire it, and says why.
            started = await cp.call(call.StartTransaction(connector_id=1, id_tag="TOKEN-OK", meter_start=0,
                                                          timestamp=now_iso()), suppress=False)
            status, body = await asyncio.to_thread(cloud.api, "POST",
                                                   f"/api/v1{station_path(SITE, 'CP-LIFE')}/retire")
            assert status == 409 and "session runs" in body["detail"], body
            await cp.call(call.StopTransaction(transaction_id=started.transaction_id, meter_stop=1500,
                                               timestamp=now_iso()), suppress=False)
            # A viewer may not; an organization granted the station but not its whole site is told nothing.
            vic = await asyncio.to_thread(cloud.create_token, "viewer")
            status, _ = await asyncio.to_thread(cloud.api, "POST", f"/api/v1{station_path(SITE, 'CP-LIFE')}/retire",
                                                None, vic)
            assert status == 403
            granted = await asyncio.to_thread(granted_operator, cloud)
            assert cloud.api("GET", f"/api/v1{station_path(SITE, 'CP-LIFE')}", None, granted)[0] == 200
            for action in ("retire", "password"):
                status, _ = await asyncio.to_thread(
                    cloud.api, "POST", f"/api/v1{station_path(SITE, 'CP-LIFE')}/{action}", None, granted)
                assert status == 404, action

            def retire_in_the_browser() -> str:
                browser.open(station_path(SITE, "CP-LIFE") + "/registration")
                browser.wait(lambda d: d.find_elements(By.ID, "retire-station"), "the retire form")
                browser.driver.find_element(By.ID, "retire-confirm").click()
                browser.driver.find_element(By.ID, "retire").click()
                browser.wait(lambda d: d.find_elements(By.ID, "command-result") and
                             browser.path().startswith(f"/sites/{SITE}?"), "the site page with the edge's answer")
                return browser.driver.find_element(By.ID, "command-result").text

            shown = await asyncio.to_thread(retire_in_the_browser)
            assert "RetireStation" in shown and "accepted" in shown.lower(), shown
            # The edge closed its connection.
            await asyncio.wait_for(cp._connection.wait_closed(), 10)

        # Forgotten by the cloud: listed nowhere, its page gone; its sessions and history kept.
        await asyncio.to_thread(
            poll, lambda: cloud.api("GET", f"/api/v1{station_path(SITE, 'CP-LIFE')}")[0] == 404, 15,
            what="the retired station gone from the cloud")
        assert "CP-LIFE" not in [s["id"] for s in cloud.get(f"/api/v1/fleet?site={SITE}")["items"]]
        sessions = cloud.get(f"/api/v1/sessions?site={SITE}&station=CP-LIFE")["items"]
        assert [s["transactionId"] for s in sessions] == [started.transaction_id]
        kinds = {e["kind"] for e in cloud.get(f"/api/v1/events?site={SITE}&station=CP-LIFE&limit=200")["items"]}
        assert {"boot", "command"} <= kinds, kinds
        # Forgotten by the edge: under its reject policy the id is unknown now.
        try:
            async with charger(edge, "CP-LIFE", additional_headers=headers):
                raise AssertionError("a retired station connected")
        except websockets.exceptions.InvalidStatus as error:
            assert error.response.status_code == 404
        assert "station retired from the cloud" in edge.log_text()
        # Its id is free: registered again, it is a new station.
        status, body = await asyncio.to_thread(cloud.api, "POST", f"/api/v1/sites/{SITE}/stations",
                                               {"id": "CP-LIFE", "password": PASSWORD + "x"})
        assert status == 200 and body["outcome"] == "accepted", body
        async with charger(edge, "CP-LIFE", additional_headers=basic_auth_header("CP-LIFE", PASSWORD + "x")) as cp:
            assert (await cp.boot()).status == "Accepted"
        return started.transaction_id

    transaction = arun(scenario(), timeout=120)

    # A station moved by an admin: at the other site from then on, its sessions where they happened.
    status, body = cloud.api("POST", f"/api/v1{station_path(SITE, 'CP-LIFE')}/move", {"site": "nowhere"})
    assert status == 404 and "site" in body["detail"], body
    olga = cloud.create_token("operator")
    assert cloud.api("POST", f"/api/v1{station_path(SITE, 'CP-LIFE')}/move", {"site": OTHER}, olga)[0] == 403
    browser.sign_out()
    browser.sign_in("ada", USER_PASSWORD)
    browser.open(station_path(SITE, "CP-LIFE") + "/registration")
    browser.wait(lambda d: d.find_elements(By.ID, "move-station"), "the move form")
    from selenium.webdriver.support.ui import Select
    Select(browser.driver.find_element(By.ID, "m-site")).select_by_value(OTHER)
    browser.driver.find_element(By.ID, "move").click()
    browser.wait(lambda d: browser.path() == station_path(OTHER, "CP-LIFE"), "the station's page at its new site")
    assert cloud.api("GET", f"/api/v1{station_path(SITE, 'CP-LIFE')}")[0] == 404
    assert cloud.get(f"/api/v1{station_path(OTHER, 'CP-LIFE')}")["id"] == "CP-LIFE"
    # The retired station's session stays with the site where it happened, and the moved one takes none along.
    assert [s["transactionId"] for s in cloud.get(f"/api/v1/sessions?site={SITE}&station=CP-LIFE")["items"]] == [
        transaction]
    assert cloud.get(f"/api/v1/sessions?site={OTHER}&station=CP-LIFE")["items"] == []


def granted_operator(cloud) -> str:
    """An API token of an operator of an organization granted CP-LIFE alone."""
    from browser import add_user

    cloud.cli("organization", "add", "fleet-co", "--name", "Fleet Co")
    cloud.cli("organization", "grant", "fleet-co", "--station", f"{SITE}/CP-LIFE")
    add_user(cloud, "otto", "operator", "--organization", "fleet-co")
    return cloud.cli("token", "create", "--name", "otto", "--user", "otto").strip()
