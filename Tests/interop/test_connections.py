"""Connection admission and lifecycle: Basic auth (security profile 1), TLS (profile 2), station policies,
subprotocol negotiation, identity from any base URL, replacement of a reconnecting station, shutdown."""

from __future__ import annotations

import asyncio
import json
import ssl
import subprocess
import threading
import time

import pytest
import websockets
from websockets.asyncio.client import connect as ws_connect

from ocpp.exceptions import OCPPError
from ocpp.v16 import call
from support import (
    arun, basic_auth_header, charger, exchange, hash_password, metric_sum, now_iso, poll, raw_socket,
    tls_version_accepted, wait_until)

PASSWORD = "correct-horse-battery-staple-42"  # 16 to 40 characters, as OCPP requires


async def refused_status(edge, station: str, **connect_kwargs) -> websockets.exceptions.InvalidStatus:
    connect_kwargs.setdefault("subprotocols", ["ocpp1.6"])
    with pytest.raises(websockets.exceptions.InvalidStatus) as refused:
        async with ws_connect(edge.ws_url(station), open_timeout=10, **connect_kwargs):
            pass
    return refused.value


def test_basic_auth_right_password_connects_wrong_or_missing_gets_401(make_edge):
    password_hash = hash_password(PASSWORD)
    assert password_hash.startswith("$2")
    edge = make_edge({"stations": [{"id": "CP-SECURE-1", "password_hash": password_hash}, {"id": "CP-OPEN-1"}]})

    async def body():
        async with charger(edge, "CP-SECURE-1", additional_headers=basic_auth_header("CP-SECURE-1", PASSWORD)) as cp:
            assert (await cp.boot()).status == "Accepted"

        attempts = [
            {},  # no credentials at all
            {"additional_headers": basic_auth_header("CP-SECURE-1", "wrong-password-but-long-enough")},
            {"additional_headers": basic_auth_header("SOMEONE-ELSE", PASSWORD)},  # the user must be the identity
            {"additional_headers": {"Authorization": "Bearer " + PASSWORD}},
            {"additional_headers": {"Authorization": "Basic !!!not-base64!!!"}},
        ]
        for attempt in attempts:
            refused = await refused_status(edge, "CP-SECURE-1", **attempt)
            assert refused.response.status_code == 401, (attempt, refused.response.status_code)
            challenge = refused.response.headers.get("WWW-Authenticate", "")
            assert challenge.lower().startswith("basic"), f"401 without a Basic challenge: {refused.response.headers}"

        # A station without a password_hash is not asked for one (basic_auth is off).
        async with charger(edge, "CP-OPEN-1") as cp:
            assert (await cp.boot()).status == "Accepted"

    arun(body())
    metrics = edge.metrics()
    assert metric_sum(metrics, "ocpp_auth_failures_total") >= 5, metrics
    edge.wait_for_log(r"station=CP-SECURE-1\b.*Basic auth")
    assert edge.station("CP-SECURE-1")["vendor"] == "Interop"


def test_basic_auth_required_for_every_station_when_basic_auth_is_on(make_edge):
    password_hash = hash_password(PASSWORD)
    edge = make_edge({"ocpp": {"basic_auth": True},
                      "stations": [{"id": "CP-SECURE-2", "password_hash": password_hash}]})

    async def body():
        # An unknown station has no password to log in with.
        refused = await refused_status(edge, "CP-UNKNOWN-9", additional_headers=basic_auth_header("CP-UNKNOWN-9", PASSWORD))
        assert refused.response.status_code == 401
        async with charger(edge, "CP-SECURE-2", additional_headers=basic_auth_header("CP-SECURE-2", PASSWORD)) as cp:
            assert (await cp.boot()).status == "Accepted"

    arun(body())


