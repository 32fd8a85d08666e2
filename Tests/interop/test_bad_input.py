"""Bad input from a charger, over a raw WebSocket: each gets the CALLERROR or close code OCPP-J specifies, a
log line naming the station, a metric, and the daemon and its other stations carry on."""

from __future__ import annotations

import asyncio
import json
import random
import re
import time

import pytest
import websockets

from ocpp.v16 import call
from support import (
    HandWebSocket, arun, charger, exchange, heartbeat_roundtrip, metric_sum, now_iso, raw_socket, recv_json, wait_until)

ERROR_CODES = {
    "NotImplemented", "NotSupported", "InternalError", "ProtocolError", "SecurityError", "FormationViolation",
    "PropertyConstraintViolation", "OccurenceConstraintViolation", "TypeConstraintViolation", "GenericError",
}

STATUS_OK = {"connectorId": 1, "errorCode": "NoError", "status": "Available"}
START_OK = {"connectorId": 1, "idTag": "TOKEN-OK", "meterStart": 0, "timestamp": "2026-01-01T00:00:00Z"}

# name -> (frame, the uniqueId the CALLERROR must carry (a tuple: any of them), its error code)
CASES: dict[str, tuple[str, str | tuple, str]] = {
    "not_json": ("this is not JSON {", "-1", "FormationViolation"),
    "empty_text": ("", "-1", "FormationViolation"),
    "json_object": ("{}", "-1", "FormationViolation"),
    "json_string": ('"[2,\\"a\\",\\"Heartbeat\\",{}]"', "-1", "FormationViolation"),
    "empty_array": ("[]", "-1", "FormationViolation"),
    "lone_message_type": ("[2]", "-1", "FormationViolation"),
    "message_type_as_string": ('["2","a1","Heartbeat",{}]', "-1", "FormationViolation"),
    "unique_id_as_number": ('[2,17,"Heartbeat",{}]', "-1", "FormationViolation"),
    "action_as_number": ('[2,"a2",7,{}]', "a2", "FormationViolation"),
    "truncated_frame": ('[2,"t1","Heartbeat",{', "-1", "FormationViolation"),
    "trailing_garbage": ('[2,"t2","Heartbeat",{}] trailing', "-1", "FormationViolation"),
    "unique_id_too_long": (json.dumps([2, "u" * 37, "Heartbeat", {}]), ("-1", "u" * 37), "FormationViolation"),
    "unknown_message_type": ('[5,"x","Heartbeat",{}]', "x", "FormationViolation"),
    "call_with_3_elements": ('[2,"y","Heartbeat"]', "y", "ProtocolError"),
    "call_with_5_elements": ('[2,"y5","Heartbeat",{},{}]', "y5", "FormationViolation"),
    "unknown_action": ('[2,"u1","FlyToTheMoon",{}]', "u1", "NotImplemented"),
    "csms_only_action": ('[2,"r1","Reset",{"type":"Hard"}]', "r1", "NotSupported"),
    "missing_required_field": (
        json.dumps([2, "m1", "StartTransaction", {k: v for k, v in START_OK.items() if k != "idTag"}]),
        "m1", "OccurenceConstraintViolation"),
    "missing_required_boot_field": (
        json.dumps([2, "m2", "BootNotification", {"chargePointVendor": "V"}]), "m2", "OccurenceConstraintViolation"),
    "wrong_type_connector": (
        json.dumps([2, "w1", "StatusNotification", {**STATUS_OK, "connectorId": "one"}]),
        "w1", "TypeConstraintViolation"),
    "wrong_type_meter_start": (
        json.dumps([2, "w2", "StartTransaction", {**START_OK, "meterStart": "lots"}]), "w2", "TypeConstraintViolation"),
    "invalid_enum": (
        json.dumps([2, "e1", "StatusNotification", {**STATUS_OK, "status": "Sleeping"}]),
        "e1", "PropertyConstraintViolation"),
    "id_tag_over_max_length": (
        json.dumps([2, "l1", "Authorize", {"idTag": "X" * 21}]), "l1", "PropertyConstraintViolation"),
    "vendor_over_max_length": (
        json.dumps([2, "l2", "BootNotification", {"chargePointVendor": "V" * 21, "chargePointModel": "M"}]),
        "l2", "PropertyConstraintViolation"),
    "timestamp_not_a_date": (
        json.dumps([2, "d1", "StartTransaction", {**START_OK, "timestamp": "yesterday"}]),
        "d1", "PropertyConstraintViolation"),
    "meter_value_not_a_number": (
        json.dumps([2, "n1", "MeterValues", {"connectorId": 1, "meterValue": [
            {"timestamp": "2026-01-01T00:00:00Z", "sampledValue": [{"value": "lots"}]}]}]),
        "n1", "PropertyConstraintViolation"),
    "payload_is_array": ('[2,"p1","Heartbeat",[]]', "p1", "FormationViolation"),
    "payload_is_string": ('[2,"p2","Heartbeat","{}"]', "p2", "FormationViolation"),
    "payload_is_null": ('[2,"p3","Heartbeat",null]', "p3", "FormationViolation"),
    "deeply_nested": ('[2,"deep","Heartbeat",' + "[" * 5000 + "]" * 5000 + "]", ("-1", "deep"), "FormationViolation"),
}


