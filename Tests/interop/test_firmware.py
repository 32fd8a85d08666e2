"""Firmware roll-outs end to end: an image uploaded in the dashboard (a real headless Chromium), a campaign over a
site's chargers (the `ocpp` library's charge points behind the real edge) that download the image from the cloud,
check its SHA-256 and report FirmwareStatusNotification; and a campaign stopped from the API."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import ssl
import urllib.request

from ocpp.routing import after, on
from ocpp.v16 import call, call_result
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from cloud import edge_cloud_config
from support import Charger, arun, charger, now_iso, poll
from browser import PASSWORD, add_user

IMAGE = bytes(range(256)) * 1024  # 256 KiB


class FirmwareCharger(Charger):
    """Takes UpdateFirmware, downloads the image from its location, checks it, and reports each step."""

    expected_sha256 = hashlib.sha256(IMAGE).hexdigest()
    # The certificate to trust for the download: the test cloud's self-signed one, as an installer would give it.
    trust: str | None = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.downloaded: list[str] = []
        self._jobs: set[asyncio.Task] = set()

    @after("UpdateFirmware")
    async def install(self, location: str, retrieve_date: str, **kwargs):
        task = asyncio.create_task(self._install(location))
        self._jobs.add(task)
        task.add_done_callback(self._jobs.discard)

    async def _install(self, location: str):
        await self.call(call.FirmwareStatusNotification(status="Downloading"))
        try:
            data = await asyncio.to_thread(_download, location, self.trust)
        except Exception:  # noqa: BLE001 - any failure to download is what the station reports
            data = b""
        if hashlib.sha256(data).hexdigest() != self.expected_sha256:
            await self.call(call.FirmwareStatusNotification(status="DownloadFailed"))
            return
        self.downloaded.append(location)
        for status in ("Downloaded", "Installing", "Installed"):
            await self.call(call.FirmwareStatusNotification(status=status))


def _download(location: str, trust: str | None) -> bytes:
    # Verified, host name included, against the certificate the cloud made for itself.
    context = ssl.create_default_context(cafile=trust)
    with urllib.request.urlopen(location, timeout=10, context=context) as response:
        return response.read()


def test_a_campaign_uploaded_and_started_in_the_dashboard_installs_on_every_charger(
        make_edge, make_cloud, broker, browsers, tmp_path):
    site = "site-fw"
    cloud = make_cloud(sites=(site,))
    add_user(cloud, "olivia", "operator")
    edge = make_edge(edge_cloud_config(site, broker))
    image_file = tmp_path / "gridcharger-2.1.0.bin"
    image_file.write_bytes(IMAGE)
    stations = ["CP-FW-1", "CP-FW-2", "CP-FW-3"]

    async def scenario():
        async with contextlib.AsyncExitStack() as stack:
            chargers = []
            for station in stations:
                cp = await stack.enter_async_context(charger(edge, station, cls=FirmwareCharger))
                cp.trust = str(cloud.directory / "cloud-selfsigned.crt.pem")
                await cp.boot()
                await cp.call(call.StatusNotification(connector_id=1, error_code="NoError", status="Available"))
                chargers.append(cp)
            await asyncio.to_thread(poll, lambda: len(cloud.get(f"/api/v1/stations?site={site}")["items"]) == 3, 15,
                                    what="the stations in the cloud")
            browser = await asyncio.to_thread(browsers, f"https://127.0.0.1:{cloud.port}")

            def upload_and_start():
                browser.sign_in("olivia", PASSWORD)
                browser.open("/firmware")
                browser.driver.find_element(By.ID, "up-name").send_keys("GridCharger")
                browser.driver.find_element(By.ID, "up-version").send_keys("2.1.0")
                browser.driver.find_element(By.ID, "up-file").send_keys(str(image_file))
                browser.driver.find_element(By.ID, "upload").click()
                browser.wait(lambda d: d.find_elements(By.ID, "new-campaign"), "the image listed")
                assert "gridcharger-2.1.0.bin" in browser.text()
                browser.driver.find_element(By.ID, "c-name").send_keys("Depot to 2.1.0")
                Select(browser.driver.find_element(By.ID, "c-sites")).select_by_value(site)
                rate = browser.driver.find_element(By.ID, "c-rate")
                rate.clear()
                rate.send_keys("600")
                browser.driver.find_element(By.ID, "create-campaign").click()
                browser.wait(lambda d: d.find_elements(By.ID, "campaign-state"), "the campaign page")
                # The page refreshes itself while the campaign runs.
                browser.wait(lambda d: d.find_element(By.ID, "campaign-state").text == "finished",
                             "the campaign finished", timeout=45)
                return browser.wait(lambda d: (d.find_element(By.ID, "campaign-progress").text, browser.path()),
                                    "the campaign's progress")

            progress, path = await asyncio.to_thread(upload_and_start)
            assert progress == "Installed 3", progress
            for cp in chargers:
                assert len(cp.calls_of("UpdateFirmware")) == 1
                assert cp.downloaded and cp.downloaded[0].endswith("/gridcharger-2.1.0.bin")
            campaign_id = path.rsplit("/", 1)[-1]
            campaign = await asyncio.to_thread(cloud.get, f"/api/v1/firmware/campaigns/{campaign_id}")
            assert campaign["state"] == "finished" and campaign["createdBy"] == "olivia"
            assert {target["station"]: target["state"] for target in campaign["targets"]} == dict.fromkeys(stations, "Installed")
            # Who sent the updates is in the event history.
            events = await asyncio.to_thread(cloud.get, f"/api/v1/events?site={site}&kind=firmware_status&limit=100")
            assert sum(1 for event in events["items"] if '"Installed"' in event["detail"]) == 3

    arun(scenario(), timeout=120)


def test_a_stopped_campaign_sends_nothing_more_and_bad_requests_are_refused(make_edge, make_cloud, broker):
    site = "site-fw-stop"
    cloud = make_cloud(sites=(site,))
    edge = make_edge(edge_cloud_config(site, broker))

    async def scenario():
        async with contextlib.AsyncExitStack() as stack:
            chargers = []
            for n in range(3):
                cp = await stack.enter_async_context(charger(edge, f"CP-STOP-{n}", cls=FirmwareCharger))
                cp.trust = str(cloud.directory / "cloud-selfsigned.crt.pem")
                await cp.boot()
                chargers.append(cp)
            await asyncio.to_thread(poll, lambda: len(cloud.get(f"/api/v1/stations?site={site}")["items"]) == 3, 15,
                                    what="the stations in the cloud")
            status, image = await asyncio.to_thread(
                cloud.api, "POST", "/api/v1/firmware/images",
                {"name": "Vendor FW", "version": "9.9", "url": "https://firmware.example.com/v9.9.bin"})
            assert status == 201 and image["url"].endswith("v9.9.bin")
            for bad, detail in [({"name": "x", "version": "1", "url": "file:///etc/passwd"}, "url"),
                                # Security review, finding 20: a plain download is taken only when asked for.
                                ({"name": "x", "version": "1", "url": "http://firmware.example.com/a.bin"}, "https"),
                                ({"name": "", "version": "1", "url": "https://a.example/b"}, "name")]:
                status, body = await asyncio.to_thread(cloud.api, "POST", "/api/v1/firmware/images", bad)
                assert status == 400 and detail in body["detail"], body
            status, body = await asyncio.to_thread(
                cloud.api, "POST", "/api/v1/firmware/campaigns", {"name": "c", "image": image["id"], "stations": ["NOPE"]})
            assert status == 404 and "NOPE" in body["detail"]
            status, body = await asyncio.to_thread(
                cloud.api, "POST", "/api/v1/firmware/campaigns", {"name": "c", "image": image["id"], "sites": [site],
                                                                   "ratePerMinute": 0})
            assert status == 400 and "ratePerMinute" in body["detail"]
            # One a minute: the first goes at once, the others would wait.
            status, campaign = await asyncio.to_thread(
                cloud.api, "POST", "/api/v1/firmware/campaigns",
                {"name": "slow", "image": image["id"], "sites": [site], "ratePerMinute": 1})
            assert status == 201 and campaign["state"] == "scheduled" and campaign["progress"] == {"pending": 3}
            await asyncio.to_thread(
                poll, lambda: sum(len(cp.calls_of("UpdateFirmware")) for cp in chargers) == 1, 15, what="the first update")
            status, stopped = await asyncio.to_thread(
                cloud.api, "POST", f"/api/v1/firmware/campaigns/{campaign['id']}/stop")
            assert status == 200 and stopped["state"] == "stopped" and stopped["progress"].get("skipped") == 2
            status, again = await asyncio.to_thread(
                cloud.api, "POST", f"/api/v1/firmware/campaigns/{campaign['id']}/stop")
            assert status == 409
            sent = [cp for cp in chargers if cp.calls_of("UpdateFirmware")]
            assert sent[0].calls_of("UpdateFirmware")[0]["location"] == "https://firmware.example.com/v9.9.bin"
            await asyncio.sleep(3)
            assert sum(len(cp.calls_of("UpdateFirmware")) for cp in chargers) == 1, "nothing sent after the stop"

    arun(scenario(), timeout=90)


def _manufacturer() -> tuple[str, "object"]:
    """A manufacturer's firmware signing certificate (PEM) and its private key, made for the test."""
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "GridCharger Firmware Signing"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "GridCharger GmbH")])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                   .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
                   .not_valid_after(now + datetime.timedelta(days=365)).sign(key, hashes.SHA256()))
    return certificate.public_bytes(serialization.Encoding.PEM).decode(), key


