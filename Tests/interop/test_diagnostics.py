"""Diagnostics from stations, against the real edge and cloud: an `ocpp` charger asked through the API uploads its
file to the cloud as a multipart form (urllib3 encodes it, independently of the cloud) and reports Uploading and
Uploaded; the file comes back byte for byte from the API and from the station page in headless Chromium, where an
operator asks again with the button; the upload URL takes nothing too big and nothing once unknown; those who may
not configure, or do not see the station, get nothing. Then the site simulator's chargers, which upload with PUT."""

from __future__ import annotations

import asyncio
import json
import subprocess

import urllib3
from ocpp.routing import on
from ocpp.v16 import call, call_result

from cloud import edge_cloud_config
from meters import free_port
from support import Charger, arun, charger, poll
from test_load_management import sim_binary

SITE = "site-diag"
CONTENT = b"\x1f\x8bgzip-ish\r\n--not-a-boundary\r\n" + bytes(range(256)) * 64


class UploadingCharger(Charger):
    """Answers GetDiagnostics with a file name, then uploads as a multipart form to the location it was given."""

    uploads: list[int] = []

    @on("GetDiagnostics")
    async def on_get_diagnostics(self, location: str, **_):
        asyncio.get_running_loop().create_task(self._upload(location))
        return call_result.GetDiagnostics(file_name="cp-diag.tar.gz")

    async def _upload(self, location: str):
        await asyncio.sleep(0.2)
        await self.call(call.DiagnosticsStatusNotification(status="Uploading"))
        http = urllib3.PoolManager(cert_reqs="CERT_NONE")
        answer = await asyncio.to_thread(
            http.request, "POST", location,
            fields={"comment": "from the charger", "file": ("cp-diag.tar.gz", CONTENT, "application/gzip")})
        UploadingCharger.uploads.append(answer.status)
        await self.call(call.DiagnosticsStatusNotification(status="Uploaded" if answer.status < 300 else "UploadFailed"))