def test_unknown_stations_reject_policy_refuses_unknown_identities_with_404(make_edge):
    edge = make_edge({"ocpp": {"unknown_stations": "reject"}, "stations": [{"id": "CP-KNOWN-1"}]})

    async def body():
        refused = await refused_status(edge, "CP-STRANGER-1")
        assert refused.response.status_code == 404
        async with charger(edge, "CP-KNOWN-1") as cp:
            assert (await cp.boot()).status == "Accepted"

    arun(body())
    assert all(s["id"] != "CP-STRANGER-1" for s in edge.stations())
    assert metric_sum(edge.metrics(), "ocpp_auth_failures_total") >= 1
    edge.wait_for_log(r"station=CP-STRANGER-1\b")


def test_pending_policy_until_an_operator_approves(make_edge):
    edge = make_edge({"ocpp": {"unknown_stations": "pending", "heartbeat_interval": 300},
                      "stations": [{"id": "CP-CONFIGURED-1"}]})
    station = "CP-NEWCOMER-1"

    async def body():
        async with charger(edge, station) as cp:
            boot = await cp.boot()
            assert boot.status == "Pending"
            assert 0 < boot.interval <= 300
            # Heartbeats are fine while pending ...
            await cp.call(call.Heartbeat(), suppress=False)
            # ... but nothing that would let it charge or write anything (security review, finding 19).
            for request in [call.Authorize(id_tag="TOKEN-OK"),
                            call.StartTransaction(connector_id=1, id_tag="TOKEN-OK", meter_start=0, timestamp=now_iso()),
                            call.StatusNotification(connector_id=1, error_code="NoError", status="Available"),
                            call.StopTransaction(meter_stop=9000, timestamp=now_iso(), transaction_id=77, id_tag="X"),
                            call.MeterValues(connector_id=1, meter_value=[{"timestamp": now_iso(), "sampledValue": [
                                {"value": "16", "measurand": "Current.Import", "unit": "A", "phase": "L1"}]}]),
                            call.DataTransfer(vendor_id="V", data="x" * 1000)]:
                with pytest.raises(OCPPError) as refused:
                    await cp.call(request, suppress=False)
                assert refused.value.code == "SecurityError", (request, refused.value)
            assert edge.sessions(station=station) == []
            # Other commands go through.
            status, answer = await edge.acommand(station, "GetConfiguration", {})
            assert status == 200, (status, answer)

            info = await edge.aget(f"/stations/{station}")
            assert info[0] == 200 and info[1]["approval"] == "pending", info

            status, approved = await edge.apost(f"/stations/{station}/approve")
            assert status == 200, (status, approved)
            boot = await cp.boot()
            assert boot.status == "Accepted"
            assert boot.interval == 300
            authorized = await cp.call(call.Authorize(id_tag="TOKEN-OK"), suppress=False)
            assert authorized.id_tag_info["status"] == "Accepted"

        # A configured station is accepted right away under the pending policy.
        async with charger(edge, "CP-CONFIGURED-1") as cp:
            assert (await cp.boot()).status == "Accepted"

    arun(body())
    # Approval is durable: after a restart the station is still accepted.
    assert edge.stop() == 0
    edge.start()

    async def after_restart():
        async with charger(edge, station) as cp:
            assert (await cp.boot()).status == "Accepted"

    arun(after_restart())


def test_a_pending_station_is_not_sent_remote_start(make_edge):
    edge = make_edge({"ocpp": {"unknown_stations": "pending"}})

    async def body():
        async with charger(edge, "CP-NEWCOMER-2") as cp:
            assert (await cp.boot()).status == "Pending"
            status, answer = await edge.acommand("CP-NEWCOMER-2", "RemoteStartTransaction", {"idTag": "TOKEN-OK"})
            assert status == 409, (status, answer)
            assert cp.calls_of("RemoteStartTransaction") == []

    arun(body())


