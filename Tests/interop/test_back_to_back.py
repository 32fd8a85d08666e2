"""Frames a charger sends back to back, in one TCP write, with no WebSocket pings to wake the edge up: each call gets
its answer, and each answer completes the edge's call, at once (issue 12, item 1). MeterValues are answered on the
connection's event loop; what arrives behind one waits for that answer and must then reach the connection's task
without waiting for the charger's next frame."""

from __future__ import annotations

import json
import threading
import time

from support import HandWebSocket, now_iso, wait_until, arun

PROMPT = 1.0  # s: the bound for an answer to a call sent right behind a MeterValues


def meter_values(unique_id: str, value: int = 1000) -> str:
    sample = {"timestamp": now_iso(), "sampledValue": [
        {"value": str(value), "measurand": "Energy.Active.Import.Register", "unit": "Wh"}]}
    return json.dumps([2, unique_id, "MeterValues", {"connectorId": 1, "meterValue": [sample]}])


def connect(edge, station_id: str) -> HandWebSocket:
    ws = HandWebSocket(edge, station_id)

    def connected() -> bool:
        code, body = edge.get(f"/stations/{station_id}")
        return code == 200 and bool(body.get("connected"))

    arun(wait_until(connected, timeout=10, what=f"{station_id} connected"))
    return ws


def test_a_call_right_behind_meter_values_is_answered_at_once(edge):
    ws = connect(edge, "B2B-1")
    try:
        follow_ups = [
            json.dumps([2, "s1", "StatusNotification", {"connectorId": 1, "errorCode": "NoError", "status": "Available"}]),
            json.dumps([2, "h1", "Heartbeat", {}]),
            json.dumps([2, "a1", "Authorize", {"idTag": "TOKEN-OK"}]),
        ]
        for n, follow_up in enumerate(follow_ups):
            started = time.monotonic()
            ws.send_together(meter_values(f"mv{n}", 1000 + n), follow_up)
            first = ws.receive_json(PROMPT)
            second = ws.receive_json(PROMPT)
            elapsed = time.monotonic() - started
            assert first == [3, f"mv{n}", {}], first
            assert second[0] == 3 and second[1] == json.loads(follow_up)[1], second
            assert elapsed < PROMPT, f"{json.loads(follow_up)[2]} behind MeterValues answered after {elapsed:.2f} s"
    finally:
        ws.close()


def test_a_charger_answer_right_behind_meter_values_completes_the_command(edge):
    """TriggerMessage(MeterValues): the charger sends the MeterValues, then its CALLRESULT, in one write."""
    ws = connect(edge, "B2B-2")
    outcome: dict = {}

    def command():
        started = time.monotonic()
        outcome["answer"] = edge.command("B2B-2", "TriggerMessage", {"requestedMessage": "MeterValues", "connectorId": 1}, 30)
        outcome["seconds"] = time.monotonic() - started

    try:
        thread = threading.Thread(target=command)
        thread.start()
        call = ws.receive_json(10)
        assert call[0] == 2 and call[2] == "TriggerMessage", call
        ws.send_together(meter_values("trig-mv"), json.dumps([3, call[1], {"status": "Accepted"}]))
        assert ws.receive_json(PROMPT) == [3, "trig-mv", {}]
        thread.join(15)
        assert not thread.is_alive(), "the command never ended"
        assert outcome["answer"] == (200, {"status": "Accepted"}), outcome
        assert outcome["seconds"] < PROMPT + 0.5, f"the command took {outcome['seconds']:.2f} s"
    finally:
        ws.close()


def test_meter_values_behind_meter_values_and_a_call_behind_both(edge):
    """Several frames held behind one taken on the event loop, some of which could be taken too."""
    ws = connect(edge, "B2B-3")
    try:
        started = time.monotonic()
        ws.send_together(meter_values("m1", 1), meter_values("m2", 2), json.dumps([2, "h", "Heartbeat", {}]),
                         meter_values("m3", 3))
        answers = [ws.receive_json(PROMPT) for _ in range(4)]
        assert [a[1] for a in answers] == ["m1", "m2", "h", "m3"], answers
        assert all(a[0] == 3 for a in answers), answers
        assert time.monotonic() - started < PROMPT
    finally:
        ws.close()