class SignedFirmwareCharger(FirmwareCharger):
    """Speaks the security extension: takes SignedUpdateFirmware, downloads the image, verifies its signature with the
    certificate it was given, and installs it only if it holds. `tamper` plays an attacker on the download path."""

    tamper = False

    @on("SignedUpdateFirmware")
    async def accept_signed(self, request_id: int, firmware: dict, **kwargs):
        return call_result.SignedUpdateFirmware(status="Accepted")

    @after("SignedUpdateFirmware")
    async def install_signed(self, request_id: int, firmware: dict, **kwargs):
        task = asyncio.create_task(self._install_signed(request_id, firmware))
        self._jobs.add(task)
        task.add_done_callback(self._jobs.discard)

    async def _install_signed(self, request_id: int, firmware: dict):
        import base64

        from cryptography import x509
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import ec

        def report(status: str):
            return self.call(call.SignedFirmwareStatusNotification(status=status, request_id=request_id))

        location = firmware.get("location")
        certificate = firmware.get("signing_certificate") or firmware.get("signingCertificate")
        signature = firmware.get("signature")
        await report("Downloading")
        data = await asyncio.to_thread(_download, location, self.trust)
        if self.tamper:
            data = bytes([data[0] ^ 0xFF]) + data[1:]
        await report("Downloaded")
        try:
            x509.load_pem_x509_certificate(certificate.encode()).public_key().verify(
                base64.b64decode(signature), data, ec.ECDSA(hashes.SHA256()))
        except InvalidSignature:
            await report("InvalidSignature")
            await self.call(call.SecurityEventNotification(
                type="InvalidFirmwareSignature", timestamp=now_iso(), tech_info=f"request {request_id}"))
            return
        self.downloaded.append(location)
        for status in ("SignatureVerified", "Installing", "InstallRebooting", "Installed"):
            await report(status)


