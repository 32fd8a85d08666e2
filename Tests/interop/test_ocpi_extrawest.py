"""OCPI 2.2.1 against an independent eMSP: extrawest-ocpi (PyPI, MIT), run as a server of its own from its own virtual
environment (scripts/ocpi_emsp.py, also the eMSP of `make demo`). The cloud registers with it (the handshake from the cloud's side: it
reads extrawest's versions and endpoints with the token A it gave, posts its credentials; extrawest reads the cloud's
versions over HTTPS, trusting the cloud's certificate, and answers its token C); then every Location, EVSE, Tariff,
Session and CDR the cloud pushes must pass extrawest's own models (a refused one would be answered 422 and show as the
partner's last failure). The other direction (an eMSP registering with the cloud), which extrawest cannot start, is
test_ocpi.py's, with an eMSP of the test's own."""

from __future__ import annotations

import base64
import json
import os
import socket
import ssl
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from cloud import FakeEdge, Peer
from support import now_iso, poll

ROOT = Path(__file__).resolve().parents[2]
PYTHON = ROOT / ".venv-ocpi" / "bin" / "python"
CPO = {"country_code": "DE", "party_id": "GRS", "name": "Gridside Test CPO", "push_interval_ms": 200}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Extrawest:
    """extrawest-ocpi as an eMSP on loopback; what it took, read from its record file."""

    def __init__(self, directory: Path, certificate: Path, token_a: str):
        assert PYTHON.exists(), f"{PYTHON} is missing: make test (scripts/deps.sh) makes extrawest-ocpi's environment"
        self.port = free_port()
        self.record = directory / "extrawest.jsonl"
        self.log = open(directory / "extrawest.log", "w")
        self.process = subprocess.Popen(
            [str(PYTHON), str(ROOT / "scripts" / "ocpi_emsp.py"), "--port", str(self.port),
             "--token-a", token_a, "--record", str(self.record)],
            stdout=self.log, stderr=subprocess.STDOUT, env={**os.environ, "SSL_CERT_FILE": str(certificate)})
        self.versions = f"http://127.0.0.1:{self.port}/ocpi/versions"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            assert self.process.poll() is None, (directory / "extrawest.log").read_text()
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.1)
        raise AssertionError("extrawest-ocpi did not start: " + (directory / "extrawest.log").read_text())

    def events(self, event: str | None = None, module: str | None = None) -> list[dict]:
        if not self.record.exists():
            return []
        lines = [json.loads(line) for line in self.record.read_text().splitlines() if line.strip()]
        return [line for line in lines if (event is None or line["event"] == event)
                and (module is None or line["module"] == module)]

    def close(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


def ocpi_put(cloud, path: str, token: str, body: dict) -> dict:
    """A call to the cloud's OCPI interface as the eMSP makes it, with the token the cloud gave it (B)."""
    request = urllib.request.Request(
        f"https://127.0.0.1:{cloud.port}/ocpi{path}", data=json.dumps(body).encode(), method="PUT",
        headers={"Content-Type": "application/json",
                 "Authorization": "Token " + base64.b64encode(token.encode()).decode()})
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    with urllib.request.urlopen(request, timeout=30, context=context) as response:
        return json.loads(response.read())


@pytest.mark.skipif(sys.platform != "linux", reason="the test environment is Debian's")
def test_extrawest_ocpi_registers_and_takes_every_location_tariff_session_and_cdr_the_cloud_pushes(
        make_cloud, broker, tmp_path):
    site = "site-xw"
    cloud = make_cloud(sites=(site,), overrides={"ocpi": CPO})
    assert cloud.api("PUT", f"/api/v1/sites/{site}", {
        "address": "Stationsplein 1", "city": "Amsterdam", "postalCode": "1012 AB", "country": "NLD",
        "latitude": 52.3791, "longitude": 4.9003, "timeZone": "Europe/Amsterdam"})[0] == 200
    tariff = {"currency": "EUR", "elements": [{"price_components": [
        {"type": "ENERGY", "price": 0.30, "vat": 21, "step_size": 1}, {"type": "FLAT", "price": 0.50, "step_size": 1}]}]}
    assert cloud.api("PUT", "/api/v1/tariffs/xw-day", {"name": "Day", "tariff": tariff})[0] == 200
    assert cloud.api("POST", "/api/v1/tariffs/xw-day/assignments", {"site": site})[0] in (200, 201)
    edge = FakeEdge(Peer(broker, "fake-edge-xw"), site)
    edge.send("presence", {"online": True})
    edge.send("station.boot", {"station": "CP-XW", "vendor": "ACME", "model": "W", "approval": "accepted",
                               "time": now_iso()})
    edge.send("station.connection", {"station": "CP-XW", "connected": True, "time": now_iso(), "protocol": "ocpp1.6"})
    for connector in (1, 2):
        edge.send("connector.status", {"station": "CP-XW", "connector": connector, "status": "Available",
                                       "errorCode": "NoError", "time": now_iso()})
    poll(lambda: cloud.get(f"/api/v1/fleet?site={site}")["items"], 15, what="the station")
    # Connector 2 is a CCS cable: extrawest's models take its standard, format and power type too.
    assert cloud.api("PUT", f"/api/v1/sites/{site}/stations/CP-XW/connector-types", {"connectors": [
        {"connector": 2, "standard": "IEC_62196_T2_COMBO", "format": "CABLE", "powerType": "DC", "maxVoltage": 920,
         "maxAmperage": 200, "maxElectricPower": 150000}]})[0] == 200

    certificate = Path(cloud.directory) / "cloud-selfsigned.crt.pem"
    emsp = Extrawest(tmp_path, certificate, token_a="extrawest-token-a")
    try:
        # The cloud registers with extrawest with the token A it gave; extrawest reads the cloud's versions over
        # HTTPS with the token B the cloud posted, and answers its token C.
        status, added = cloud.api("POST", "/api/v1/ocpi/partners", {
            "name": "extrawest", "versionsUrl": emsp.versions, "token": "extrawest-token-a", "sites": [site]})
        assert status == 201 and added["partner"]["state"] == "registered", (added, emsp.log.name)
        partner = added["partner"]
        assert {(e["identifier"], e["role"]) for e in partner["endpoints"]} >= {
            ("locations", "RECEIVER"), ("sessions", "RECEIVER"), ("cdrs", "RECEIVER"), ("tariffs", "RECEIVER")}
        registered = emsp.events("registered")[0]["data"]
        token_b = registered["credentials"]["token"]
        assert registered["credentials"]["roles"][0]["party_id"].upper() == "GRS"  # CiString: lowercased by extrawest

        # The Location and the tariff, taken by extrawest's models.
        location = poll(lambda: emsp.events("create", "locations"), 20, what="the Location")[0]["data"]
        assert location["id"] == site and len(location["evses"]) == 2, location
        # (CiString: extrawest keeps uids in small letters.)
        ccs = next(evse for evse in location["evses"] if evse["uid"].upper() == "CP-XW*2")["connectors"][0]
        assert (ccs["standard"], ccs["format"], ccs["power_type"]) == ("IEC_62196_T2_COMBO", "CABLE", "DC"), ccs
        assert poll(lambda: emsp.events(module="tariffs"), 20, what="the tariff")[0]["data"]["id"] == "xw-day"
        # A status change: the EVSE put, and the Location updated in extrawest's store.
        edge.send("connector.status", {"station": "CP-XW", "connector": 1, "status": "Preparing",
                                       "errorCode": "NoError", "time": now_iso()})

        def charging():
            return [e for e in emsp.events("update", "locations")
                    if any(evse["uid"].upper() == "CP-XW*1" and evse["status"] == "CHARGING" for evse in e["data"]["evses"])]

        poll(charging, 20, what="the EVSE's new status")

        # A driver of the eMSP's charges: its session as it runs and ends, then its CDR, all taken by extrawest.
        driver = {"country_code": "NL", "party_id": "EXT", "uid": "XW-0001", "type": "RFID",
                  "contract_id": "NL-EXT-C00000001-Z", "issuer": "extrawest", "valid": True, "whitelist": "ALLOWED",
                  "last_updated": now_iso()}
        assert ocpi_put(cloud, "/2.2.1/tokens/NL/EXT/XW-0001", token_b, driver)["status_code"] == 1000
        start = {"station": "CP-XW", "connector": 1, "transactionId": 41, "idTag": "XW-0001", "authStatus": "Accepted",
                 "meterStartWh": 1000, "startTime": now_iso(1)}
        edge.send("session.start", start)
        edge.send("session.update", {"station": "CP-XW", "connector": 1, "transactionId": 41, "time": now_iso(2),
                                     "energyWh": 3000, "powerW": 7000, "currentA": 10, "soc": 40})
        poll(lambda: [e for e in emsp.events(module="sessions") if e["data"]["status"] == "ACTIVE"], 20,
             what="the running session")
        edge.send("session.stop", {**start, "meterStopWh": 11_000, "stopTime": now_iso(3), "reason": "EVDisconnected"})
        cdr = poll(lambda: emsp.events("create", "cdrs"), 30, what="the CDR")[0]["data"]
        # 10 kWh at 0.30 with 21 % VAT, and 0.50 once without: 3.50 excluding VAT, 3.63 + 0.50 = 4.13 including it.
        assert cdr["total_energy"] == 10 and cdr["total_cost"]["excl_vat"] == 3.5, cdr
        assert cdr["total_cost"]["incl_vat"] == 4.13, cdr
        assert cdr["cdr_token"]["uid"].upper() == "XW-0001" and cdr["cdr_location"]["id"] == site, cdr
        # The completed session goes out in the same round as the CDR, not necessarily before it.
        poll(lambda: [s for s in emsp.events(module="sessions") if s["data"]["status"] == "COMPLETED"], 20,
             what="the completed session")
        # A correction of the billed session: the credit CDR (cost negated) and the new one pass its models too.
        status, body = cloud.api("POST", f"/api/v1/sessions/{site}/41/corrections", {
            "reason": "goodwill", "exclVat": "3.00", "inclVat": "3.63"})
        assert status == 201, body
        made = poll(lambda: (lambda made: made if len(made) >= 3 else None)(emsp.events("create", "cdrs")), 30,
                    what="the credit CDR and the new one")
        credit, fresh = made[1]["data"], made[2]["data"]
        assert credit["credit"] is True and credit["credit_reference_id"].upper() == cdr["id"].upper(), credit
        assert credit["total_cost"] == {"excl_vat": -3.5, "incl_vat": -4.13}, credit
        assert fresh["total_cost"] == {"excl_vat": 3.0, "incl_vat": 3.63} and not fresh.get("credit"), fresh
        assert fresh["id"].upper() == (cdr["id"] + "-R" + str(body["correction"]["id"])).upper(), fresh
        # Nothing was refused on the way.
        partner = cloud.get(f"/api/v1/ocpi/partners/{partner['id']}")
        assert partner.get("lastFailure") is None, partner
    finally:
        emsp.close()