def assert_still_serving(edge):
    assert edge.running, f"the daemon died:\n{edge.log_tail()}"
    assert edge.healthz() == 200


@pytest.mark.parametrize("name", list(CASES))
def test_bad_frame_gets_the_specified_callerror(make_edge, name):
    frame, expected_id, expected_code = CASES[name]
    edge = make_edge()
    station = f"BAD-{name}"

    async def body():
        async with charger(edge, "NEIGHBOUR-1") as neighbour:
            await neighbour.boot()
            async with raw_socket(edge, station) as ws:
                answer = await exchange(ws, frame)
                assert isinstance(answer, list) and len(answer) == 5, answer
                assert answer[0] == 4, f"expected a CALLERROR, got {answer}"
                if isinstance(expected_id, tuple):
                    assert answer[1] in expected_id, f"uniqueId {answer[1]!r}, expected one of {expected_id}: {answer}"
                else:
                    assert answer[1] == expected_id, f"uniqueId {answer[1]!r}, expected {expected_id!r}: {answer}"
                assert answer[2] == expected_code, f"code {answer[2]}, expected {expected_code}: {answer}"
                assert isinstance(answer[3], str) and isinstance(answer[4], dict), answer
                # The same connection carries on.
                again = await exchange(ws, json.dumps([2, "after", "Heartbeat", {}]))
                assert again[0] == 3 and again[1] == "after", again
            # And so do the other stations.
            await neighbour.call(call.Heartbeat(), suppress=False)

    arun(body())
    assert_still_serving(edge)
    line = edge.wait_for_log(re.compile(rf"station={re.escape(station)}\b.*(cannot be decoded|call refused)"))
    assert "warning" in line or "error" in line, line
    metrics = edge.metrics()
    assert metric_sum(metrics, "ocpp_callerrors_total", code=expected_code, direction="out") >= 1, metrics


def test_answers_to_calls_nobody_made_are_logged_and_not_answered(edge):
    station = "BAD-ANSWERS"

    async def body():
        async with raw_socket(edge, station) as ws:
            for frame in ['[3,"nobody-asked",{"status":"Accepted"}]', '[4,"nobody","GenericError","x",{}]',
                          '[3,"short"]', '[4,"bad-error",17]']:
                await ws.send(frame)
            answer = await exchange(ws, '[2,"hb","Heartbeat",{}]')
            assert answer[0] == 3 and answer[1] == "hb", f"an answer to an answer was sent: {answer}"

    arun(body())
    assert_still_serving(edge)
    edge.wait_for_log(rf"station={station}\b.*(not waiting for|cannot be decoded)")