def test_a_signed_image_is_verified_by_each_charger_and_a_tampered_one_is_refused(make_edge, make_cloud, broker):
    """Security review, finding 20: firmware went out as unsigned downloads a man in the middle could replace. With the
    manufacturer's signature and certificate on the image, campaigns send SignedUpdateFirmware (OCPP 1.6 security
    extension); the charger verifies before installing, and its reports and security events reach the cloud."""
    import base64
    import json as jsonlib

    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec

    site = "site-fw-signed"
    cloud = make_cloud(sites=(site,))
    edge = make_edge(edge_cloud_config(site, broker))
    pem, key = _manufacturer()
    signature = base64.b64encode(key.sign(IMAGE, ec.ECDSA(hashes.SHA256()))).decode()

    def upload() -> dict:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        request = urllib.request.Request(
            f"https://127.0.0.1:{cloud.port}/api/v1/firmware/images?name=GridCharger&version=3.0&fileName=gc-3.0.bin",
            data=IMAGE, method="POST",
            headers={"Authorization": f"Bearer {cloud.token}", "Content-Type": "application/octet-stream"})
        with urllib.request.urlopen(request, timeout=30, context=context) as response:
            assert response.status == 201
            return jsonlib.load(response)

    async def scenario():
        async with contextlib.AsyncExitStack() as stack:
            kinds = {"CP-SIGNED": SignedFirmwareCharger, "CP-TAMPERED": SignedFirmwareCharger,
                     "CP-OLDER": FirmwareCharger}
            chargers = {}
            for station, cls in kinds.items():
                cp = await stack.enter_async_context(charger(edge, station, cls=cls))
                cp.trust = str(cloud.directory / "cloud-selfsigned.crt.pem")
                cp.tamper = station == "CP-TAMPERED"
                await cp.boot()
                chargers[station] = cp
            await asyncio.to_thread(poll, lambda: len(cloud.get(f"/api/v1/stations?site={site}")["items"]) == 3, 15,
                                    what="the stations in the cloud")
            image = await asyncio.to_thread(upload)
            path = f"/api/v1/firmware/images/{image['id']}/signature"
            for bad, detail in [({"signature": "not base64!", "signingCertificate": pem}, "Base64"),
                                ({"signature": signature, "signingCertificate": "-----BEGIN CERTIFICATE-----\nno\n"},
                                 "PEM"),
                                ({"signature": signature}, "signingCertificate"),
                                ({}, "signature")]:
                status, body = await asyncio.to_thread(cloud.api, "PUT", path, bad)
                assert status == 400 and detail in body["detail"], body
            status, signed = await asyncio.to_thread(
                cloud.api, "PUT", path, {"signature": signature, "signingCertificate": pem})
            assert status == 200 and signed["signature"] == signature and "BEGIN CERTIFICATE" in signed["signingCertificate"]
            status, campaign = await asyncio.to_thread(
                cloud.api, "POST", "/api/v1/firmware/campaigns",
                {"name": "Signed 3.0", "image": image["id"], "sites": [site], "ratePerMinute": 600})
            assert status == 201, campaign

            def finished():
                current = cloud.get(f"/api/v1/firmware/campaigns/{campaign['id']}")
                return current if current["state"] == "finished" else None

            done = await asyncio.to_thread(poll, finished, 60, what="the signed campaign finished")
            states = {target["station"]: target["state"] for target in done["targets"]}
            assert states == {"CP-SIGNED": "Installed", "CP-TAMPERED": "InvalidSignature", "CP-OLDER": "NotSupported"}
            sent = chargers["CP-SIGNED"].calls_of("SignedUpdateFirmware")
            assert len(sent) == 1 and not chargers["CP-SIGNED"].calls_of("UpdateFirmware")
            assert chargers["CP-SIGNED"].downloaded and not chargers["CP-TAMPERED"].downloaded
            # What the charger reported, and its security event, are in the site's history.
            events = await asyncio.to_thread(cloud.get, f"/api/v1/events?site={site}&limit=200")
            security = [e for e in events["items"] if e["kind"] == "security_event"]
            assert len(security) == 1 and "InvalidFirmwareSignature" in security[0]["detail"], security
            assert security[0]["station"] == "CP-TAMPERED" and security[0]["severity"] == "warning"
            invalid = [e for e in events["items"] if e["kind"] == "firmware_status" and "InvalidSignature" in e["detail"]]
            assert invalid and invalid[0]["severity"] == "error"

    arun(scenario(), timeout=120)
