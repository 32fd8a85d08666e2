"""A minute of one charger flooding the edge (security review, findings 6 and 7; issue 13's soak test): it pipelines
MeterValues and sends DataTransfer messages of 60 KiB as fast as its socket takes them, while another charger goes
about its business. The edge's memory and database stay under the bounds below, the other charger is answered
promptly throughout, every MeterValues the edge answered is in its store, and DataTransfers past the station's share
are refused (CALLERROR) rather than stored."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
from pathlib import Path

from ocpp.v16 import call
from websockets.asyncio.client import connect as ws_connect

from support import arun, charger, metric_sum, now_iso

SOAK_S = 60
# Bounds, with room over what the debug build measured (README, "Tests"): resident memory of the edge at the end,
# and the store with its write-ahead log.
RSS_BOUND_MB = 150
STORE_BOUND_MB = 64
# The calm charger's slowest answer while the other floods.
PROMPT_S = 2.0


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def store_mb(directory: Path) -> float:
    return sum(p.stat().st_size for p in directory.glob("edge.sqlite*")) / (1 << 20)


def test_a_charger_flooding_for_a_minute_is_bounded_and_the_others_are_served(make_edge):
    edge = make_edge()
    pid = edge.proc.pid
    start_rss = rss_mb(pid)
    sent = {"mv": 0, "dt": 0}
    answers: dict[str, int] = {"mv_ok": 0, "mv_error": 0, "dt_ok": 0, "dt_error": 0}
    latencies: list[float] = []

    async def flood():
        async with ws_connect(edge.ws_url("FLOOD-1"), subprotocols=["ocpp1.6"], max_size=1 << 20) as ws:
            await ws.send(json.dumps([2, "boot", "BootNotification",
                                      {"chargePointVendor": "Flood", "chargePointModel": "F1"}]))
            assert json.loads(await ws.recv())[2]["status"] == "Accepted"

            async def read():
                async for text in ws:
                    frame = json.loads(text)
                    kind = "mv" if frame[1].startswith("mv") else "dt"
                    answers[f"{kind}_{'ok' if frame[0] == 3 else 'error'}"] += 1

            reader = asyncio.create_task(read())
            blob = "x" * (60 * 1024)
            deadline = time.monotonic() + SOAK_S
            n = 0
            while time.monotonic() < deadline:
                n += 1
                for k in range(10):
                    sample = {"timestamp": now_iso(), "sampledValue": [
                        {"value": str(n * 10 + k), "measurand": "Energy.Active.Import.Register", "unit": "Wh"}]}
                    await ws.send(json.dumps([2, f"mv{n}-{k}", "MeterValues", {"connectorId": 1, "meterValue": [sample]}]))
                    sent["mv"] += 1
                await ws.send(json.dumps([2, f"dt{n}", "DataTransfer", {"vendorId": "Flood", "data": blob}]))
                sent["dt"] += 1
            # Every call answered before the connection ends.
            for _ in range(300):
                if sum(answers.values()) >= sent["mv"] + sent["dt"]:
                    break
                await asyncio.sleep(0.1)
            reader.cancel()

    async def calm():
        async with charger(edge, "CALM-1") as cp:
            await cp.boot()
            deadline = time.monotonic() + SOAK_S
            while time.monotonic() < deadline:
                started = time.monotonic()
                await cp.call(call.Heartbeat(), suppress=False)
                await cp.call(call.StatusNotification(connector_id=1, error_code="NoError", status="Available"),
                              suppress=False)
                latencies.append(time.monotonic() - started)
                await asyncio.sleep(1)

    async def both():
        await asyncio.gather(flood(), calm())

    arun(both(), timeout=SOAK_S + 60)
    end_rss = rss_mb(pid)
    size = store_mb(edge.directory)
    print(f"\nsoak: {sent['mv']} MeterValues and {sent['dt']} DataTransfers sent in {SOAK_S} s; answers {answers}; "
          f"edge RSS {start_rss:.0f} -> {end_rss:.0f} MB; store {size:.1f} MB; "
          f"calm charger's slowest answer {max(latencies):.3f} s")
    assert sum(answers.values()) == sent["mv"] + sent["dt"], (sent, answers)
    assert end_rss < RSS_BOUND_MB, f"edge RSS {end_rss:.0f} MB"
    assert size < STORE_BOUND_MB, f"store {size:.1f} MB"
    assert len(latencies) >= SOAK_S // 2 and max(latencies) < PROMPT_S, latencies
    # DataTransfers past the station's share were refused, not stored; every answered MeterValues is stored.
    assert answers["dt_error"] > 0 and answers["dt_ok"] <= 20 + SOAK_S + 5, answers
    assert metric_sum(edge.metrics(), "ocpp_rate_limited_total", action="DataTransfer") == answers["dt_error"]
    with sqlite3.connect(f"file:{edge.directory / 'edge.sqlite'}?mode=ro", uri=True) as db:
        stored = db.execute("SELECT COUNT(*) FROM meter_sample WHERE station_id = 'FLOOD-1'").fetchone()[0]
        transfers = db.execute(
            "SELECT COUNT(*) FROM event WHERE station_id = 'FLOOD-1' AND kind = 'data_transfer'").fetchone()[0]
    assert stored == answers["mv_ok"] and answers["mv_error"] == 0, (stored, answers)
    assert transfers == answers["dt_ok"]