def test_a_message_over_max_frame_bytes_closes_the_connection_with_1009(make_edge):
    edge = make_edge({"ocpp": {"max_frame_bytes": 4096}})

    async def body():
        # Just under the limit is fine.
        async with raw_socket(edge, "BIG-OK") as ws:
            pad = "x" * (4096 - len(json.dumps([2, "ok", "DataTransfer", {"vendorId": "v", "data": ""}])))
            answer = await exchange(ws, json.dumps([2, "ok", "DataTransfer", {"vendorId": "v", "data": pad}]))
            assert answer[0] == 3 and answer[2] == {"status": "UnknownVendorId"}, answer
        # One frame over the limit.
        async with raw_socket(edge, "BIG-1") as ws:
            await ws.send(json.dumps([2, "big", "DataTransfer", {"vendorId": "v", "data": "x" * 5000}]))
            with pytest.raises(websockets.ConnectionClosed):
                await asyncio.wait_for(ws.recv(), 10)
            assert ws.close_code == 1009, (ws.close_code, ws.close_reason)
        # A fragmented message whose fragments are small but whose whole is over the limit.
        async with raw_socket(edge, "BIG-2") as ws:
            text = json.dumps([2, "big2", "DataTransfer", {"vendorId": "v", "data": "y" * 6000}])
            await ws.send([text[i:i + 1000] for i in range(0, len(text), 1000)])
            with pytest.raises(websockets.ConnectionClosed):
                await asyncio.wait_for(ws.recv(), 10)
            assert ws.close_code == 1009, (ws.close_code, ws.close_reason)
        # A fragmented message within the limit is reassembled and answered.
        async with raw_socket(edge, "BIG-3") as ws:
            text = json.dumps([2, "frag", "Heartbeat", {}])
            await ws.send([text[:5], text[5:12], text[12:]])
            answer = await recv_json(ws)
            assert answer[0] == 3 and answer[1] == "frag", answer
        await heartbeat_roundtrip(edge, "BIG-NEIGHBOUR")

    arun(body())
    assert_still_serving(edge)
    edge.wait_for_log(r"station=BIG-2\b.*size limit")
    edge.wait_for_log(r"station=BIG-1\b.*broke the WebSocket protocol")
    assert metric_sum(edge.metrics(), "ocpp_bad_frames_total", reason="too_big") >= 2


def test_a_binary_frame_closes_the_connection_with_1003(edge):
    async def body():
        async with raw_socket(edge, "BIN-1") as ws:
            await ws.send(json.dumps([2, "hb", "Heartbeat", {}]).encode())  # bytes: a binary frame
            with pytest.raises(websockets.ConnectionClosed):
                await asyncio.wait_for(ws.recv(), 10)
            assert ws.close_code == 1003, (ws.close_code, ws.close_reason)
        await heartbeat_roundtrip(edge, "BIN-NEIGHBOUR")

    arun(body())
    assert_still_serving(edge)
    edge.wait_for_log(r"station=BIN-1\b.*binary")
    assert metric_sum(edge.metrics(), "ocpp_bad_frames_total", reason="binary") >= 1


@pytest.mark.parametrize("frame", [
    b'[2,"u8","Heartbeat",{"x":"\xff"}]',
    b'[2,"u9","MeterValues",{"connectorId":1,"meterValue":[{"timestamp":"2026-01-01T00:00:00Z","sampledValue":'
    b'[{"value":"1","context":"\xc3\x28"}]}]}]',
], ids=["heartbeat", "meter_values"])
def test_a_text_frame_that_is_not_utf8_closes_the_connection_with_1007(edge, frame):
    """RFC 6455, 8.1: a text message that is not valid UTF-8 fails the connection with 1007, on either path a call
    takes (MeterValues on the event loop, the others through the connection's task)."""
    ws = HandWebSocket(edge, "UTF-1")
    try:
        arun(wait_until(lambda: edge.get("/stations/UTF-1")[0] == 200, timeout=10, what="UTF-1 connected"))
        ws.send_together(frame)
        opcode, payload = ws.receive(10)
        assert opcode == 0x8, (opcode, payload)
        assert int.from_bytes(payload[:2], "big") == 1007, payload
    finally:
        ws.close()
    arun(heartbeat_roundtrip(edge, "UTF-NEIGHBOUR"))
    assert_still_serving(edge)
    edge.wait_for_log(r"station=UTF-1\b.*not valid UTF-8")
    assert metric_sum(edge.metrics(), "ocpp_bad_frames_total", reason="invalid_utf8") >= 1


