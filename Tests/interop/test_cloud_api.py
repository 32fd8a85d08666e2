"""The cloud's ingest contract and REST API, driven by an independent MQTT peer (paho-mqtt) that plays an edge,
and by the real edge with chargers from the `ocpp` library for commands and authorization."""

from __future__ import annotations

import asyncio
import json
import time
import urllib.parse

from ocpp.v16 import call

from cloud import Peer, edge_cloud_config
from support import arun, charger, metric_sum, now_iso, poll, wait_until

FAKE = "site-fake"
OTHER = "site-other"


def envelope(seq: int, kind: str, data: dict, site: str = FAKE) -> dict:
    return {"v": 1, "site": site, "seq": seq, "ts": now_iso(), "type": kind, "data": data}


def publish(peer: Peer, message: dict, site: str = FAKE, kind: str | None = None) -> None:
    peer.publish(f"gridside/v1/{site}/up/{kind or message['type']}", message)


START = {"station": "CP-F1", "connector": 1, "transactionId": 7, "idTag": "CARD-1", "authStatus": "Accepted",
         "meterStartWh": 1000, "startTime": "2026-11-25T08:00:00.000Z"}


def update(energy: float, soc: float, time_: str) -> dict:
    return {"station": "CP-F1", "connector": 1, "transactionId": 7, "time": time_, "energyWh": energy, "powerW": 7000,
            "currentA": 10, "soc": soc}


STOP = {"station": "CP-F1", "connector": 1, "transactionId": 7, "idTag": "CARD-1", "meterStartWh": 1000,
        "startTime": "2026-11-25T08:00:00.000Z", "meterStopWh": 9000, "stopTime": "2026-11-25T09:00:00.000Z",
        "reason": "EVDisconnected"}


def test_duplicates_and_reordering_are_applied_once_in_the_right_order(make_cloud, broker):
    cloud = make_cloud(sites=(FAKE,))
    peer = Peer(broker, "fake-edge", subscribe=[f"gridside/v1/{FAKE}/down/#"])
    messages = {
        1: envelope(1, "session.start", START),
        2: envelope(2, "session.update", update(3000, 40, "2026-11-25T08:20:00.000Z")),
        3: envelope(3, "session.update", update(6000, 60, "2026-11-25T08:40:00.000Z")),
        4: envelope(4, "session.stop", STOP),
    }
    # Stop first, the later update before the earlier one, and everything twice.
    for seq in [4, 3, 2, 4, 1, 3, 2, 1]:
        publish(peer, messages[seq])
    poll(lambda: len(cloud.sessions(site=FAKE)) == 1 and not cloud.sessions(site=FAKE)[0]["active"], timeout=15,
         what="the session applied")
    session = cloud.get(f"/api/v1/sessions/{FAKE}/7")
    assert session["energyWh"] == 8000 and session["meterStartWh"] == 1000 and session["stopReason"] == "EVDisconnected"
    assert session["soc"] == 60, "the update with the higher seq wins, whatever the arrival order"
    # Every seq acknowledged (repeats too), applied once.
    poll(lambda: {s for ack in peer.received("/down/ack") for s in ack["seqs"]} == {1, 2, 3, 4}, timeout=10,
         what="acks for 1-4")
    # The acks above may come from the first copies; the repeats can still be in a later batch.
    poll(lambda: metric_sum(cloud.metrics(), "ingest_duplicates_total") == 4, timeout=10, what="every repeat counted")
    assert metric_sum(cloud.metrics(), "ingest_applied_total") == 4
    peer.close()


