"""Every charger-initiated OCPP 1.6J action, sent by the `ocpp` library's ChargePoint to the real edge.

The library validates every answer the edge sends against the official response schema (a schema violation
raises), so each `cp.call` below also checks the edge's answer is valid OCPP 1.6.
"""

from __future__ import annotations

import asyncio
import json

import pytest

from ocpp.v16 import call
from support import arun, charger, exchange, now_iso, parse_time, raw_socket


def find_session(sessions: list[dict], transaction_id: int) -> dict:
    matching = [s for s in sessions if s["transactionId"] == transaction_id]
    assert len(matching) == 1, (transaction_id, sessions)
    return matching[0]


def test_every_charger_initiated_action_is_answered_and_recorded(edge):
    station = "CP-ACTIONS-1"

    async def body():
        async with charger(edge, station) as cp:
            # BootNotification: accepted, with the configured heartbeat interval; what it says is kept.
            boot = await cp.boot(
                charge_point_serial_number="SN-0001", charge_box_serial_number="BOX-0001",
                firmware_version="4.2.1", iccid="8944500000000000001", imsi="001010000000001",
                meter_type="AC-Meter", meter_serial_number="M-77")
            assert boot.status == "Accepted"
            assert boot.interval == 120
            assert abs((parse_time(boot.current_time) - parse_time(now_iso())).total_seconds()) < 60

            heartbeat = await cp.call(call.Heartbeat(), suppress=False)
            assert abs((parse_time(heartbeat.current_time) - parse_time(now_iso())).total_seconds()) < 60

            # StatusNotification: a normal one, then an error with every error field.
            await cp.call(call.StatusNotification(connector_id=0, error_code="NoError", status="Available"), suppress=False)
            await cp.call(call.StatusNotification(
                connector_id=1, error_code="NoError", status="Available", timestamp=now_iso(-5)), suppress=False)
            await cp.call(call.StatusNotification(
                connector_id=2, error_code="GroundFailure", status="Faulted", timestamp=now_iso(),
                info="RCD tripped", vendor_id="com.interop", vendor_error_code="E-0042"), suppress=False)

            # Authorize: known, blocked, expired, unknown (policy reject), parent id tag passed on.
            known = await cp.call(call.Authorize(id_tag="TOKEN-OK"), suppress=False)
            assert known.id_tag_info["status"] == "Accepted"
            blocked = await cp.call(call.Authorize(id_tag="TOKEN-BLOCKED"), suppress=False)
            assert blocked.id_tag_info["status"] == "Blocked"
            expired = await cp.call(call.Authorize(id_tag="TOKEN-EXPIRED"), suppress=False)
            assert expired.id_tag_info["status"] == "Expired"
            unknown = await cp.call(call.Authorize(id_tag="NOBODY-KNOWS-ME"), suppress=False)
            assert unknown.id_tag_info["status"] == "Invalid"
            child = await cp.call(call.Authorize(id_tag="TOKEN-CHILD"), suppress=False)
            assert child.id_tag_info["status"] == "Accepted"
            assert child.id_tag_info.get("parent_id_tag") == "FLEET-PARENT"

            # A session: start at 1000 Wh.
            start_time = now_iso(-600)
            start = await cp.call(call.StartTransaction(
                connector_id=1, id_tag="TOKEN-OK", meter_start=1000, timestamp=start_time), suppress=False)
            assert start.id_tag_info["status"] == "Accepted"
            transaction_id = start.transaction_id
            assert isinstance(transaction_id, int)

            # MeterValues: several measurands, phases L1-L3, units kWh/W/A/V/Percent, contexts, locations.
            await cp.call(call.MeterValues(connector_id=1, transaction_id=transaction_id, meter_value=[
                {"timestamp": now_iso(-300), "sampledValue": [
                    {"value": "1.5", "measurand": "Energy.Active.Import.Register", "unit": "kWh",
                     "context": "Sample.Periodic", "location": "Outlet", "format": "Raw"},
                    {"value": "7360", "measurand": "Power.Active.Import", "unit": "W", "context": "Sample.Periodic"},
                    {"value": "10.5", "measurand": "Current.Import", "phase": "L1", "unit": "A"},
                    {"value": "10.5", "measurand": "Current.Import", "phase": "L2", "unit": "A"},
                    {"value": "11.0", "measurand": "Current.Import", "phase": "L3", "unit": "A"},
                    {"value": "231.2", "measurand": "Voltage", "phase": "L1-N", "unit": "V"},
                    {"value": "229.8", "measurand": "Voltage", "phase": "L2-N", "unit": "V"},
                    {"value": "230.4", "measurand": "Voltage", "phase": "L3-N", "unit": "V"},
                    {"value": "55", "measurand": "SoC", "unit": "Percent", "location": "EV"},
                    {"value": "22", "measurand": "Current.Offered", "unit": "A", "context": "Sample.Clock"},
                ]},
            ]), suppress=False)
            await cp.call(call.MeterValues(connector_id=1, transaction_id=transaction_id, meter_value=[
                {"timestamp": now_iso(-200), "sampledValue": [
                    {"value": "2.25", "measurand": "Energy.Active.Import.Register", "unit": "kWh",
                     "context": "Sample.Periodic"},
                    {"value": "3600", "measurand": "Power.Active.Import", "phase": "L1", "unit": "W"},
                    {"value": "3600", "measurand": "Power.Active.Import", "phase": "L2", "unit": "W"},
                    {"value": "3600", "measurand": "Power.Active.Import", "phase": "L3", "unit": "W"},
                    {"value": "61", "measurand": "SoC", "unit": "Percent", "location": "EV"},
                ]},
            ]), suppress=False)

            active = await asyncio.to_thread(edge.sessions, True)
            running = find_session(active, transaction_id)
            assert running["active"] is True
            assert running["stationId"] == station
            assert running["connectorId"] == 1
            assert running["idTag"] == "TOKEN-OK"
            assert running["meterStartWh"] == 1000
            assert running["energyWh"] == pytest.approx(2250 - 1000), "kWh meter values must be normalized to Wh"
            assert running["powerW"] == pytest.approx(10800), "per-phase power is summed"
            assert running["soc"] == pytest.approx(61)
            assert parse_time(running["startTime"]) == parse_time(start_time)
            assert running["recordedFrom"] == "start"

            # A meter value without a transaction (connector 0, clock-aligned) is accepted too.
            await cp.call(call.MeterValues(connector_id=0, meter_value=[
                {"timestamp": now_iso(), "sampledValue": [
                    {"value": "123456", "measurand": "Energy.Active.Import.Register", "unit": "Wh",
                     "context": "Sample.Clock", "location": "Inlet"},
                    {"value": "50.0", "measurand": "Frequency"},
                ]},
            ]), suppress=False)

            # StopTransaction with transactionData.
            stop = await cp.call(call.StopTransaction(
                meter_stop=25000, timestamp=now_iso(-10), transaction_id=transaction_id, reason="EVDisconnected",
                id_tag="TOKEN-OK", transaction_data=[
                    {"timestamp": now_iso(-100), "sampledValue": [
                        {"value": "20.0", "measurand": "Energy.Active.Import.Register", "unit": "kWh",
                         "context": "Sample.Periodic"},
                        {"value": "78", "measurand": "SoC", "unit": "Percent"},
                    ]},
                    {"timestamp": now_iso(-10), "sampledValue": [
                        {"value": "25000", "measurand": "Energy.Active.Import.Register", "unit": "Wh",
                         "context": "Transaction.End"},
                        {"value": "80", "measurand": "SoC", "unit": "Percent", "context": "Transaction.End"},
                    ]},
                ]), suppress=False)
            assert stop.id_tag_info["status"] == "Accepted"

            # DataTransfer: no vendor extension is implemented.
            transfer = await cp.call(call.DataTransfer(
                vendor_id="com.example.vendor", message_id="Hello", data='{"a":1}'), suppress=False)
            assert transfer.status == "UnknownVendorId"

            # Firmware and diagnostics status notifications.
            for status in ["Downloading", "Downloaded", "Installing", "Installed", "Idle"]:
                await cp.call(call.FirmwareStatusNotification(status=status), suppress=False)
            for status in ["Uploading", "Uploaded", "Idle"]:
                await cp.call(call.DiagnosticsStatusNotification(status=status), suppress=False)

            return transaction_id

    transaction_id = arun(body())

    finished = edge.sessions(active=False)
    session = find_session(finished, transaction_id)
    assert session["active"] is False
    assert session["meterStartWh"] == 1000
    assert session["meterStopWh"] == 25000
    assert session["energyWh"] == pytest.approx(24000), "energy is meterStop - meterStart, in Wh"
    assert session["stopReason"] == "EVDisconnected"
    assert session["soc"] == pytest.approx(80), "the last state of charge is kept"
    assert all(s["transactionId"] != transaction_id for s in edge.sessions(active=True))

    info = edge.station(station)
    assert info["vendor"] == "Interop"
    assert info["model"] == "PyCharger-1"
    assert info["serialNumber"] == "SN-0001"
    assert info["firmwareVersion"] == "4.2.1"
    connectors = {c["connectorId"]: c for c in info["connectors"]}
    assert connectors[1]["status"] == "Available"
    faulted = connectors[2]
    assert faulted["status"] == "Faulted"
    assert faulted["errorCode"] == "GroundFailure"
    assert faulted["vendorErrorCode"] == "E-0042"
    assert faulted["vendorId"] == "com.interop"
    assert faulted["info"] == "RCD tripped"