def test_a_flood_of_frames_is_answered_in_order_while_other_stations_are_served(edge):
    count = 2000

    async def body():
        async with raw_socket(edge, "FLOOD-1") as flood, raw_socket(edge, "CALM-1") as calm:
            async def send_all():
                for n in range(count):
                    await flood.send(f'[2,"f{n}","Heartbeat",{{}}]')

            async def read_all():
                ids = []
                while len(ids) < count:
                    answer = await recv_json(flood, 30)
                    assert answer[0] == 3, answer
                    ids.append(answer[1])
                return ids

            reader = asyncio.create_task(read_all())
            sender = asyncio.create_task(send_all())
            await asyncio.sleep(0.05)
            # While the flood is being worked through, another station is answered promptly.
            latencies = []
            for n in range(3):
                started = time.monotonic()
                answer = await exchange(calm, f'[2,"calm{n}","Heartbeat",{{}}]', 10)
                latencies.append(time.monotonic() - started)
                assert answer[0] == 3 and answer[1] == f"calm{n}", answer
            flood_busy = not reader.done()
            await sender
            ids = await reader
            assert ids == [f"f{n}" for n in range(count)], "answers must come in order, one for each CALL"
            return latencies, flood_busy

    latencies, flood_busy = arun(body(), timeout=90)
    assert max(latencies) < 2.0, f"the calm station waited {max(latencies):.2f}s behind the flood"
    assert_still_serving(edge)
    metrics = edge.metrics()
    assert metric_sum(metrics, "ocpp_messages_total", action="Heartbeat", direction="in") >= count


def test_meter_values_and_other_calls_sent_without_waiting_are_answered_in_order(edge):
    """MeterValues are answered on the connection's event loop, other calls by its task: a charger that does not
    wait for answers still gets one answer per call, in the order it sent them."""
    count = 600

    def frame(n: int) -> str:
        if n % 3 == 2:
            return f'[2,"m{n}","Heartbeat",{{}}]'
        value = {"timestamp": now_iso(), "sampledValue": [{"value": str(1000 + n), "measurand": "Energy.Active.Import.Register", "unit": "Wh"}]}
        return json.dumps([2, f"m{n}", "MeterValues", {"connectorId": 1, "meterValue": [value]}])

    async def body():
        async with raw_socket(edge, "MIXED-1") as ws:
            async def send_all():
                for n in range(count):
                    await ws.send(frame(n))

            async def read_all():
                answers = []
                while len(answers) < count:
                    answers.append(await recv_json(ws, 30))
                return answers

            reader = asyncio.create_task(read_all())
            await send_all()
            return await reader

    answers = arun(body(), timeout=90)
    assert [answer[1] for answer in answers] == [f"m{n}" for n in range(count)], "answers in the order of the calls"
    assert all(answer[0] == 3 for answer in answers), [a for a in answers if a[0] != 3][:3]
    # Then, one at a time as chargers do.
    async def one_by_one():
        async with raw_socket(edge, "MIXED-2") as ws:
            for n in range(20):
                answer = await exchange(ws, frame(3 * n))
                assert answer == [3, f"m{3 * n}", {}], answer
    arun(one_by_one(), timeout=60)
    metrics = edge.metrics()
    assert metric_sum(metrics, "ocpp_messages_total", action="MeterValues", direction="in") == count * 2 // 3 + 20
    assert_still_serving(edge)


# --------------------------------------------------------------------------------------------------------------
# Fuzz


