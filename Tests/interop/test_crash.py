"""Crash safety: the edge is killed with SIGKILL mid-session and restarted on the same store; the charger
reconnects and resends what it never got an answer to, as a real charger does."""

from __future__ import annotations

import pytest

from ocpp.v16 import call
from support import arun, charger, now_iso


def only_session(edge, station: str) -> dict:
    sessions = edge.sessions(station=station)
    assert len(sessions) == 1, f"exactly one session expected for {station}: {sessions}"
    return sessions[0]


def test_kill_between_start_and_stop_then_the_retried_stop_closes_the_same_session(make_edge):
    edge = make_edge()
    station = "CP-CRASH-1"
    start_time = now_iso(-900)

    async def before_crash():
        async with charger(edge, station) as cp:
            await cp.boot()
            start = await cp.call(call.StartTransaction(
                connector_id=1, id_tag="TOKEN-OK", meter_start=5_000, timestamp=start_time), suppress=False)
            await cp.call(call.MeterValues(connector_id=1, transaction_id=start.transaction_id, meter_value=[
                {"timestamp": now_iso(-600), "sampledValue": [
                    {"value": "6.2", "measurand": "Energy.Active.Import.Register", "unit": "kWh"},
                    {"value": "47", "measurand": "SoC", "unit": "Percent"}]}]), suppress=False)
            # The edge dies right here, before the charger sends its StopTransaction.
            edge.kill9()
            return start.transaction_id

    transaction_id = arun(before_crash())
    edge.start()

    running = only_session(edge, station)
    assert running["transactionId"] == transaction_id
    assert running["active"] is True
    assert running["energyWh"] == pytest.approx(1_200), "the acknowledged MeterValues survived the crash"

    stop_request = call.StopTransaction(
        meter_stop=12_345, timestamp=now_iso(-5), transaction_id=transaction_id, reason="Local", id_tag="TOKEN-OK",
        transaction_data=[{"timestamp": now_iso(-5), "sampledValue": [
            {"value": "12345", "measurand": "Energy.Active.Import.Register", "unit": "Wh",
             "context": "Transaction.End"}]}])

    async def after_restart():
        async with charger(edge, station) as cp:
            assert (await cp.boot()).status == "Accepted"
            stop = await cp.call(stop_request, suppress=False)
            assert stop.id_tag_info["status"] == "Accepted"
            # Its answer may have been lost too: a second resend changes nothing.
            await cp.call(stop_request, suppress=False)

    arun(after_restart())
    session = only_session(edge, station)
    assert session["transactionId"] == transaction_id
    assert session["recordedFrom"] == "start"
    assert session["active"] is False
    assert session["meterStartWh"] == 5_000
    assert session["meterStopWh"] == 12_345
    assert session["energyWh"] == pytest.approx(7_345)
    assert session["stopReason"] == "Local"
    assert edge.sessions(active=True) == []


def test_kill_right_after_a_start_answer_then_the_retried_start_gets_the_same_id(make_edge):
    edge = make_edge()
    station = "CP-CRASH-2"
    request = call.StartTransaction(connector_id=2, id_tag="TOKEN-OK", meter_start=777, timestamp=now_iso(-60))

    async def first_attempt():
        async with charger(edge, station) as cp:
            await cp.boot()
            answer = await cp.call(request, suppress=False)
            edge.kill9()  # the answer arrived, but say the charger never processed it
            return answer.transaction_id

    first_id = arun(first_attempt())
    edge.start()

    async def retry():
        async with charger(edge, station) as cp:
            await cp.boot()
            answer = await cp.call(request, suppress=False)
            return answer.transaction_id

    assert arun(retry()) == first_id
    session = only_session(edge, station)
    assert session["transactionId"] == first_id
    assert session["active"] is True
    assert session["meterStartWh"] == 777


def test_transaction_ids_stay_unique_across_restarts(make_edge):
    edge = make_edge()
    station = "CP-CRASH-3"

    async def start_sessions(count: int, base_meter: int) -> list[int]:
        ids = []
        async with charger(edge, station) as cp:
            await cp.boot()
            for n in range(count):
                answer = await cp.call(call.StartTransaction(
                    connector_id=1, id_tag="TOKEN-OK", meter_start=base_meter + n, timestamp=now_iso(-n)),
                    suppress=False)
                ids.append(answer.transaction_id)
        return ids

    before = arun(start_sessions(3, 100))
    edge.kill9()
    edge.start()
    after_kill = arun(start_sessions(2, 200))
    assert edge.stop() == 0
    edge.start()
    after_stop = arun(start_sessions(2, 300))

    everything = before + after_kill + after_stop
    assert len(set(everything)) == len(everything), everything
    assert min(after_kill) > max(before), (before, after_kill)
    assert min(after_stop) > max(after_kill), (after_kill, after_stop)
    assert sorted(s["transactionId"] for s in edge.sessions(station=station)) == sorted(everything)