def test_retried_start_transaction_gets_the_same_transaction_id(edge):
    async def body():
        async with charger(edge, "CP-RETRY-1") as cp:
            await cp.boot()
            request = call.StartTransaction(connector_id=1, id_tag="TOKEN-OK", meter_start=4321, timestamp=now_iso(-30))
            first = await cp.call(request, suppress=False)
            again = await cp.call(request, suppress=False)
            third = await cp.call(request, suppress=False)
            assert first.transaction_id == again.transaction_id == third.transaction_id
            # A different start (other meter reading) is a new session.
            other = await cp.call(call.StartTransaction(
                connector_id=2, id_tag="TOKEN-OK", meter_start=10, timestamp=now_iso()), suppress=False)
            assert other.transaction_id != first.transaction_id
            return first.transaction_id, other.transaction_id

    first, other = arun(body())
    mine = edge.sessions(station="CP-RETRY-1")
    assert sorted(s["transactionId"] for s in mine) == sorted([first, other])
    assert len([s for s in edge.sessions(active=True) if s["transactionId"] == first]) == 1


def test_stop_of_a_transaction_the_edge_never_saw_is_recorded_from_the_stop(edge):
    unseen = 987_650

    async def body():
        async with charger(edge, "CP-OFFLINE-1") as cp:
            await cp.boot()
            stop = await cp.call(call.StopTransaction(
                meter_stop=15_500, timestamp=now_iso(-3 * 86400), transaction_id=unseen, reason="PowerLoss",
                id_tag="TOKEN-OK", transaction_data=[
                    {"timestamp": now_iso(-4 * 86400), "sampledValue": [
                        {"value": "12.0", "measurand": "Energy.Active.Import.Register", "unit": "kWh",
                         "context": "Transaction.Begin"}]},
                    {"timestamp": now_iso(-3 * 86400), "sampledValue": [
                        {"value": "15.5", "measurand": "Energy.Active.Import.Register", "unit": "kWh",
                         "context": "Transaction.End"}]},
                ]), suppress=False)
            assert stop.id_tag_info["status"] == "Accepted"
            # The charger resends it (its answer got lost): still one session.
            await cp.call(call.StopTransaction(
                meter_stop=15_500, timestamp=now_iso(-3 * 86400), transaction_id=unseen, reason="PowerLoss"),
                suppress=False)

    arun(body())
    mine = edge.sessions(station="CP-OFFLINE-1")
    assert len(mine) == 1, mine
    session = mine[0]
    assert session["recordedFrom"] == "stop"
    assert session["active"] is False
    assert unseen in (session["transactionId"], session.get("chargerTransactionId"))
    assert session["meterStopWh"] == 15_500
    assert session["meterStartWh"] == pytest.approx(12_000), "Transaction.Begin value gives the start reading"
    assert session["energyWh"] == pytest.approx(3_500)
    assert session["stopReason"] == "PowerLoss"