def test_bad_messages_are_rejected_and_counted_and_other_sites_are_unaffected(make_cloud, broker):
    cloud = make_cloud(sites=(FAKE, OTHER), overrides={"ingest": {"site_rate": 50, "site_burst": 100,
                                                                  "max_payload_bytes": 4096}})
    peer = Peer(broker, "bad-edge")
    publish(peer, "not json at all", kind="event")
    publish(peer, envelope(1, "event", {"kind": "x", "severity": "info", "detail": "{}", "time": 5}), kind="event")
    publish(peer, envelope(2, "session.start", START), kind="event")  # type differs from the topic
    publish(peer, envelope(3, "no.such.type", {}), kind="no.such.type")
    publish(peer, envelope(4, "event", {"kind": "x", "severity": "info", "detail": "x" * 10_000,
                                        "time": now_iso()}), kind="event")
    publish(peer, envelope(5, "event", {}, site="site-unknown"), site="site-unknown", kind="event")
    # A seq no edge makes (edges seed theirs from the clock in microseconds): refused, not added to (an overflow).
    publish(peer, envelope(2 ** 63 - 1, "event", {"kind": "x", "severity": "info", "detail": "{}", "time": now_iso()}),
            kind="event")
    # Far over the limit: dropped by the cloud's MQTT client before it is copied (security review, finding 16).
    publish(peer, envelope(6, "event", {"kind": "x", "severity": "info", "detail": "x" * 20_000,
                                        "time": now_iso()}), kind="event")
    peer.publish(f"gridside/v1/{FAKE}/up/", "{}")
    # A flood from one site: beyond its burst, refused; the other site's messages still apply.
    flood = [envelope(100 + n, "event", {"kind": "flood", "severity": "info", "detail": "{}", "time": now_iso()})
             for n in range(400)]
    for message in flood:
        peer.client.publish(f"gridside/v1/{FAKE}/up/event", json.dumps(message), qos=1)
    publish(peer, envelope(1, "session.start", {**START, "transactionId": 99}, site=OTHER), site=OTHER)

    def rejected(reason: str) -> float:
        return metric_sum(cloud.metrics(), "ingest_rejected_total", reason=reason)

    poll(lambda: rejected("malformed") >= 4, timeout=15, what="malformed envelopes counted")
    poll(lambda: rejected("rate_limited") >= 1, timeout=15, what="the flood rate-limited")
    assert rejected("mismatch") == 1
    assert rejected("oversized") == 1
    assert metric_sum(cloud.metrics(), "mqtt_received_dropped_total") >= 1
    assert rejected("unknown_site") == 1
    assert rejected("topic") == 1
    poll(lambda: len(cloud.sessions(site=OTHER)) == 1, timeout=15, what="the other site's session")
    assert "rejected an up message" in cloud.log_text()
    # Nothing malformed was stored.
    kinds = {e["kind"] for e in cloud.get(f"/api/v1/events?site={FAKE}&limit=1000")["items"]}
    assert kinds <= {"flood"}, kinds
    peer.close()


def test_api_refuses_missing_tokens_bad_filters_and_roles_without_the_permission(make_cloud, broker):
    cloud = make_cloud(sites=(FAKE,))
    viewer = cloud.create_token("viewer")
    status, body = cloud.api("GET", "/api/v1/sessions", token=None)
    assert status == 401 and body["status"] == 401 and body["title"] == "Unauthorized"
    assert cloud.api("GET", "/api/v1/sessions", token="gst_nope_nope")[0] == 401
    assert cloud.api("GET", "/api/v1/sessions", token="Basic abc")[0] == 401
    for query, name in [("limit=0", "limit"), ("limit=abc", "limit"), ("active=maybe", "active"), ("from=yesterday", "from"),
                        ("cursor=%%%", "cursor")]:
        status, body = cloud.api("GET", f"/api/v1/sessions?{query}")
        assert status == 400 and name in body["detail"], (query, body)
    assert cloud.api("GET", "/api/v1/events?severity=loud")[0] == 400
    assert cloud.api("GET", "/api/v1/stations/nope")[0] == 404
    assert cloud.api("GET", "/api/v1/sites/nope")[0] == 404
    # A viewer reads but may not send commands or change token lists.
    assert cloud.api("GET", "/api/v1/sites", token=viewer)[0] == 200
    status, body = cloud.api("PUT", f"/api/v1/sites/{FAKE}/tokens", {"tokens": []}, token=viewer)
    assert status == 403, body
    status, body = cloud.api("PUT", f"/api/v1/sites/{FAKE}/tokens", {"tokens": [{"idTag": "X" * 21, "status": "Accepted"}]})
    assert status == 400 and "idTag" in body["detail"]
    # The document is served without a token.
    status, document = cloud.api("GET", "/api/v1/openapi.json", token=None)
    assert status == 200 and document["openapi"].startswith("3.1")


