"""Notifications through the real cloud: a rule's webhook receives a signed POST when a station reports Faulted (the
signature checked here with Python's own hmac, its timestamp fresh), the quiet period holds the flapping charger's
next faults back (counted on the first), a receiver that answers 500 gets the retries with backoff, and a client
organization's rule never hears of another customer's station."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cloud import Peer
from support import now_iso, poll


class Receiver:
    """An HTTP webhook receiver on loopback that keeps what it is sent and answers `status`."""

    def __init__(self, status: int = 200):
        self.status = status
        self.requests: list[tuple[dict, bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (the standard library's name)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(receiver.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()


def verified(headers: dict, body: bytes, secret: str) -> dict:
    """The body, once its signature holds and is at most five minutes old."""
    parts = dict(part.split("=", 1) for part in headers["x-gridside-signature"].split(","))
    expected = hmac.new(secret.encode(), parts["t"].encode() + b"." + body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(expected, parts["v1"]), "the signature does not hold"
    assert abs(time.time() - int(parts["t"])) < 300, "the signature is stale"
    return json.loads(body)


def fault(peer: Peer, site: str, station: str, seq: int, status: str = "Faulted"):
    message = {"v": 1, "site": site, "seq": seq, "ts": now_iso(), "type": "connector.status",
               "data": {"station": station, "connector": 1, "status": status, "errorCode": "GroundFailure",
                        "vendorErrorCode": "E42", "time": now_iso()}}
    peer.publish(f"gridside/v1/{site}/up/connector.status", message)


def test_a_fault_reaches_a_signed_webhook_once_per_quiet_period_and_a_failing_receiver_gets_retries(
        make_cloud, broker):
    cloud = make_cloud(sites=("site-acme", "site-other"), overrides={"notifications": {"retry_base_s": 1}})
    cloud.cli("organization", "add", "acme", "--name", "ACME Logistics")
    cloud.cli("organization", "grant", "acme", "--site", "site-acme")
    good, failing, partners = Receiver(), Receiver(status=500), Receiver()
    try:
        secrets = {}
        for rule, receiver in (("faults", good), ("faults-failing", failing)):
            status, body = cloud.api("PUT", f"/api/v1/notification-rules/{rule}", {
                "name": rule, "events": ["station_faulted"], "quietMinutes": 15, "webhook": receiver.url})
            assert status == 200, body
            secrets[rule] = body["webhook"]["secret"]
        # A client organization's own rule, made by its own operator.
        status, created = cloud.api("POST", "/api/v1/users", {
            "id": "otto", "name": "Otto", "role": "operator", "organization": "acme",
            "password": "a long password"})
        assert status == 201, created
        token = cloud.cli("token", "create", "--name", "otto-api", "--user", "otto").strip()
        status, body = cloud.api("PUT", "/api/v1/notification-rules/acme-faults", {
            "name": "ours", "events": ["station_faulted"], "webhook": partners.url}, token=token)
        assert status == 200, body
        secrets["acme-faults"] = body["webhook"]["secret"]
        status, body = cloud.api("PUT", "/api/v1/notification-rules/bad", {
            "name": "x", "events": ["station_on_fire"]})
        assert status == 400 and "events[0]" in body["detail"], body

        peer = Peer(broker, "fake-edges")
        fault(peer, "site-other", "CP-OTHER", 1)
        poll(lambda: len(good.requests) == 1, timeout=20, what="the webhook")
        notification = verified(*good.requests[0], secrets["faults"])
        assert notification["event"] == "station_faulted" and notification["station"] == "CP-OTHER"
        assert notification["summary"] == "CP-OTHER connector 1: Faulted, GroundFailure, vendor code E42"
        assert good.requests[0][0]["x-gridside-event"] == "station_faulted"

        # Flapping: the next faults within the quiet period are counted, not sent.
        for seq in range(2, 8):
            fault(peer, "site-other", "CP-OTHER", seq, "Available" if seq % 2 == 0 else "Faulted")
        poll(lambda: cloud.get("/api/v1/notifications?limit=10")["items"][0]["count"] == 4, timeout=20,
             what="the faults counted on the first")
        assert len(good.requests) == 1

        # The failing receiver: tried at once, after 1 s, after 2 s ...
        poll(lambda: len(failing.requests) >= 3, timeout=30, what="the retries")
        stamps = [int(dict(p.split("=", 1) for p in h["x-gridside-signature"].split(","))["t"])
                  for h, _ in failing.requests[:3]]
        assert stamps[2] - stamps[0] >= 2, stamps
        for headers, body in failing.requests:
            verified(headers, body, secrets["faults-failing"])
        failed_id = [n for n in cloud.get("/api/v1/notifications?limit=10")["items"]
                     if n["rule"] == "faults-failing"][0]["id"]
        [delivery] = cloud.get(f"/api/v1/notifications/{failed_id}/deliveries")["items"]
        assert delivery["lastError"] == "HTTP 500" and delivery["attempts"] >= 3, delivery

        # The organization's rule heard nothing of the other customer's station; its own station, it hears.
        assert partners.requests == []
        fault(peer, "site-acme", "CP-ACME", 1)
        poll(lambda: len(partners.requests) == 1, timeout=20, what="the organization's webhook")
        assert verified(*partners.requests[0], secrets["acme-faults"])["station"] == "CP-ACME"
        status, seen = cloud.api("GET", "/api/v1/notifications", token=token)
        assert status == 200 and [n["station"] for n in seen["items"]] == ["CP-ACME"], seen
        peer.close()
    finally:
        for receiver in (good, failing, partners):
            receiver.close()