def test_messages_queued_offline_with_old_timestamps_are_accepted(edge):
    async def body():
        async with charger(edge, "CP-QUEUED-1") as cp:
            await cp.boot()
            week_ago = now_iso(-7 * 86400)
            await cp.call(call.StatusNotification(
                connector_id=1, error_code="NoError", status="Charging", timestamp=week_ago), suppress=False)
            start = await cp.call(call.StartTransaction(
                connector_id=1, id_tag="TOKEN-OK", meter_start=0, timestamp=week_ago), suppress=False)
            await cp.call(call.MeterValues(connector_id=1, transaction_id=start.transaction_id, meter_value=[
                {"timestamp": now_iso(-7 * 86400 + 600), "sampledValue": [
                    {"value": "3000", "measurand": "Energy.Active.Import.Register", "unit": "Wh"}]}]),
                suppress=False)
            await cp.call(call.StopTransaction(
                meter_stop=6000, timestamp=now_iso(-7 * 86400 + 1800), transaction_id=start.transaction_id),
                suppress=False)
            return start.transaction_id, week_ago

    transaction_id, week_ago = arun(body())
    session = find_session(edge.sessions(station="CP-QUEUED-1"), transaction_id)
    assert parse_time(session["startTime"]) == parse_time(week_ago)
    assert session["energyWh"] == pytest.approx(6000)
    assert session["active"] is False