def test_session_pages_follow_the_cursor(make_cloud, broker):
    cloud = make_cloud(sites=(FAKE,))
    peer = Peer(broker, "pager")
    for n in range(1, 26):
        publish(peer, envelope(n, "session.start", {**START, "transactionId": n,
                                                   "startTime": f"2026-11-25T08:{n:02d}:00.000Z"}))
    poll(lambda: len(cloud.sessions(site=FAKE)) == 25, timeout=15, what="25 sessions")
    seen = []
    cursor = None
    while True:
        query = {"site": FAKE, "limit": 10, **({"cursor": cursor} if cursor else {})}
        page = cloud.get("/api/v1/sessions?" + urllib.parse.urlencode(query))
        seen += [s["transactionId"] for s in page["items"]]
        cursor = page.get("next")
        if not cursor:
            break
    assert seen == list(range(25, 0, -1))
    only = cloud.get("/api/v1/sessions?" + urllib.parse.urlencode(
        {"from": "2026-11-25T08:10:00Z", "to": "2026-11-25T08:12:00Z"}))["items"]
    assert [s["transactionId"] for s in only] == [11, 10]
    peer.close()


def test_command_from_the_api_reaches_the_charger_and_its_result_comes_back(make_edge, make_cloud, broker):
    site = "site-cmd"
    cloud = make_cloud(sites=(site,))
    edge = make_edge(edge_cloud_config(site, broker))

    async def scenario():
        async with charger(edge, "CP-CMD") as cp:
            await cp.boot()
            await cp.call(call.StatusNotification(connector_id=1, error_code="NoError", status="Available"))
            await asyncio.to_thread(poll, lambda: cloud.api("GET", "/api/v1/stations/CP-CMD")[0] == 200, 15)
            cp.answers["Reset"] = {"status": "Rejected"}
            status, body = await asyncio.to_thread(
                cloud.api, "POST", "/api/v1/stations/CP-CMD/commands/Reset", {"type": "Soft"})
            assert status == 200, body
            assert body["outcome"] == "accepted" and body["response"] == {"status": "Rejected"}
            assert cp.calls_of("Reset") == [{"type": "Soft"}]
            status, body = await asyncio.to_thread(
                cloud.api, "POST", "/api/v1/stations/CP-CMD/commands/Reset", {"type": "Sometimes"})
            assert status == 400 and "type" in body["detail"]
            status, body = await asyncio.to_thread(cloud.api, "POST", "/api/v1/stations/CP-CMD/commands/Explode", {})
            assert status == 404
        # The charger is gone: the edge answers, the API says why.
        await asyncio.sleep(0.5)
        status, body = await asyncio.to_thread(
            cloud.api, "POST", "/api/v1/stations/CP-CMD/commands/Reset", {"type": "Soft"})
        assert status == 409 and "not connected" in body["detail"], body

    arun(scenario(), timeout=90)
    # The whole site offline: refused at once, with the reason.
    edge.stop()
    poll(lambda: cloud.get(f"/api/v1/sites/{site}")["online"] is False, timeout=15, what="site offline")
    status, body = cloud.api("POST", "/api/v1/stations/CP-CMD/commands/Reset", {"type": "Soft"})
    assert status == 409 and "offline" in body["detail"], body
    commands = cloud.get(f"/api/v1/events?site={site}&kind=command")["items"]
    assert commands and all(command["code"] == "Reset" for command in commands)


def test_unknown_tokens_are_asked_of_the_cloud_and_the_list_reaches_the_chargers(make_edge, make_cloud, broker):
    site = "site-auth"
    cloud = make_cloud(sites=(site,))
    # Offline, unknown tokens would be accepted: an Invalid answer can only come from the cloud.
    edge = make_edge({**edge_cloud_config(site, broker, auth_timeout_s=2), "authorization": {"unknown_tokens": "accept"}})
    status, body = cloud.api("PUT", f"/api/v1/sites/{site}/tokens", {"tokens": [
        {"idTag": "CLOUD-OK", "status": "Accepted"}, {"idTag": "CLOUD-BLOCKED", "status": "Blocked"}]})
    assert status == 200 and body["version"] == 1

    async def scenario():
        async with charger(edge, "CP-AUTH") as cp:
            await cp.boot()
            # The list arrives by SendLocalList, as a full update with the cloud's version.
            for _ in range(100):
                if cp.calls_of("SendLocalList"):
                    break
                await asyncio.sleep(0.1)
            pushed = cp.calls_of("SendLocalList")
            assert pushed and pushed[0]["listVersion"] == 1 and pushed[0]["updateType"] == "Full"
            assert {e["idTag"] for e in pushed[0]["localAuthorizationList"]} == {"CLOUD-OK", "CLOUD-BLOCKED"}
            # A token the edge never heard of is asked of the cloud, which does not know it either.
            answer = await cp.call(call.Authorize(id_tag="NOBODY"), suppress=False)
            assert answer.id_tag_info["status"] == "Invalid"
            await asyncio.to_thread(cloud.api, "PUT", f"/api/v1/sites/{site}/tokens", {"tokens": [
                {"idTag": "CLOUD-OK", "status": "Accepted"}]})
            for _ in range(100):
                if len(cp.calls_of("SendLocalList")) >= 2:
                    break
                await asyncio.sleep(0.1)
            assert cp.calls_of("SendLocalList")[-1]["listVersion"] == 2

    arun(scenario(), timeout=60)