def test_a_second_connection_with_the_same_identity_replaces_the_first(edge):
    station = "CP-TWICE-1"

    async def body():
        async with charger(edge, station) as first:
            await first.boot()
            async with charger(edge, station) as second:
                # The first connection is closed by the edge.
                await asyncio.wait_for(first._connection.wait_closed(), 10)
                assert first._connection.close_code is not None
                # The second one works, and commands go to it.
                await second.call(call.Heartbeat(), suppress=False)
                status, answer = await edge.acommand(station, "ClearCache", {})
                assert status == 200 and answer == {"status": "Accepted"}, (status, answer)
                assert second.calls_of("ClearCache") == [{}]
                assert first.calls_of("ClearCache") == []
                await asyncio.sleep(0.3)  # let the first connection's end be processed
                status_view = (await edge.aget("/status"))[1]
                mine = [s for s in status_view["stations"] if s["id"] == station]
                assert len(mine) == 1 and mine[0]["connected"] is True, status_view
                assert status_view["connectedStations"] == 1, status_view
                metrics = (await edge.aget("/metrics"))[1]
                assert metric_sum(metrics, "ocpp_connected_stations") == 1, metrics
        await wait_until(lambda: edge.status()["connectedStations"] == 0, what="station disconnected")
        assert metric_sum(edge.metrics(), "ocpp_connected_stations") == 0

    arun(body())


def test_subprotocol_negotiation(edge):
    async def body():
        # No subprotocol offered: accepted, and spoken to as OCPP 1.6.
        async with raw_socket(edge, "CP-NOPROTO-1", subprotocols=None) as ws:
            assert ws.subprotocol is None
            answer = await exchange(ws, json.dumps([2, "b", "BootNotification",
                                                    {"chargePointVendor": "Old", "chargePointModel": "NoProto"}]))
            assert answer[0] == 3 and answer[2]["status"] == "Accepted", answer
        # Only an unsupported version offered: refused.
        refused = await refused_status(edge, "CP-201-ONLY", subprotocols=["ocpp2.0.1"])
        assert refused.response.status_code == 400
        # Several offered: ocpp1.6 is chosen.
        async with raw_socket(edge, "CP-MULTI-1", subprotocols=["ocpp2.0.1", "ocpp1.6"]) as ws:
            assert ws.subprotocol == "ocpp1.6"

    arun(body())
    edge.wait_for_log(r"station=CP-NOPROTO-1\b.*no OCPP subprotocol|no OCPP subprotocol.*station=CP-NOPROTO-1\b")
    assert edge.station("CP-NOPROTO-1")["model"] == "NoProto"


def test_identity_is_the_last_path_segment_of_any_base_url(edge):
    async def body():
        async with charger(edge, "CP.7@depot", base="/steve/websocket/CentralSystemService/") as cp:
            assert (await cp.boot()).status == "Accepted"
            stations = {s["id"]: s for s in (await edge.aget("/stations"))[1]}
            assert "CP.7@depot" in stations, list(stations)
            assert stations["CP.7@depot"]["connected"] is True
            # Commands reach it by its decoded identity.
            status, answer = await edge.acommand("CP.7@depot", "ClearCache", {})
            assert status == 200, (status, answer)
        async with charger(edge, "CP-9", base="/a/b/c/d/") as cp:
            await cp.boot()

    arun(body())
    ids = {s["id"] for s in edge.stations()}
    assert {"CP.7@depot", "CP-9"} <= ids, ids


@pytest.mark.parametrize("identity", ["CP/7", "CP 8 é", "CP\nfake log line", "CP:1", "CP\"q", "X" * 49])
def test_identities_outside_the_ocpp_identity_characters_are_refused(edge, identity):
    """Security review, finding 29: letters, digits and * - _ = + | @ . only (OCPP 2.0.1 identifierString, no ':'),
    so an identity cannot forge a log line or change a URL's meaning."""
    refused = arun(refused_status(edge, identity))
    assert refused.response.status_code == 404
    assert b"OCPP identity characters" in refused.response.body or b"1 to 48" in refused.response.body
    assert identity not in {s["id"] for s in edge.stations()}
    assert metric_sum(edge.metrics(), "ocpp_auth_failures_total", reason="bad_identity") >= 1