SEED_FRAMES = [
    [2, "s1", "Heartbeat", {}],
    [2, "s2", "BootNotification", {"chargePointVendor": "Fuzz", "chargePointModel": "F-1", "firmwareVersion": "1.0"}],
    [2, "s3", "StatusNotification", {"connectorId": 1, "errorCode": "NoError", "status": "Available",
                                     "timestamp": "2026-01-01T00:00:00Z"}],
    [2, "s4", "Authorize", {"idTag": "TOKEN-OK"}],
    [2, "s5", "MeterValues", {"connectorId": 1, "meterValue": [{"timestamp": "2026-01-01T00:00:00Z", "sampledValue": [
        {"value": "1.5", "measurand": "Energy.Active.Import.Register", "unit": "kWh", "phase": "L1"}]}]}],
    [2, "s6", "DataTransfer", {"vendorId": "v", "messageId": "m", "data": "d"}],
    [2, "s7", "StopTransaction", {"meterStop": 10, "timestamp": "2026-01-01T00:00:00Z", "transactionId": 424242}],
    [2, "s8", "FirmwareStatusNotification", {"status": "Idle"}],
    [3, "r1", {"status": "Accepted"}],
    [4, "e1", "GenericError", "boom", {}],
]
ALPHABET = list('[]{}",:\\ 0123456789-+.eE') + list("abcxyzAZ") + ["é", "€", "𝄞", "\t", "\n", "\u0001"]


class _NotJSON(ValueError):
    pass


def strict_json(text: str):
    def refuse(constant):
        raise _NotJSON(constant)
    return json.loads(text, parse_constant=refuse)


def random_value(rng: random.Random, depth: int = 0):
    kind = rng.randrange(9 if depth < 3 else 6)
    if kind == 0:
        return None
    if kind == 1:
        return rng.choice([True, False])
    if kind == 2:
        return rng.choice([0, -1, 1, 2, 3, 4, 5, 2**31, 2**63, -(2**63), 10**30])
    if kind == 3:
        return rng.choice([0.5, -0.0, 1e308, 3.14159, 2.0])
    if kind in (4, 5):
        return "".join(rng.choice("abcXYZ019-_é€ ") for _ in range(rng.randrange(0, 40)))
    if kind == 6:
        return [random_value(rng, depth + 1) for _ in range(rng.randrange(0, 5))]
    return {rng.choice(["connectorId", "idTag", "status", "value", "x", "meterValue"]): random_value(rng, depth + 1)
            for _ in range(rng.randrange(0, 4))}


def mutate(rng: random.Random) -> str:
    seed = rng.choice(SEED_FRAMES)
    op = rng.randrange(10)
    if op == 0:  # structural: replace one element with a random value
        frame = list(seed)
        frame[rng.randrange(len(frame))] = random_value(rng)
        return json.dumps(frame)
    if op == 1:  # structural: drop or add elements
        frame = list(seed)
        if rng.random() < 0.5 and frame:
            frame.pop(rng.randrange(len(frame)))
        else:
            frame.insert(rng.randrange(len(frame) + 1), random_value(rng))
        return json.dumps(frame)
    if op == 2:  # structural: mangle a payload field
        frame = json.loads(json.dumps(seed))
        payload = frame[-1] if isinstance(frame[-1], dict) else {}
        key = rng.choice(list(payload) or ["x"])
        payload[key] = random_value(rng)
        return json.dumps(frame, ensure_ascii=rng.random() < 0.5)
    if op == 3:  # random text
        return "".join(rng.choice(ALPHABET) for _ in range(rng.randrange(0, 60)))
    if op == 4:  # random JSON value
        return json.dumps(random_value(rng))
    if op == 5:  # nesting, shallow to deep
        depth = rng.choice([1, 10, 63, 64, 65, 200, 3000])
        return f'[2,"n{depth}","DataTransfer",{{"vendorId":"v","data":' + "[" * depth + "]" * depth + "}]"
    text = json.dumps(seed)
    for _ in range(rng.randrange(1, 4)):  # byte-level edits
        if not text:
            break
        at = rng.randrange(len(text))
        edit = rng.randrange(4)
        if edit == 0:
            text = text[:at] + text[at + 1:]
        elif edit == 1:
            text = text[:at] + rng.choice(ALPHABET) + text[at:]
        elif edit == 2:
            text = text[:at] + rng.choice(ALPHABET) + text[at + 1:]
        else:
            text = text[:at]
    return text


MAX_DEPTH = 64  # the edge refuses frames nested deeper, as a whole (JSONScanner.maxDepth)


def nesting_depth(value) -> int:
    if isinstance(value, list):
        return 1 + max((nesting_depth(v) for v in value), default=0)
    if isinstance(value, dict):
        return 1 + max((nesting_depth(v) for v in value.values()), default=0)
    return 0