def test_offline_policy_decides_when_the_cloud_cannot_answer(make_edge, make_cloud, broker):
    site = "site-offline"
    cloud = make_cloud(sites=(site,))
    cloud.stop()  # the broker is up, nobody answers
    accepting = make_edge({**edge_cloud_config(site, broker, auth_timeout_s=1),
                           "authorization": {"unknown_tokens": "accept"}})
    rejecting = make_edge({**edge_cloud_config("site-offline-2", broker, auth_timeout_s=1)})

    async def authorize(edge) -> tuple[str, float]:
        async with charger(edge, "CP-OFF") as cp:
            await cp.boot()
            started = time.monotonic()
            answer = await cp.call(call.Authorize(id_tag="STRANGER"), suppress=False)
            return answer.id_tag_info["status"], time.monotonic() - started

    status, waited = arun(authorize(accepting))
    assert status == "Accepted" and waited >= 0.9, (status, waited)
    status, _ = arun(authorize(rejecting))
    assert status == "Invalid"
    # With no broker at all, nobody waits for the cloud.
    broker.stop()
    status, waited = arun(authorize(accepting))
    assert status == "Accepted" and waited < 0.9, (status, waited)
    broker.start()


def test_load_management_settings_from_the_api_take_effect_on_the_edge_and_outlive_a_restart(
        make_edge, make_cloud, broker):
    site = "site-lm"
    cloud = make_cloud(sites=(site,))
    edge = make_edge({**edge_cloud_config(site, broker),
                      "grid": {"limit_a": 40},
                      "load_management": {"mode": "static", "static_current_a": 20, "failsafe_current_a": 10}})
    poll(lambda: cloud.get(f"/api/v1/sites/{site}")["online"], timeout=15, what="site online")
    path = f"/api/v1/sites/{site}/load-management"

    def failsafes(cp) -> list[float]:
        return [profile["csChargingProfiles"]["chargingSchedule"]["chargingSchedulePeriod"][0]["limit"]
                for profile in cp.calls_of("SetChargingProfile") if profile["csChargingProfiles"]["stackLevel"] == 0]

    async def scenario():
        async with charger(edge, "CP-LM") as cp:
            await cp.boot()
            await wait_until(lambda: failsafes(cp) == [10], timeout=15, what="the failsafe of edge.yaml installed")
            status, body = await asyncio.to_thread(
                cloud.api, "PUT", path, {"strategy": "fifo", "staticCurrentA": 24, "failsafeCurrentA": 8})
            assert status == 200, body
            assert body["outcome"] == "accepted"
            assert body["response"] == {"mode": "static", "staticCurrentA": 24, "strategy": "fifo", "gridLimitA": 40,
                                        "failsafeCurrentA": 8, "minCurrentA": 6}
            # The new failsafe reaches the charger without a restart.
            await wait_until(lambda: failsafes(cp) == [10, 8], timeout=15, what="the new failsafe installed")

    arun(scenario(), timeout=60)
    poll(lambda: edge.status().get("loadManagement", {}).get("strategy") == "fifo", timeout=10,
         what="the edge's load manager on the new strategy")

    # Refused before anything is changed, each naming the field (the last by the edge: the cloud may lower the
    # installer's fuse, never raise it).
    for change, named in [({"strategy": "random"}, "strategy"), ({"gridLimitA": 2}, "gridLimitA"),
                          ({"minCurrentA": 10}, "minCurrentA"), ({}, "nothing to change"),
                          ({"failsafeCurrentA": "lots"}, "failsafeCurrentA"),
                          ({"strategy": "fifo", "gridLimit": 30}, "gridLimit"),
                          ({"gridLimitA": 63}, "above the main fuse")]:
        status, body = cloud.api("PUT", path, change)
        assert status == 400 and named in body["detail"], (change, status, body)
    # Refused by the edge, which knows its site: no meter for dynamic mode, a static share above the fuse.
    status, body = cloud.api("PUT", path, {"mode": "dynamic"})
    assert status == 400 and "needs a meter" in body["detail"], body
    status, body = cloud.api("PUT", path, {"gridLimitA": 16})
    assert status == 400 and "above the main fuse" in body["detail"], body
    # The failsafe may be lowered from the cloud, never raised above edge.yaml's (security review, finding 12).
    status, body = cloud.api("PUT", path, {"failsafeCurrentA": 12})
    assert status == 400 and "above the failsafe current in the edge's edge.yaml" in body["detail"], body

    # Kept in the edge's store: after a restart the cloud's settings still apply over edge.yaml's.
    edge.stop()
    edge.start()
    poll(lambda: edge.status().get("loadManagement", {}).get("strategy") == "fifo", timeout=15,
         what="the cloud's settings after a restart")
    assert "load-management settings from the cloud apply over edge.yaml's" in edge.log_text()
    events = cloud.get(f"/api/v1/events?site={site}&kind=command")["items"]
    assert [event["code"] for event in events].count("SetLoadManagement") >= 3