def test_wss_with_a_configured_certificate(make_edge, tmp_path):
    cert, key = tmp_path / "edge.crt", tmp_path / "edge.key"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
         "-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
        check=True, capture_output=True, timeout=60)
    password_hash = hash_password(PASSWORD)
    edge = make_edge({"ocpp": {"tls": {"certificate": str(cert), "key": str(key)}},
                      "stations": [{"id": "CP-TLS-2", "password_hash": password_hash}]})
    context = ssl.create_default_context(cafile=str(cert))

    async def body():
        assert edge.ws_url("CP-TLS-1").startswith("wss://")
        async with charger(edge, "CP-TLS-1", ssl=context) as cp:
            assert (await cp.boot()).status == "Accepted"
            await cp.call(call.Heartbeat(), suppress=False)
        # Security profile 2: TLS plus Basic auth.
        async with charger(edge, "CP-TLS-2", ssl=context,
                           additional_headers=basic_auth_header("CP-TLS-2", PASSWORD)) as cp:
            assert (await cp.boot()).status == "Accepted"
        refused = await refused_status(edge, "CP-TLS-2", ssl=context)
        assert refused.response.status_code == 401
        # A plain ws:// connection to the TLS port does not get in.
        with pytest.raises(Exception):
            async with ws_connect(edge.ws_url("CP-PLAIN", scheme="ws"), subprotocols=["ocpp1.6"], open_timeout=5):
                pass

    arun(body())
    assert edge.station("CP-TLS-1")["vendor"] == "Interop"
    assert edge.healthz() == 200
    # TLS 1.2 at least, as the OCPP 1.6 security whitepaper asks (security review, finding 24).
    assert tls_version_accepted(edge.ocpp_port, ssl.TLSVersion.TLSv1_2)
    for old in (ssl.TLSVersion.TLSv1, ssl.TLSVersion.TLSv1_1):
        assert not tls_version_accepted(edge.ocpp_port, old), f"{old.name} handshake accepted"




def make_profile3_certificates(directory) -> dict[str, tuple[str, str]]:
    """With openssl: the edge's server certificate, a CA for chargers, two chargers' certificates of that CA, and one
    of another CA naming the first charger."""
    def openssl(*args: str) -> None:
        subprocess.run(["openssl", *args], cwd=directory, check=True, capture_output=True, timeout=60)

    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout",
            "server.key", "-out", "server.crt", "-days", "2", "-subj", "/CN=localhost",
            "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1")
    for ca in ("ca", "rogue-ca"):
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout",
                f"{ca}.key", "-out", f"{ca}.crt", "-days", "2", "-subj", f"/CN=Gridside test {ca}")
    made = {}
    for name, identity, ca in (("cp1", "CP-CERT-1", "ca"), ("cp2", "CP-CERT-2", "ca"), ("rogue", "CP-CERT-1", "rogue-ca")):
        openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", f"{name}.key",
                "-out", f"{name}.csr", "-subj", f"/O=Charger maker/CN={identity}")
        openssl("x509", "-req", "-in", f"{name}.csr", "-CA", f"{ca}.crt", "-CAkey", f"{ca}.key", "-CAcreateserial",
                "-out", f"{name}.crt", "-days", "2")
        made[name] = (str(directory / f"{name}.crt"), str(directory / f"{name}.key"))
    made["server"] = (str(directory / "server.crt"), str(directory / "server.key"))
    made["ca"] = (str(directory / "ca.crt"), "")
    return made


def test_security_profile_3_a_charger_is_its_client_certificate(make_edge, tmp_path):
    """Security review, finding 20: wss:// with client certificates verified against a configured CA, the station's
    identity taken from the certificate (its common name) and checked against the URL; the certificate stands for
    Basic auth."""
    certificates = make_profile3_certificates(tmp_path)
    server_crt, server_key = certificates["server"]
    edge = make_edge({"ocpp": {"basic_auth": True, "unknown_stations": "accept",
                               "tls": {"certificate": server_crt, "key": server_key,
                                       "client_ca": certificates["ca"][0]}}})

    def context(client: str | None) -> ssl.SSLContext:
        made = ssl.create_default_context(cafile=server_crt)
        if client:
            made.load_cert_chain(*certificates[client])
        return made

    async def body():
        async with charger(edge, "CP-CERT-1", ssl=context("cp1")) as cp:
            assert (await cp.boot()).status == "Accepted", "no password: the certificate is the credential"
            await cp.call(call.Heartbeat(), suppress=False)
        # Another charger's certificate, of the right CA, for this identity.
        refused = await refused_status(edge, "CP-CERT-1", ssl=context("cp2"))
        assert refused.response.status_code == 401
        # A certificate of another CA, or none: the TLS handshake itself fails.
        for client in ("rogue", None):
            with pytest.raises(Exception) as failed:
                async with ws_connect(edge.ws_url("CP-CERT-1"), ssl=context(client), subprotocols=["ocpp1.6"],
                                      open_timeout=5):
                    pass
            assert not isinstance(failed.value, websockets.exceptions.InvalidStatus), f"{client}: got as far as HTTP"

    arun(body())
    assert edge.station("CP-CERT-1")["vendor"] == "Interop"
    assert metric_sum(edge.metrics(), "ocpp_auth_failures_total", reason="certificate_identity") == 1