def test_charger_timestamps_are_recorded_to_the_millisecond(edge):
    # Fixed instants with milliseconds: each must come back as the same instant, not a millisecond earlier.
    start_time = "2026-11-18T08:32:43.989Z"
    stop_time = "2026-11-18T08:32:43.982Z"
    status_time = "2026-11-18T08:32:43.976Z"

    async def body():
        async with charger(edge, "CP-MILLIS-1") as cp:
            await cp.boot()
            await cp.call(call.StatusNotification(
                connector_id=1, error_code="NoError", status="Preparing", timestamp=status_time), suppress=False)
            start = await cp.call(call.StartTransaction(
                connector_id=1, id_tag="TOKEN-OK", meter_start=0, timestamp=start_time), suppress=False)
            await cp.call(call.StopTransaction(
                meter_stop=100, timestamp=stop_time, transaction_id=start.transaction_id), suppress=False)
            return start.transaction_id

    transaction_id = arun(body())
    session = find_session(edge.sessions(station="CP-MILLIS-1"), transaction_id)
    connector = {c["connectorId"]: c for c in edge.station("CP-MILLIS-1")["connectors"]}[1]
    recorded = [session["startTime"], session["stopTime"], connector["since"]]
    assert [parse_time(t) for t in recorded] == [parse_time(t) for t in (start_time, stop_time, status_time)], recorded


def test_a_stop_whose_meter_data_breaks_the_schema_still_closes_its_session(edge):
    """Refusing such a stop would make the charger resend it forever and the session would never close."""

    async def scenario():
        async with raw_socket(edge, "CP-LENIENT") as ws:
            start = await exchange(ws, json.dumps([2, "s1", "StartTransaction", {
                "connectorId": 1, "idTag": "TOKEN-OK", "meterStart": 100, "timestamp": now_iso(-600)}]))
            transaction_id = start[2]["transactionId"]
            stop = await exchange(ws, json.dumps([2, "s2", "StopTransaction", {
                "transactionId": transaction_id, "meterStop": 2100, "timestamp": now_iso(), "idTag": "TOKEN-OK",
                "transactionData": [{"timestamp": now_iso(), "sampledValue": [
                    {"value": "2100", "measurand": "Energy.Sideways"}]}]}]))
            assert stop[0] == 3, stop
            assert stop[2]["idTagInfo"]["status"] == "Accepted"
            broken = await exchange(ws, json.dumps([2, "s3", "StopTransaction", {
                "transactionId": "not-a-number", "meterStop": 2100, "timestamp": now_iso()}]))
            assert broken[:3] == [4, "s3", "TypeConstraintViolation"]
            return transaction_id

    transaction_id = arun(scenario())
    session = next(s for s in edge.sessions(station="CP-LENIENT") if s["transactionId"] == transaction_id)
    assert session["active"] is False and session["energyWh"] == 2000
    line = edge.wait_for_log(r"stop accepted without its transactionData")
    assert "station=CP-LENIENT" in line


def test_sessions_are_listed_page_by_page_with_a_link_to_the_next(edge):
    """`GET /sessions` answers at most `limit` sessions and a `Link: <…>; rel="next"` header while there are more."""
    import re
    import urllib.request

    async def body():
        async with charger(edge, "CP-PAGES-1") as cp:
            await cp.boot()
            ids = []
            for n in range(7):
                started = await cp.call(call.StartTransaction(
                    connector_id=1, id_tag="TOKEN-OK", meter_start=1000 * n, timestamp=now_iso(-60 + n)), suppress=False)
                await cp.call(call.StopTransaction(
                    meter_stop=1000 * n + 500, timestamp=now_iso(-59 + n), transaction_id=started.transaction_id))
                ids.append(started.transaction_id)
            return ids

    ids = arun(body())
    seen: list[int] = []
    path = "/sessions?station=CP-PAGES-1&limit=3"
    pages = 0
    while path:
        with urllib.request.urlopen(f"http://127.0.0.1:{edge.http_port}{path}", timeout=10) as response:
            page = json.load(response)
            link = response.headers.get("Link")
        pages += 1
        assert len(page) <= 3
        seen += [s["transactionId"] for s in page]
        match = re.fullmatch(r'<(/sessions\?[^>]+)>; rel="next"', link) if link else None
        assert (match is not None) == (len(seen) < len(ids)), (link, seen)
        if match:
            assert "station=CP-PAGES-1" in match.group(1) and "limit=3" in match.group(1)
        path = match.group(1) if match else None
    assert pages == 3
    assert seen == sorted(ids, reverse=True), "every session once, newest first"
    # A cursor the edge did not hand out is refused with the reason.
    code, problem = edge.get("/sessions?cursor=yesterday")
    assert code == 400 and "cursor" in problem["detail"], problem