def test_a_station_added_in_the_cloud_ahead_of_its_first_connection_is_known_to_the_edge_at_once(
        make_edge, make_cloud, broker):
    import websockets

    from support import basic_auth_header

    site = "site-reg"
    password = "a-station-password-1"
    cloud = make_cloud(sites=(site,))
    config = {**edge_cloud_config(site, broker), "ocpp": {"unknown_stations": "reject"},
              "stations": [{"id": "CP-YAML"}]}
    edge = make_edge(config)

    async def refused(station: str, **kwargs) -> int:
        try:
            async with charger(edge, station, **kwargs):
                return 101
        except websockets.exceptions.InvalidStatus as error:
            return error.response.status_code

    async def scenario():
        # Unknown to the edge: refused (the reject policy).
        assert await refused("CP-PRE") == 404
        for bad, field in [({"id": "CP-PRE", "phases": 3, "rotation": "L1L2"}, "rotation"),
                           ({"id": "CP-PRE", "maxCurrentA": 2}, "maxCurrentA"),
                           ({"id": "CP-PRE", "password": "short"}, "password")]:
            status, body = await asyncio.to_thread(cloud.api, "POST", f"/api/v1/sites/{site}/stations", bad)
            assert status == 400 and field in body["detail"], (bad, body)
        status, body = await asyncio.to_thread(
            cloud.api, "POST", f"/api/v1/sites/{site}/stations", {"id": "CP-PRE", "group": "nope"})
        assert status == 404 and "group" in body["detail"] and "nope" in body["detail"], body
        assert (await asyncio.to_thread(cloud.api, "PUT", "/api/v1/groups/depot", {"name": "Depot", "stations": []}))[0] == 200
        status, body = await asyncio.to_thread(
            cloud.api, "POST", f"/api/v1/sites/{site}/stations",
            {"id": "CP-PRE", "password": password, "maxCurrentA": 16, "phases": 1, "rotation": "L2", "priority": 5,
             "group": "depot"})
        assert status == 200 and body["outcome"] == "accepted", body
        groups = (await asyncio.to_thread(cloud.get, "/api/v1/groups"))["items"]
        assert [group["stations"] for group in groups if group["id"] == "depot"] == [[f"{site}/CP-PRE"]]
        assert body["response"]["passwordHash"] == "(set)" and body["response"]["rotation"] == "L2"
        # The edge's own file wins: a station of edge.yaml is not changed from the cloud.
        status, body = await asyncio.to_thread(cloud.api, "POST", f"/api/v1/sites/{site}/stations", {"id": "CP-YAML"})
        assert status == 400 and "edge.yaml" in body["detail"], body
        # Listed in the cloud before it ever connected.
        await asyncio.to_thread(poll, lambda: cloud.api("GET", "/api/v1/stations/CP-PRE")[0] == 200, 15,
                                what="the registered station in the cloud")
        # Known now, with its password: without it 401, with it accepted at boot.
        assert await refused("CP-PRE") == 401
        async with charger(edge, "CP-PRE", additional_headers=basic_auth_header("CP-PRE", password)) as cp:
            assert (await cp.boot()).status == "Accepted"

    arun(scenario(), timeout=90)
    # It outlives a restart of the edge.
    edge.stop()
    edge.start()

    async def after_restart():
        assert await refused("CP-PRE") == 401
        async with charger(edge, "CP-PRE", additional_headers=basic_auth_header("CP-PRE", password)) as cp:
            assert (await cp.boot()).status == "Accepted"
        # Registered again without a password: it keeps the one it has (security review, finding 37) ...
        status, body = await asyncio.to_thread(
            cloud.api, "POST", f"/api/v1/sites/{site}/stations", {"id": "CP-PRE", "maxCurrentA": 20})
        assert status == 200 and body["outcome"] == "accepted", body
        assert body["response"]["passwordHash"] == "(set)" and body["response"]["maxCurrentA"] == 20, body
        assert await refused("CP-PRE") == 401
        # ... unless removing it is said explicitly.
        status, body = await asyncio.to_thread(
            cloud.api, "POST", f"/api/v1/sites/{site}/stations", {"id": "CP-PRE", "removePassword": True})
        assert status == 200 and "passwordHash" not in body["response"], body
        assert await refused("CP-PRE") == 101
        # Identities outside the OCPP identity characters are refused by the cloud before anything is sent.
        status, body = await asyncio.to_thread(
            cloud.api, "POST", f"/api/v1/sites/{site}/stations", {"id": "CP 1/é"})
        assert status == 400 and "OCPP identity characters" in body["detail"], body

    arun(after_restart(), timeout=60)