def test_sigterm_closes_connected_chargers_with_1001_and_exits_0(edge):
    async def body():
        async with charger(edge, "CP-SHUTDOWN-1") as cp1, raw_socket(edge, "CP-SHUTDOWN-2") as raw:
            await cp1.boot()
            answer = await exchange(raw, '[2,"hb","Heartbeat",{}]')
            assert answer[0] == 3
            start = await cp1.call(call.StartTransaction(
                connector_id=1, id_tag="TOKEN-OK", meter_start=0, timestamp=now_iso()), suppress=False)
            code = asyncio.create_task(asyncio.to_thread(edge.stop))
            await asyncio.wait_for(cp1._connection.wait_closed(), 15)
            await asyncio.wait_for(raw.wait_closed(), 15)
            assert cp1._connection.close_code == 1001, (cp1._connection.close_code, cp1._connection.close_reason)
            assert raw.close_code == 1001, (raw.close_code, raw.close_reason)
            assert await code == 0
            return start.transaction_id

    transaction_id = arun(body())
    edge.wait_for_log("store closed")
    # What was acknowledged before the shutdown is there after a restart.
    edge.start()
    assert [s["transactionId"] for s in edge.sessions(active=True)] == [transaction_id]


def test_a_charger_gone_silent_is_pinged_then_dropped(make_edge):
    """A charger that lost power or network without closing its TCP connection: it completes the WebSocket
    handshake, then never sends a frame nor answers a ping. The edge drops it after two ping intervals."""
    import base64
    import os
    import socket

    edge = make_edge({"ocpp": {"ping_interval": 1}})
    key = base64.b64encode(os.urandom(16)).decode()
    sock = socket.create_connection(("127.0.0.1", edge.ocpp_port), timeout=10)
    try:
        sock.sendall(
            (f"GET /ocpp/CP-SILENT HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
             f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: ocpp1.6\r\n\r\n").encode())
        assert sock.recv(4096).startswith(b"HTTP/1.1 101")
        # The station is registered just after the handshake completes: until then it is not known (404).
        poll(lambda: edge.get("/stations/CP-SILENT")[0] == 200 and edge.station("CP-SILENT")["connected"], timeout=5,
             what="the silent charger is connected")
        poll(lambda: not edge.station("CP-SILENT")["connected"], timeout=8, what="the silent charger is dropped")
        line = edge.wait_for_log(r"station silent; closing its connection", timeout=2)
        assert "station=CP-SILENT" in line
        received = b""
        sock.settimeout(2)
        try:
            while chunk := sock.recv(4096):
                received += chunk
        except (socket.timeout, ConnectionResetError):
            pass
        assert received[:1] == b"\x89", "the first frame the edge sent was a ping"
    finally:
        sock.close()
    assert edge.healthz() == 200


def test_a_flood_of_wrong_passwords_does_not_hold_up_a_charger_with_the_right_one(make_edge):
    """Security review, finding 23: each wrong password costs a bcrypt on one queue; past 16 waiting, attempts are
    refused at once (503, the charger tries again), and a password that verified is remembered, so a real charger
    reconnecting during a flood of guesses is admitted without waiting behind them."""
    import time

    station = "CP-AUTH-FLOOD"
    edge = make_edge({"stations": [{"id": station, "password_hash": hash_password(PASSWORD, cost=10)}]})
    right = basic_auth_header(station, PASSWORD)

    async def guess(n: int) -> int:
        try:
            async with ws_connect(edge.ws_url(station), subprotocols=["ocpp1.6"], open_timeout=60,
                                  additional_headers=basic_auth_header(station, f"wrong-password-{n}")):
                return 101
        except websockets.exceptions.InvalidStatus as error:
            return error.response.status_code

    async def body():
        async with charger(edge, station, additional_headers=right) as cp:
            assert (await cp.boot()).status == "Accepted"
        flood = [asyncio.create_task(guess(n)) for n in range(80)]
        await asyncio.sleep(0.3)
        started = time.monotonic()
        async with charger(edge, station, additional_headers=right) as cp:
            assert (await cp.boot()).status == "Accepted"
        waited = time.monotonic() - started
        codes = await asyncio.gather(*flood)
        return waited, codes

    waited, codes = arun(body(), timeout=120)
    assert set(codes) <= {401, 503} and codes.count(503) > 0, codes
    assert waited < 3.0, f"the right password waited {waited:.1f} s behind the guesses"
    assert metric_sum(edge.metrics(), "ocpp_auth_failures_total", reason="busy") == codes.count(503)


def test_a_connection_that_never_becomes_a_websocket_is_closed_after_10_s(edge):
    """Security review, finding 17: half-open upgrades used to stay open for good, until the descriptors ran out."""
    import socket
    import time

    quiet = socket.create_connection(("127.0.0.1", edge.ocpp_port), timeout=20)
    half = socket.create_connection(("127.0.0.1", edge.ocpp_port), timeout=20)
    half.sendall(b"GET /ocpp/CP-SLOW HTTP/1.1\r\nHost: x\r\n")  # a request line, then nothing
    started = time.monotonic()
    for sock in (quiet, half):
        assert sock.recv(1024) == b"", "the edge closes it"
    closed = time.monotonic() - started
    assert 8 < closed < 15, closed
    # A WebSocket that stays quiet longer than that is not closed by it.
    async def quiet_websocket():
        async with raw_socket(edge, "CP-QUIET-1") as ws:
            await asyncio.sleep(11)
            answer = await exchange(ws, json.dumps([2, "q", "Heartbeat", {}]))
            assert answer[0] == 3, answer

    arun(quiet_websocket(), timeout=30)


def test_a_configured_station_whose_identity_predates_the_rule_still_connects(make_edge):
    """An edge.yaml from before the identity rule still starts, and its station (a harmless identity such as one with a
    space) still connects, with a warning to rename it; a new station with such an identity is refused."""
    edge = make_edge({"stations": [{"id": "CP 01"}]})

    async def body():
        async with charger(edge, "CP 01") as cp:
            assert (await cp.boot()).status == "Accepted"
        refused = await refused_status(edge, "CP 02")
        assert refused.response.status_code == 404

    arun(body())
    edge.wait_for_log(r"kept because it is configured or known")


def test_one_address_holds_a_bounded_number_of_connections(edge):
    """Security review, finding 17: one device could hold thousands of sockets on the OCPP port."""
    import socket

    def opened() -> socket.socket:
        return socket.create_connection(("127.0.0.1", edge.ocpp_port), timeout=5)

    def closed_by_the_edge(sock: socket.socket) -> bool:
        sock.settimeout(2)
        try:
            return sock.recv(1) == b""
        except (socket.timeout, TimeoutError):
            return False
        except ConnectionResetError:
            return True

    held = [opened() for _ in range(256)]
    try:
        extra = opened()
        assert closed_by_the_edge(extra), "the 257th connection from one address stayed open"
        extra.close()
        held.pop().close()
        time.sleep(0.5)
        again = opened()
        assert not closed_by_the_edge(again), "a place freed is taken again"
        again.close()
    finally:
        for sock in held:
            sock.close()
    assert metric_sum(edge.metrics(), "ocpp_auth_failures_total", reason="too_many_connections") == 1