def expectation(frame: str) -> tuple[str, str | None]:
    """What the edge must do with `frame`: ("call", id) answer with that id; ("answer", None) stay silent (an
    answer to a call it never made); ("error", None) answer with one CALLERROR; ("maybe-error", None) garbage
    that may still read as an answer frame: a CALLERROR or nothing."""
    try:
        value = strict_json(frame)
    except (ValueError, RecursionError):
        if re.match(r"\s*\[\s*[34]\s*[,\]]", frame):
            return "maybe-error", None
        return "error", None
    if nesting_depth(value) > MAX_DEPTH:
        # Refused whole, before its unique id is read: one CALLERROR "-1" (or silence, for an answer frame).
        return ("maybe-error", None) if isinstance(value, list) and value and value[0] in (3, 4) else ("error", None)
    if isinstance(value, list) and value and type(value[0]) is int:
        if value[0] in (3, 4):
            return "answer", None
        if value[0] == 2 and len(value) >= 2 and isinstance(value[1], str):
            return "call", value[1]
    return "error", None


def test_fuzzed_frames_never_crash_the_daemon_and_every_call_is_answered(edge):
    rng = random.Random(20260516)
    frames = [mutate(rng) for _ in range(300)]
    problems: list[str] = []

    async def body():
        async with raw_socket(edge, "FUZZ-1", max_size=None) as ws:
            for n, frame in enumerate(frames):
                kind, unique_id = expectation(frame)
                sentinel = f"sentinel-{n}"
                await ws.send(frame)
                await ws.send(json.dumps([2, sentinel, "Heartbeat", {}]))
                replies = []
                while True:
                    reply = await recv_json(ws, 10)
                    if isinstance(reply, list) and len(reply) >= 2 and reply[1] == sentinel:
                        assert reply[0] == 3, f"sentinel after frame {n} not answered normally: {reply}"
                        break
                    replies.append(reply)
                for reply in replies:
                    if not (isinstance(reply, list) and reply and reply[0] in (3, 4)):
                        problems.append(f"frame {n} {frame!r}: reply is not a CALLRESULT/CALLERROR: {reply!r}")
                    elif reply[0] == 4 and (len(reply) != 5 or reply[2] not in ERROR_CODES):
                        problems.append(f"frame {n} {frame!r}: malformed CALLERROR {reply!r}")
                if kind == "call":
                    if len(replies) != 1 or replies[0][1] != unique_id:
                        problems.append(f"frame {n} {frame[:120]!r}: expected one answer with id {unique_id!r}, got {replies!r}")
                elif kind == "answer":
                    if replies:
                        problems.append(f"frame {n} {frame[:120]!r}: an answer frame was answered: {replies!r}")
                elif kind == "error":
                    if len(replies) != 1 or replies[0][0] != 4:
                        problems.append(f"frame {n} {frame[:120]!r}: expected one CALLERROR, got {replies!r}")
                else:
                    if len(replies) > 1 or (replies and replies[0][0] != 4):
                        problems.append(f"frame {n} {frame[:120]!r}: expected at most one CALLERROR, got {replies!r}")
        await heartbeat_roundtrip(edge, "FUZZ-NEIGHBOUR")

    arun(body(), timeout=100)
    assert_still_serving(edge)
    assert not problems, "\n".join(problems[:20])
    kinds = [expectation(f)[0] for f in frames]
    assert kinds.count("call") > 30 and kinds.count("error") > 30, "the fuzz corpus should mix calls and garbage"