def test_the_cloud_speaks_tls_1_2_or_later_and_asks_browsers_to_stay_on_https(make_cloud):
    """Security review, finding 24: no TLS 1.0 or 1.1 handshake, and Strict-Transport-Security on every answer."""
    import ssl
    import urllib.request

    from support import tls_version_accepted

    cloud = make_cloud()
    assert tls_version_accepted(cloud.port, ssl.TLSVersion.TLSv1_2)
    for old in (ssl.TLSVersion.TLSv1, ssl.TLSVersion.TLSv1_1):
        assert not tls_version_accepted(cloud.port, old), f"{old.name} handshake accepted"
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    for path in ("/healthz", "/login"):
        with urllib.request.urlopen(f"https://127.0.0.1:{cloud.port}{path}", context=context, timeout=10) as response:
            assert response.headers.get("Strict-Transport-Security") == "max-age=31536000", path


def test_an_idle_connection_to_the_cloud_is_closed(make_cloud):
    """Security review, finding 17: idle or half-open connections to 8443 used to stay open for good."""
    import socket

    cloud = make_cloud()
    sock = socket.create_connection(("127.0.0.1", cloud.port), timeout=30)
    started = time.monotonic()
    assert sock.recv(1024) == b""
    assert time.monotonic() - started < 25


def test_one_address_holds_at_most_its_share_of_connections(make_cloud):
    """Security review, finding 17: one client could hold thousands of connections to 8443 (a descriptor, a TLS
    context and buffers each). Beyond http.connections_per_address, one is closed before the handshake; the others
    and later ones are served."""
    import socket

    from support import metric_sum

    cloud = make_cloud({"http": {"connections_per_address": 8}})
    held = [socket.create_connection(("127.0.0.1", cloud.port), timeout=10) for _ in range(8)]
    try:
        extra = socket.create_connection(("127.0.0.1", cloud.port), timeout=10)
        started = time.monotonic()
        assert extra.recv(1024) == b"", "the ninth connection is closed"
        assert time.monotonic() - started < 5, "at once, not by the idle timeout"
        extra.close()
    finally:
        for sock in held:
            sock.close()
    # Their slots are given back once they close.
    poll(lambda: cloud.api("GET", "/api/v1/sites")[0] == 200, 10, what="a request after the others closed")
    assert metric_sum(cloud.metrics(), "http_connections_refused_total") == 1
    assert "connection refused: too many open from one address" in cloud.log_text()