def test_a_charger_uploads_its_diagnostics_to_the_cloud_as_asked(make_edge, make_cloud, broker, browsers):
    from browser import PASSWORD, add_user
    from selenium.webdriver.common.by import By

    urllib3.disable_warnings()
    UploadingCharger.uploads = []
    cloud = make_cloud(sites=(SITE, "site-else"))
    edge = make_edge({**edge_cloud_config(SITE, broker), "authorization": {"unknown_tokens": "accept"}})
    add_user(cloud, "olga", "operator")
    path = f"/api/v1/sites/{SITE}/stations/CP-DIAG/diagnostics"

    async def scenario():
        async with charger(edge, "CP-DIAG", cls=UploadingCharger) as cp:
            assert (await cp.boot()).status == "Accepted"
            await asyncio.to_thread(poll, lambda: cloud.api("GET", f"/api/v1/sites/{SITE}/stations/CP-DIAG")[0] == 200,
                                    15, what="the station in the cloud")
            status, record = await asyncio.to_thread(cloud.api, "POST", path, {"retries": 1, "retryInterval": 5})
            # Accepted (or uploaded already, when the file came before the edge's answer).
            assert status == 201 and record["state"] in ("accepted", "uploaded"), record
            assert record["fileName"] == "cp-diag.tar.gz", record
            await asyncio.to_thread(
                poll, lambda: [(d["state"], d.get("stationStatus")) for d in cloud.get(path)["items"]] == [
                    ("uploaded", "Uploaded")], 20, what="the file uploaded and the station's Uploaded")
            listed = cloud.get(path)["items"][0]
            assert listed["size"] == len(CONTENT) and listed["contentType"] == "application/gzip", listed
            status, body = await asyncio.to_thread(cloud.raw, "GET", f"/api/v1/diagnostics/{record['id']}/file")
            assert status == 200 and body == CONTENT

            # Asked from the station page by an operator; the page lists it and its file downloads the same.
            def from_the_browser() -> str:
                browser = browsers(f"https://127.0.0.1:{cloud.port}")
                browser.sign_in("olga", PASSWORD)
                browser.open(f"/sites/{SITE}/stations/CP-DIAG")
                browser.driver.find_element(By.ID, "get-diagnostics").click()
                browser.wait(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#diagnostics-list tbody tr")) == 2,
                             "the second request listed")

                def uploaded(d):
                    d.refresh()
                    return d.find_element(By.CSS_SELECTOR, "#diagnostics-list tbody tr").get_attribute(
                        "data-state") == "uploaded"

                browser.wait(uploaded, "the second file received", timeout=20)
                link = browser.driver.find_element(By.CSS_SELECTOR, "#diagnostics-list tbody tr a[download]")
                return browser.driver.execute_async_script(
                    "const done = arguments[arguments.length - 1];"
                    "fetch(arguments[0]).then(r => r.arrayBuffer()).then(b => done(Array.from(new Uint8Array(b))));",
                    link.get_attribute("href"))

            downloaded = await asyncio.to_thread(from_the_browser)
            assert bytes(downloaded) == CONTENT
            await asyncio.to_thread(poll, lambda: UploadingCharger.uploads == [201, 201], 10, what="both uploads answered")
            # What the station was sent names the cloud's own URL for this request.
            location = cp.calls_of("GetDiagnostics")[0]["location"]
            assert location.startswith(f"https://127.0.0.1:{cloud.port}/diagnostics/"), location
            return location

    location = arun(scenario(), timeout=120)
    http = urllib3.PoolManager(cert_reqs="CERT_NONE")
    # Too big: refused before it is kept; an address nobody gave: 404, and no token in the log.
    assert http.request("PUT", location, body=b"x" * (20 * 1024 * 1024 + 1)).status == 413
    assert http.request("PUT", location.rsplit("/", 1)[0] + "/not-a-token", body=b"x").status == 404
    assert http.request("PUT", location, body=b"").status == 400
    assert location.rsplit("/", 1)[1] not in cloud.log_text()
    assert location.rsplit("/", 1)[1] not in json.dumps(cloud.get(f"/api/v1/events?site={SITE}&kind=command"))
    assert cloud.get(path)["items"][-1]["size"] == len(CONTENT), "the refused uploads changed nothing"
    # A viewer may not ask or read; a partner who does not see the site is told nothing of it.
    viewer = cloud.create_token("viewer")
    assert cloud.api("POST", path, None, viewer)[0] == 403
    assert cloud.api("GET", path, None, viewer)[0] == 403
    status, body = cloud.api("POST", path, {"retries": 11})
    assert status == 400 and "retries" in body["detail"], body
    cloud.cli("organization", "add", "other", "--name", "Other")
    cloud.cli("organization", "grant", "other", "--site", "site-else")
    add_user(cloud, "oscar", "operator", "--organization", "other")
    partner = cloud.cli("token", "create", "--name", "oscar", "--user", "oscar").strip()
    assert cloud.api("GET", path, None, partner)[0] == 404
    item = cloud.get(path)["items"][0]
    assert cloud.api("GET", f"/api/v1/diagnostics/{item['id']}/file", None, partner)[0] == 404


def test_the_site_simulators_chargers_upload_their_diagnostics(make_edge, make_cloud, broker, tmp_path):
    site = "site-sim-diag"
    cloud = make_cloud(sites=(site,))
    edge = make_edge({**edge_cloud_config(site, broker), "authorization": {"unknown_tokens": "accept"}})
    log = open(tmp_path / "sim.log", "w")
    sim = subprocess.Popen(
        [str(sim_binary()), "--url", f"ws://127.0.0.1:{edge.ocpp_port}/ocpp", "--stations", "1", "--connectors", "1",
         "--no-auto-sessions", "--meter-port", str(free_port()), "--trust",
         str(cloud.directory / "cloud-selfsigned.crt.pem")],
        stdout=log, stderr=subprocess.STDOUT)
    try:
        poll(lambda: cloud.api("GET", f"/api/v1/sites/{site}/stations/SIM-001")[0] == 200, timeout=30,
             what="the simulated charger in the cloud")
        path = f"/api/v1/sites/{site}/stations/SIM-001/diagnostics"
        status, record = cloud.api("POST", path)
        # The file may be here before the edge's answer: the charger uploads as soon as it has answered.
        assert status == 201 and record["state"] in ("accepted", "uploaded"), record
        poll(lambda: cloud.get(path)["items"][0].get("stationStatus") == "Uploaded", timeout=30,
             what="the simulator's Uploaded")
        item = cloud.get(path)["items"][0]
        assert item["state"] == "uploaded" and item["fileName"] == record["fileName"], item
        status, body = cloud.raw("GET", f"/api/v1/diagnostics/{item['id']}/file")
        assert status == 200 and b"diagnostics of SIM-001" in body and b"connector 1: Available" in body, body
    finally:
        sim.terminate()
        sim.wait(10)
        log.close()