def test_values_that_overflow_in_base_units_and_empty_meter_values_are_refused(edge):
    """1e306 kWh is a number but not in Wh; MeterValues must hold at least one sampled value. Either way the
    charger is told, and the site's status still renders."""

    async def scenario():
        async with raw_socket(edge, "CP-OVERFLOW") as ws:
            overflow = json.dumps([2, "m1", "MeterValues", {"connectorId": 1, "meterValue": [
                {"timestamp": now_iso(), "sampledValue": [{"value": "1e306", "unit": "kWh"}]}]}])
            answer = await exchange(ws, overflow)
            assert answer[:3] == [4, "m1", "PropertyConstraintViolation"]
            empty = json.dumps([2, "m2", "MeterValues", {"connectorId": 1, "meterValue": []}])
            assert (await exchange(ws, empty))[:3] == [4, "m2", "OccurenceConstraintViolation"]
            empty_values = json.dumps([2, "m3", "MeterValues", {"connectorId": 1, "meterValue": [
                {"timestamp": now_iso(), "sampledValue": []}]}])
            answer = await exchange(ws, empty_values)
            assert answer[:3] == [4, "m3", "OccurenceConstraintViolation"] and "sampledValue" in answer[3]

    arun(scenario())
    status, _ = edge.get("/status")
    assert status == 200


def test_made_up_actions_do_not_create_metric_series(edge):
    async def scenario():
        async with raw_socket(edge, "CP-LABELS") as ws:
            for index in range(20):
                answer = await exchange(ws, json.dumps([2, f"u{index}", f"Invented{index}", {}]))
                assert answer[2] == "NotImplemented"

    arun(scenario())
    metrics = edge.metrics()
    assert "Invented" not in metrics
    assert metric_sum(metrics, "ocpp_messages_total", action="other", direction="in") >= 20


def test_a_charger_clock_years_ahead_does_not_freeze_its_connector_state(edge):
    """A charger that booted before NTP reports a status dated 2036; its later, correctly dated reports must
    still become the connector's current state."""

    async def scenario():
        async with raw_socket(edge, "CP-CLOCK") as ws:
            future = json.dumps([2, "s1", "StatusNotification", {
                "connectorId": 1, "errorCode": "NoError", "status": "Available", "timestamp": "2036-01-01T00:00:00Z"}])
            assert (await exchange(ws, future))[0] == 3
            now = json.dumps([2, "s2", "StatusNotification", {
                "connectorId": 1, "errorCode": "NoError", "status": "Charging", "timestamp": now_iso(1)}])
            assert (await exchange(ws, now))[0] == 3

    arun(scenario())
    connectors = {c["connectorId"]: c for c in edge.station("CP-CLOCK")["connectors"]}
    assert connectors[1]["status"] == "Charging"
    line = edge.wait_for_log(r"station clock is ahead of the edge's")
    assert "station=CP-CLOCK" in line


def test_a_charger_that_pipelines_meter_values_and_never_reads_cannot_grow_the_edges_memory(edge):
    """Security review, finding 6: MeterValues are taken on the event loop without a task; a charger that sends them
    as fast as it can and never reads the answers must be slowed by TCP, not buffered. On 04868ba the edge took
    1.35 million in 15 s and grew from 45 to 478 MB; now it stops reading while 64 calls wait for the store or its
    answers cannot go out."""
    import socket

    def rss_mb() -> float:
        with open(f"/proc/{edge.proc.pid}/status") as status:
            return next(int(line.split()[1]) / 1024 for line in status if line.startswith("VmRSS"))

    ws = HandWebSocket(edge, "PIPE-1")
    try:
        arun(wait_until(lambda: edge.get("/stations/PIPE-1")[0] == 200, timeout=10, what="PIPE-1 connected"))
        value = {"timestamp": now_iso(), "sampledValue": [
            {"value": "1000", "measurand": "Energy.Active.Import.Register", "unit": "Wh"}]}
        frame = HandWebSocket.frame(json.dumps([2, "m", "MeterValues", {"connectorId": 1, "meterValue": [value]}]).encode())
        batch = frame * 500
        before = rss_mb()
        ws.sock.settimeout(0.5)
        sent = 0
        end = time.monotonic() + 10
        while time.monotonic() < end:
            try:
                sent += ws.sock.send(batch) // len(frame)
            except socket.timeout:
                pass
        grown = rss_mb() - before
        waited = arun(heartbeat_roundtrip(edge, "PIPE-NEIGHBOUR"))
    finally:
        ws.close()
    assert grown < 50, f"the edge grew {grown:.0f} MB while a charger pipelined {sent} MeterValues without reading"
    assert waited < 5.0, f"a neighbour waited {waited:.1f} s"
    assert_still_serving(edge)