def test_the_self_signed_certificate_is_trusted_for_the_clouds_own_names_only(make_cloud):
    """Security review, finding 28: the self-signed certificate may sign (so clients accept it as given), and a client
    told to trust it trusted anything its key signed; name constraints keep it to the cloud's own names."""
    import ssl
    import subprocess
    import urllib.request

    cloud = make_cloud()
    certificate = next(cloud.directory.rglob("cloud-selfsigned.crt.pem"))
    text = subprocess.run(["openssl", "x509", "-in", str(certificate), "-noout", "-text"], capture_output=True,
                          text=True, timeout=30, check=True).stdout
    assert "X509v3 Name Constraints: critical" in text and "DNS:localhost" in text, text
    assert "IP:127.0.0.1/255.255.255.255" in text, text
    # Still trusted for its own names.
    context = ssl.create_default_context(cafile=str(certificate))
    with urllib.request.urlopen(f"https://127.0.0.1:{cloud.port}/healthz", context=context, timeout=10) as response:
        assert response.status == 200
    unchanged = certificate.read_bytes()
    cloud.stop()
    cloud.start()
    assert certificate.read_bytes() == unchanged, "a constrained pair is kept across restarts"

    # A pair from before the constraints (a CA for any name) is replaced, key and all, at the next start.
    cloud.stop()
    key = certificate.with_name("cloud-selfsigned.key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                    "-keyout", str(key), "-out", str(certificate), "-days", "30",
                    "-subj", "/CN=gridside-cloud old/O=Gridside (self-signed)",
                    "-addext", "basicConstraints=critical,CA:TRUE,pathlen:0"], capture_output=True, timeout=30, check=True)
    old_certificate, old_key = certificate.read_bytes(), key.read_bytes()
    cloud.start()
    assert certificate.with_name("cloud-selfsigned.crt.pem.replaced").read_bytes() == old_certificate
    assert certificate.with_name("cloud-selfsigned.key.pem.replaced").read_bytes() == old_key
    assert key.read_bytes() != old_key and key.stat().st_mode & 0o077 == 0
    text = subprocess.run(["openssl", "x509", "-in", str(certificate), "-noout", "-text"], capture_output=True,
                          text=True, timeout=30, check=True).stdout
    assert "X509v3 Name Constraints: critical" in text, text
    assert "give clients that trusted it the new certificate" in cloud.log_text()


def test_a_token_is_listed_and_revoked_from_the_command_line_and_needs_a_role(make_cloud):
    """Security review, finding 14: tokens could be neither listed nor revoked, never expired, and were admin by
    default."""
    import subprocess

    from cloud import cloud_binary

    cloud = make_cloud(sites=("site-tokens",))
    token = cloud.create_token("viewer")
    assert cloud.api("GET", "/api/v1/sites", token=token)[0] == 200
    _, token_id, secret = token.split("_", 2)
    listed = cloud.cli("token", "list")
    line = next(line for line in listed.splitlines() if line.startswith(token_id + "\t"))
    assert "\ttest-viewer\tviewer\t" in line and line.endswith("\tactive"), line
    assert "expires: 20" in line, "a year from now by default"
    assert secret not in listed
    assert f"Token '{token_id}' revoked." in cloud.cli("token", "revoke", token_id)
    status, body = cloud.api("GET", "/api/v1/sites", token=token)
    assert status == 401, body
    assert any(line.startswith(token_id + "\t") and line.endswith("\trevoked")
               for line in cloud.cli("token", "list").splitlines())
    no_role = subprocess.run(
        [str(cloud_binary()), "token", "create", "--name", "x", "--config", str(cloud.config_path)],
        capture_output=True, text=True, timeout=60)
    assert no_role.returncode != 0 and "--role" in no_role.stderr, no_role.stderr


def test_check_refuses_a_plain_public_url_and_limits_out_of_range(tmp_path):
    """A second reader of the security review: http.public_url could be http://, so firmware URLs (and their secret)
    went out in clear; the cloud only serves HTTPS anyway."""
    import subprocess

    from cloud import cloud_binary

    config = tmp_path / "cloud.yaml"
    config.write_text(json.dumps({
        "http": {"listen": "127.0.0.1:0", "public_url": "http://cloud.example.com", "connections_per_address": 2},
        "store": {"url": f"sqlite://{tmp_path}/cloud.sqlite"},
        # Below the largest message: one would be refused with nothing waiting, and resent for ever.
        "ingest": {"max_payload_bytes": 65536, "max_backlog_bytes": 8192}}))
    result = subprocess.run([str(cloud_binary()), "check", "--config", str(config)], capture_output=True, text=True,
                            timeout=60)
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert "http.public_url: must be an https URL such as https://cloud.example.com, got 'http://cloud.example.com'" in output
    assert "http.connections_per_address" in output, output
    assert "ingest.max_backlog_bytes: must be at least ingest.max_payload_bytes (65536), got 8192" in output, output
