"""The site simulator against independent peers: its chargers fetch the firmware an UpdateFirmware names over real
HTTP (an image that is there is downloaded, installed and booted with; one that is not ends in DownloadFailed and
the old firmware stays), driven through the real edge's command API and served by Python's own HTTP server; and a
charger whose central system goes away while a call waits for its answer is offline at once and reconnects."""

from __future__ import annotations

import asyncio
import functools
import http.server
import json
import subprocess
import threading
import time

from websockets.asyncio.server import serve

from meters import free_port
from support import arun, metric_sum, now_iso, poll
from test_load_management import sim_binary


class Requests(http.server.SimpleHTTPRequestHandler):
    seen: list[tuple[str, int]] = []

    def log_request(self, code="-", size="-"):
        Requests.seen.append((self.path, int(code)))


def test_simulated_chargers_download_the_firmware_they_are_sent(make_edge, tmp_path):
    images = tmp_path / "images"
    images.mkdir()
    (images / "fw-2.0.bin").write_bytes(b"\x7fGRIDSIDE" * 10_000)
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Requests, directory=str(images)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    edge = make_edge({"authorization": {"unknown_tokens": "accept"}})
    log = open(tmp_path / "sim.log", "w")
    sim = subprocess.Popen(
        [str(sim_binary()), "--url", f"ws://127.0.0.1:{edge.ocpp_port}/ocpp", "--stations", "2", "--connectors", "1",
         "--no-auto-sessions", "--meter-port", str(free_port())],
        stdout=log, stderr=subprocess.STDOUT)
    try:
        poll(lambda: all(edge.get(f"/stations/SIM-00{n}")[1].get("connected") for n in (1, 2)), timeout=30,
             what="both simulated chargers connected")
        assert edge.get("/stations/SIM-001")[1]["firmwareVersion"] == "1.0.0"
        status, answer = edge.command(
            "SIM-001", "UpdateFirmware", {"location": f"{base}/fw-2.0.bin", "retrieveDate": now_iso()})
        assert status == 200, answer
        status, answer = edge.command(
            "SIM-002", "UpdateFirmware",
            {"location": f"{base}/missing.bin", "retrieveDate": now_iso(), "retries": 1, "retryInterval": 1})
        assert status == 200, answer
        # Installed: the charger reboots and boots again with the new version.
        poll(lambda: edge.get("/stations/SIM-001")[1].get("firmwareVersion") == "fw-2.0.bin", timeout=30,
             what="SIM-001 booted with the new firmware")
        assert ("/fw-2.0.bin", 200) in Requests.seen
        # Not there: asked twice (one retry), then DownloadFailed; the old firmware stays.
        poll(lambda: Requests.seen.count(("/missing.bin", 404)) == 2, timeout=30, what="the missing image asked twice")
        poll(lambda: "firmware download failed" in (tmp_path / "sim.log").read_text(), timeout=10,
             what="the failed download logged")
        assert edge.get("/stations/SIM-002")[1]["firmwareVersion"] == "1.0.0"
        # Downloading, Downloaded, Installing, Installed from one; Downloading twice and DownloadFailed from the other.
        poll(lambda: metric_sum(edge.get("/metrics")[1], "ocpp_messages_total", action="FirmwareStatusNotification",
                                direction="in") == 7, timeout=10, what="seven FirmwareStatusNotifications")
    finally:
        sim.terminate()
        sim.wait(10)
        log.close()
        server.shutdown()


def test_a_charger_whose_central_system_goes_away_during_a_call_reconnects_at_once(tmp_path):
    """The central system reads the BootNotification, never answers it, and drops the connection: the charger must
    not wait out its 30 s call timeout before it is offline (applying its own profiles) and connects again."""
    connections: list[float] = []
    port = free_port()

    async def central(ws):
        connections.append(time.monotonic())
        frame = json.loads(await ws.recv())
        assert frame[0] == 2 and frame[2] == "BootNotification", frame
        if len(connections) == 1:
            await asyncio.sleep(0.5)
            ws.transport.abort()  # gone, as a killed process is: no close handshake
            return
        await ws.send(json.dumps([3, frame[1], {"status": "Accepted", "currentTime": now_iso(), "interval": 300}]))
        await asyncio.sleep(5)

    async def scenario():
        async with serve(central, "127.0.0.1", port, subprotocols=["ocpp1.6"]):
            log = open(tmp_path / "sim.log", "w")
            sim = await asyncio.create_subprocess_exec(
                str(sim_binary()), "--url", f"ws://127.0.0.1:{port}/ocpp", "--stations", "1", "--connectors", "1",
                "--no-auto-sessions", stdout=log, stderr=subprocess.STDOUT)
            try:
                deadline = time.monotonic() + 10
                while len(connections) < 2 and time.monotonic() < deadline:
                    await asyncio.sleep(0.1)
            finally:
                sim.terminate()
                await sim.wait()
                log.close()

    arun(scenario(), timeout=30)
    assert len(connections) >= 2, "the charger did not connect again"
    assert connections[1] - connections[0] < 5, f"reconnected after {connections[1] - connections[0]:.1f} s"


def test_a_simulated_charger_faults_when_asked(make_edge, tmp_path):
    """`gridside-sim --fault-after`: the first charger's connector 1 ends its session and reports Faulted with the
    charger's error and vendor codes (what the demo's notification tells), the others go on."""
    edge = make_edge({"authorization": {"unknown_tokens": "accept"}})
    log = open(tmp_path / "sim.log", "w")
    sim = subprocess.Popen(
        [str(sim_binary()), "--url", f"ws://127.0.0.1:{edge.ocpp_port}/ocpp", "--stations", "2", "--connectors", "1",
         "--fault-after", "3"], stdout=log, stderr=subprocess.STDOUT)
    try:
        def connector(station):
            connectors = edge.get(f"/stations/{station}")[1].get("connectors") or []
            return next((c for c in connectors if c["connectorId"] == 1), {})

        poll(lambda: connector("SIM-001").get("status") == "Faulted", timeout=30, what="SIM-001 faulted")
        faulted = connector("SIM-001")
        assert faulted.get("errorCode") == "GroundFailure" and faulted.get("vendorErrorCode") == "SIM-E42", faulted
        assert connector("SIM-002").get("status") != "Faulted"
    finally:
        sim.terminate()
        sim.wait(10)
        log.close()
