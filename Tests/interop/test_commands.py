"""Every CSMS-initiated OCPP 1.6 call, sent through the edge's local HTTP API to a ChargePoint of the `ocpp`
library, which validates each CALL against the official request schema before its handler runs (an invalid
CALL is answered with a CALLERROR, which the HTTP API would turn into a 502)."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from pathlib import Path

import pytest

from support import CSMS_ACTIONS, arun, charger, metric_sum, raw_socket, recv_json, same_json

FUTURE = "2030-06-01T12:00:00Z"
PAST = "2026-01-01T00:00:00Z"

# action -> (request payload, the charger's answer)
COMMANDS: dict[str, tuple[dict, dict]] = {
    "RemoteStartTransaction": (
        {"connectorId": 1, "idTag": "TOKEN-OK", "chargingProfile": {
            "chargingProfileId": 7, "stackLevel": 0, "chargingProfilePurpose": "TxProfile",
            "chargingProfileKind": "Relative", "chargingSchedule": {
                "chargingRateUnit": "A", "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 16.0, "numberPhases": 3}]}}},
        {"status": "Accepted"}),
    "RemoteStopTransaction": ({"transactionId": 42}, {"status": "Rejected"}),
    "ChangeAvailability": ({"connectorId": 0, "type": "Inoperative"}, {"status": "Scheduled"}),
    "Reset": ({"type": "Soft"}, {"status": "Accepted"}),
    "UnlockConnector": ({"connectorId": 1}, {"status": "Unlocked"}),
    "ChangeConfiguration": ({"key": "HeartbeatInterval", "value": "120"}, {"status": "RebootRequired"}),
    "GetConfiguration": (
        {"key": ["HeartbeatInterval", "NoSuchKey"]},
        {"configurationKey": [{"key": "HeartbeatInterval", "readonly": False, "value": "120"}],
         "unknownKey": ["NoSuchKey"]}),
    "ClearCache": ({}, {"status": "Accepted"}),
    "TriggerMessage": ({"requestedMessage": "StatusNotification", "connectorId": 1}, {"status": "Accepted"}),
    "UpdateFirmware": (
        {"location": "https://firmware.example.com/fw-2.0.bin", "retries": 3, "retrieveDate": FUTURE,
         "retryInterval": 60},
        {}),
    "GetDiagnostics": (
        {"location": "ftp://diagnostics.example.com/upload/", "retries": 2, "retryInterval": 30,
         "startTime": PAST, "stopTime": FUTURE},
        {"fileName": "diagnostics-CP-CMD-1.zip"}),
    "SendLocalList": (
        {"listVersion": 3, "updateType": "Full", "localAuthorizationList": [
            {"idTag": "TOKEN-OK", "idTagInfo": {"status": "Accepted", "expiryDate": FUTURE, "parentIdTag": "FLEET"}},
            {"idTag": "TOKEN-BLOCKED", "idTagInfo": {"status": "Blocked"}},
            {"idTag": "TOKEN-REMOVED"}]},
        {"status": "Accepted"}),
    "GetLocalListVersion": ({}, {"listVersion": 3}),
    "ReserveNow": (
        {"connectorId": 1, "expiryDate": FUTURE, "idTag": "TOKEN-OK", "parentIdTag": "FLEET", "reservationId": 11},
        {"status": "Occupied"}),
    "CancelReservation": ({"reservationId": 11}, {"status": "Accepted"}),
    "SetChargingProfile": (
        {"connectorId": 1, "csChargingProfiles": {
            "chargingProfileId": 8, "transactionId": 42, "stackLevel": 1, "chargingProfilePurpose": "TxProfile",
            "chargingProfileKind": "Absolute", "recurrencyKind": "Daily", "validFrom": PAST, "validTo": FUTURE,
            "chargingSchedule": {
                "duration": 3600, "startSchedule": PAST, "chargingRateUnit": "W",
                "chargingSchedulePeriod": [
                    {"startPeriod": 0, "limit": 11000.0},
                    {"startPeriod": 1800, "limit": 7400.5, "numberPhases": 1}],
                "minChargingRate": 1400.0}}},
        {"status": "Accepted"}),
    "ClearChargingProfile": (
        {"id": 8, "connectorId": 1, "chargingProfilePurpose": "TxProfile", "stackLevel": 1},
        {"status": "Unknown"}),
    "GetCompositeSchedule": (
        {"connectorId": 1, "duration": 3600, "chargingRateUnit": "A"},
        {"status": "Accepted", "connectorId": 1, "scheduleStart": PAST, "chargingSchedule": {
            "duration": 3600, "startSchedule": PAST, "chargingRateUnit": "A",
            "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 16.0, "numberPhases": 3},
                                       {"startPeriod": 600, "limit": 10.5}],
            "minChargingRate": 6.0}}),
    "DataTransfer": (
        {"vendorId": "com.gridside.interop", "messageId": "Ping", "data": '{"seq":1}'},
        {"status": "Accepted", "data": "Pong"}),
}


def test_the_command_table_covers_every_csms_initiated_action():
    assert sorted(COMMANDS) == sorted(CSMS_ACTIONS)
    assert len(COMMANDS) == 19


def test_every_csms_initiated_call_reaches_the_charger_and_returns_its_answer(edge):
    station = "CP-CMD-1"

    async def body():
        async with charger(edge, station) as cp:
            assert (await cp.boot()).status == "Accepted"
            for action, (_, answer) in COMMANDS.items():
                cp.answers[action] = answer
            results = {}
            for action, (payload, answer) in COMMANDS.items():
                before = len(cp.calls)
                status, body = await edge.acommand(station, action, payload)
                results[action] = (status, body)
                assert status == 200, f"{action}: HTTP {status}: {body}"
                assert same_json(body, answer), f"{action}: HTTP answer {body} is not the charger's answer {answer}"
                arrived = cp.calls[before:]
                assert [name for _, name, _, _ in arrived] == [action], f"{action}: charger saw {arrived}"
                sent_payload = arrived[0][3]
                assert same_json(sent_payload, payload), f"{action}: charger got {sent_payload}, sent {payload}"
            return results

    arun(body(), timeout=90)
    metrics = edge.metrics()
    assert "ocpp_outgoing_call_duration_seconds" in metrics


def test_invalid_command_payloads_are_refused_with_400_naming_the_field(edge):
    station = "CP-CMD-400"

    async def body():
        async with charger(edge, station) as cp:
            await cp.boot()
            cases = [
                ("Reset", {"type": "Sometimes"}, "type"),
                ("RemoteStartTransaction", {"connectorId": 1}, "idTag"),
                ("ChangeAvailability", {"connectorId": "zero", "type": "Operative"}, "connectorId"),
                ("UnlockConnector", {}, "connectorId"),
                ("ChangeConfiguration", {"key": "K" * 51, "value": "1"}, "key"),
                ("TriggerMessage", {"requestedMessage": "Reset"}, "requestedMessage"),
            ]
            for action, payload, field in cases:
                status, body = await edge.acommand(station, action, payload)
                assert status == 400, f"{action} {payload}: HTTP {status}: {body}"
                assert field in json.dumps(body), f"{action}: the reason should name '{field}': {body}"
            # Not JSON at all, and JSON that is not an object.
            for raw in [b"this is not json", b"[1,2,3]"]:
                status, body = await asyncio.to_thread(
                    edge.post, f"/stations/{station}/commands/Reset", raw)
                assert status == 400, (raw, status, body)
            # None of them reached the charger.
            assert cp.calls == [], cp.calls

    arun(body())


def test_unknown_action_is_404_and_a_station_not_connected_is_409(edge):
    async def body():
        async with charger(edge, "CP-CMD-404") as cp:
            await cp.boot()
            for action in ["FlyToTheMoon", "BootNotification", "Heartbeat"]:
                status, body = await edge.acommand("CP-CMD-404", action, {})
                assert status == 404, (action, status, body)
            assert cp.calls == []

    arun(body())
    status, body = edge.command("NOT-CONNECTED-EVER", "Reset", {"type": "Hard"})
    assert status == 409, (status, body)
    # A station that was connected and went away.
    status, body = edge.command("CP-CMD-404", "Reset", {"type": "Hard"})
    assert status == 409, (status, body)
    # Every refusal is logged, with what was asked, and counted by status.
    line = edge.wait_for_log(r"local HTTP request refused")
    assert "status=404" in line or "status=409" in line
    metrics = edge.metrics()
    assert metric_sum(metrics, "http_errors_total", status="404") >= 3
    assert metric_sum(metrics, "http_errors_total", status="409") >= 2


def test_a_charger_that_never_answers_gets_504_and_the_next_command_still_works(make_edge):
    edge = make_edge({"ocpp": {"call_timeout": 2}})
    station = "CP-SILENT-1"

    async def body():
        async with raw_socket(edge, station) as ws:
            started = time.monotonic()
            request = asyncio.create_task(edge.acommand(station, "Reset", {"type": "Hard"}))
            ignored = await recv_json(ws)  # the CALL arrives; this charger never answers it
            assert ignored[0] == 2 and ignored[2] == "Reset" and ignored[3] == {"type": "Hard"}, ignored
            status, body = await request
            elapsed = time.monotonic() - started
            assert status == 504, (status, body)
            assert 1.5 <= elapsed < 8, elapsed

            # A late answer to the timed-out call is dropped, and the queue is free for the next command.
            await ws.send(json.dumps([3, ignored[1], {"status": "Accepted"}]))
            request = asyncio.create_task(edge.acommand(station, "ClearCache", {}))
            clear = await recv_json(ws)
            assert clear[0] == 2 and clear[2] == "ClearCache", clear
            assert clear[1] != ignored[1], "each CALL needs its own unique id"
            await ws.send(json.dumps([3, clear[1], {"status": "Rejected"}]))
            status, body = await request
            assert status == 200 and body == {"status": "Rejected"}, (status, body)

            # A station answering with a CALLERROR gives a 502 carrying its code.
            request = asyncio.create_task(edge.acommand(station, "UnlockConnector", {"connectorId": 1}))
            unlock = await recv_json(ws)
            await ws.send(json.dumps([4, unlock[1], "NotImplemented", "no unlocking here", {}]))
            status, body = await request
            assert status == 502 and "NotImplemented" in json.dumps(body), (status, body)

    arun(body())
    assert edge.healthz() == 200


def test_calls_to_one_station_queue_one_outstanding_call_at_a_time(edge):
    station = "CP-QUEUE-1"

    async def body():
        async with charger(edge, station) as cp:
            await cp.boot()
            cp.delays["GetConfiguration"] = 1.0
            cp.delays["ClearCache"] = 0.3
            cp.answers["GetConfiguration"] = {"configurationKey": [{"key": "A", "readonly": True, "value": "1"}]}
            first = asyncio.create_task(edge.acommand(station, "GetConfiguration", {"key": ["A"]}))
            await cp.wait_for_calls(1)
            second = asyncio.create_task(edge.acommand(station, "ClearCache", {}))
            third = asyncio.create_task(edge.acommand(station, "Reset", {"type": "Soft"}))
            results = await asyncio.gather(first, second, third)
            assert results[0] == (200, {"configurationKey": [{"key": "A", "readonly": True, "value": "1"}]}), results
            assert results[1] == (200, {"status": "Accepted"}), results
            assert results[2] == (200, {"status": "Accepted"}), results

            # The wire, as the charger saw it: never a CALL while an earlier one is unanswered.
            answered_at = {msg[1]: at for at, msg in cp.sent if msg[0] in (3, 4)}
            assert len(cp.calls) == 3
            for (_, action, unique_id, _), (arrived, next_action, _, _) in zip(cp.calls, cp.calls[1:]):
                assert unique_id in answered_at, f"{action} was never answered"
                assert arrived >= answered_at[unique_id], (
                    f"{next_action} arrived {answered_at[unique_id] - arrived:.3f}s before {action} was answered")
            assert len({unique_id for _, _, unique_id, _ in cp.calls}) == 3

    arun(body())


def test_commands_to_different_stations_do_not_wait_for_each_other(edge):
    async def body():
        async with charger(edge, "CP-SLOW") as slow, charger(edge, "CP-FAST") as fast:
            await slow.boot()
            await fast.boot()
            slow.delays["Reset"] = 2.0
            slow_request = asyncio.create_task(edge.acommand("CP-SLOW", "Reset", {"type": "Soft"}))
            await slow.wait_for_calls(1)
            started = time.monotonic()
            assert await edge.acommand("CP-FAST", "Reset", {"type": "Soft"}) == (200, {"status": "Accepted"})
            assert time.monotonic() - started < 1.5
            assert await slow_request == (200, {"status": "Accepted"})

    arun(body())


def test_commands_that_would_bypass_load_management_or_the_stations_security_are_refused(make_edge):
    """Security review, finding 13: while load management is on, the edge alone sets charging profiles (one from
    outside could lift its limits above the fuse); the Basic auth password and the security profile are not changed
    as plain configuration keys. Refused with 409 naming the reason, and nothing reaches the charger."""
    edge = make_edge({"grid": {"limit_a": 40}, "load_management": {"mode": "static", "static_current_a": 20}})
    station = "CP-CMD-GUARD"

    async def body():
        async with charger(edge, station) as cp:
            await cp.boot()
            await asyncio.sleep(1)  # load management prepares the charger (its failsafe) first
            before = len(cp.calls)
            refused = [
                ("SetChargingProfile", COMMANDS["SetChargingProfile"][0], "load management sets"),
                ("ClearChargingProfile", {}, "load management sets"),
                ("RemoteStartTransaction", COMMANDS["RemoteStartTransaction"][0], "chargingProfile"),
                ("ChangeConfiguration", {"key": "AuthorizationKey", "value": "00" * 16}, "AuthorizationKey"),
                ("ChangeConfiguration", {"key": "securityprofile", "value": "0"}, "securityprofile"),
            ]
            for action, payload, reason in refused:
                status, problem = await edge.acommand(station, action, payload)
                assert status == 409 and reason in problem["detail"], (action, status, problem)
            mine = [name for _, name, _, _ in cp.calls[before:] if name != "SetChargingProfile"]
            assert {"ClearChargingProfile", "ChangeConfiguration", "RemoteStartTransaction"}.isdisjoint(mine), mine
            # A remote start without a profile still goes through.
            status, answer = await edge.acommand(station, "RemoteStartTransaction", {"idTag": "TOKEN-OK"})
            assert status == 200, answer
            # The edge's own profiles (failsafe, limits) still go out; the operator's (id 8) did not.
            assert not any(name == "SetChargingProfile" and payload["csChargingProfiles"]["chargingProfileId"] == 8
                           for _, name, _, payload in cp.calls[before:])
            # Other keys still go through.
            status, answer = await edge.acommand(station, "ChangeConfiguration", {"key": "HeartbeatInterval", "value": "60"})
            assert status == 200, answer

    arun(body(), timeout=60)


def test_the_local_interface_answers_only_requests_addressed_to_it_and_takes_json_only(edge):
    """Security review, finding 25: a web page in the box's browser could reach the local interface by DNS rebinding
    (a Host of its own) or a simple form post (text/plain or form-encoded), and send any OCPP command."""
    import urllib.error
    import urllib.request

    def post(headers: dict, body: bytes = b'{"type":"Soft"}') -> int:
        request = urllib.request.Request(
            f"http://127.0.0.1:{edge.http_port}/stations/CP-NONE/commands/Reset", data=body, method="POST", headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    bearer = {"Authorization": f"Bearer {edge.token}"}
    assert post({"Content-Type": "application/json", "Host": "evil.example", **bearer}) == 421
    assert post({"Content-Type": "text/plain"}) == 415
    assert post({"Content-Type": "application/x-www-form-urlencoded"}, b"type=Soft") == 415
    # No content type at all, no body: what fetch(…, {method: "POST", mode: "no-cors"}) sends.
    bare = urllib.request.Request(f"http://127.0.0.1:{edge.http_port}/stations/CP-NONE/reject", method="POST")
    try:
        urllib.request.urlopen(bare, timeout=10)
        status = 200
    except urllib.error.HTTPError as error:
        status = error.code
    assert status == 415, status
    # As JSON, but without the token (any other account on the box) or with another one: refused, asking for it.
    assert post({"Content-Type": "application/json"}) == 401
    assert post({"Content-Type": "application/json", "Authorization": "Bearer " + "x" * len(edge.token)}) == 401
    assert post({"Content-Type": "application/json", "Authorization": f"Basic {edge.token}"}) == 401
    # Addressed to it, as JSON, with the token: through to the command (409: no such station connected).
    assert post({"Content-Type": "application/json", **bearer}) == 409
    assert post({"Content-Type": "application/json", "Host": f"localhost:{edge.http_port}", **bearer}) == 409
    # Reads on loopback need no token; the token file is the edge user's alone.
    assert edge.get("/status")[0] == 200
    token_file = Path(edge.config["store"]["path"]).parent / "http.token"
    assert token_file.stat().st_mode & 0o077 == 0, oct(token_file.stat().st_mode)
    assert "local HTTP request refused" in edge.log_text() and 'status=401' in edge.log_text()
