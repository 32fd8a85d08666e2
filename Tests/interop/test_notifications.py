"""Notifications through the real cloud: a rule's webhook receives a signed POST when a station reports Faulted (the
signature checked here with Python's own hmac, its timestamp fresh), the quiet period holds the flapping charger's
next faults back (counted on the first), a receiver that answers 500 gets the retries with backoff, and a client
organization's rule never hears of another customer's station (and its hooks never reach the cloud's own machine)."""

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
    """An HTTP receiver on loopback (a webhook's, a push service's) that keeps what it is sent (headers and body, and
    the path in `paths`) and answers `status`, or what `status(path)` says."""

    def __init__(self, status=200):
        self.status = status
        self.requests: list[tuple[dict, bytes]] = []
        self.paths: list[str] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (the standard library's name)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.paths.append(self.path)
                receiver.requests.append(({k.lower(): v for k, v in self.headers.items()}, body))
                status = receiver.status
                self.send_response(status(self.path) if callable(status) else status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.url = self.origin + "/hook"
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
        # Its hooks never reach the cloud's own machine (the fleet's may, for a receiver beside the cloud).
        status, body = cloud.api("PUT", "/api/v1/notification-rules/acme-faults", {
            "name": "ours", "events": ["station_faulted"], "webhook": partners.url}, token=token)
        assert status == 400 and "webhook" in body["detail"], body
        status, body = cloud.api("PUT", "/api/v1/notification-rules/acme-faults", {
            "name": "ours", "events": ["station_faulted"]}, token=token)
        assert status == 200 and body["organization"] == "acme", body
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

        # The organization's rule made nothing of the other customer's station; of its own station, it does.
        status, seen = cloud.api("GET", "/api/v1/notifications", token=token)
        assert status == 200 and seen["items"] == [], seen
        fault(peer, "site-acme", "CP-ACME", 1)

        def own():
            return [(n["rule"], n["station"]) for n in cloud.api("GET", "/api/v1/notifications", token=token)[1]["items"]]

        poll(lambda: own() == [("acme-faults", "CP-ACME")], timeout=20, what="the organization's own notification")
        peer.close()
    finally:
        for receiver in (good, failing, partners):
            receiver.close()


def self_signed(directory) -> tuple[str, str]:
    """A certificate for 127.0.0.1 and its key (PEM files), as a private mail server would have."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "mail.test")])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                   .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
                   .not_valid_after(now + datetime.timedelta(days=1))
                   .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                                  critical=False)
                   .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                   .sign(key, hashes.SHA256()))
    cert_path, key_path = directory / "mail.crt", directory / "mail.key"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return str(cert_path), str(key_path)


class MailHandler:
    """aiosmtpd's handler: keeps each mail (sender, recipients, parsed message); refuses `busy@` addresses for now."""

    def __init__(self):
        self.mails: list[tuple[str, list[str], "email.message.EmailMessage"]] = []
        self.refused: list[str] = []

    async def handle_RCPT(self, server, session, envelope, address, options):  # noqa: N802 (aiosmtpd's name)
        if address.startswith("busy@"):
            self.refused.append(address)
            return "451 4.3.0 mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        import email
        import email.policy

        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.mails.append((envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 OK"


def test_a_rules_mails_reach_a_real_smtp_server_over_starttls_in_their_language_and_a_refusal_is_retried(
        make_cloud, broker, tmp_path):
    import ssl

    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword
    from meters import free_port

    def authenticator(server, session, envelope, mechanism, data):
        return AuthResult(success=isinstance(data, LoginPassword) and (data.login, data.password) == (b"gridside", b"s3cret"))

    cert, key = self_signed(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    handler, port = MailHandler(), free_port()
    server = Controller(handler, hostname="127.0.0.1", port=port, tls_context=context, require_starttls=True,
                        authenticator=authenticator, auth_require_tls=True)
    server.start()
    try:
        cloud = make_cloud(sites=("site-mail",), overrides={
            "notifications": {"retry_base_s": 1},
            "smtp": {"host": "127.0.0.1", "port": port, "security": "starttls", "username": "gridside",
                     "password": "s3cret", "from": "Gridside <noreply@gridside.test>", "ca_file": cert}})
        for rule, language, emails in (("ops", "en", ["ops@fleet.test", "oncall@fleet.test", "busy@fleet.test"]),
                                       ("werkstatt", "de", ["werkstatt@fleet.test"])):
            status, body = cloud.api("PUT", f"/api/v1/notification-rules/{rule}", {
                "name": rule, "events": ["station_faulted"], "emails": emails, "language": language})
            assert status == 200, body
        status, body = cloud.api("PUT", "/api/v1/notification-rules/bad", {
            "name": "x", "events": ["station_faulted"], "emails": ["not an address"]})
        assert status == 400 and "emails[0]" in body["detail"], body

        peer = Peer(broker, "fake-edge")
        fault(peer, "site-mail", "CP-MAIL", 1)
        poll(lambda: len(handler.mails) == 3, timeout=20, what="three mails")
        by_recipient = {rcpt[0]: (sender, message) for sender, rcpt, message in handler.mails}
        assert set(by_recipient) == {"ops@fleet.test", "oncall@fleet.test", "werkstatt@fleet.test"}
        sender, english = by_recipient["ops@fleet.test"]
        assert sender == "noreply@gridside.test" and english["From"] == "Gridside <noreply@gridside.test>"
        assert english["Subject"] == "[Gridside] Station faulted: CP-MAIL"
        text = english.get_body(preferencelist=("plain",)).get_content()
        assert "CP-MAIL connector 1: Faulted, GroundFailure, vendor code E42" in text and "vendorErrorCode: E42" in text
        assert "<h1>Station faulted</h1>" in english.get_body(preferencelist=("html",)).get_content()
        german = by_recipient["werkstatt@fleet.test"][1]
        assert german["Subject"] == "[Gridside] Ladestation gestört: CP-MAIL", german["Subject"]
        assert "Standort: site-mail" in german.get_body(preferencelist=("plain",)).get_content()

        # The busy mailbox: refused, tried again after 1 s, 2 s ..., its failure kept with the server's words.
        poll(lambda: len(handler.refused) >= 3, timeout=30, what="the refused address retried")
        ops = [n for n in cloud.get("/api/v1/notifications")["items"] if n["rule"] == "ops"][0]
        deliveries = {d["target"]: d for d in cloud.get(f"/api/v1/notifications/{ops['id']}/deliveries")["items"]}
        assert deliveries["ops@fleet.test"]["status"] == "sent"
        busy = deliveries["busy@fleet.test"]
        assert busy["status"] == "pending" and busy["attempts"] >= 2 and "451" in busy["lastError"], busy
        peer.close()
    finally:
        server.stop()


def test_the_open_dashboard_shows_a_notification_at_once_and_the_quiet_period_holds_back_the_next(
        make_cloud, broker, browsers):
    from browser import PASSWORD, add_user
    from selenium.webdriver.common.by import By

    cloud = make_cloud(sites=("site-live", "site-else"))
    cloud.cli("organization", "add", "acme", "--name", "ACME Logistics")
    cloud.cli("organization", "grant", "acme", "--site", "site-live")
    add_user(cloud, "vera", "viewer")
    add_user(cloud, "paula", "partner", "--organization", "acme")
    status, body = cloud.api("PUT", "/api/v1/notification-rules/faults", {
        "name": "Faults", "events": ["station_faulted"], "quietMinutes": 15})
    assert status == 200, body
    staff = browsers(f"https://127.0.0.1:{cloud.port}")
    staff.sign_in("vera", PASSWORD)
    partner = browsers(f"https://127.0.0.1:{cloud.port}")
    partner.sign_in("paula", PASSWORD)
    peer = Peer(broker, "fake-edge")
    fault(peer, "site-live", "CP-LIVE", 1)

    def toasts(browser):
        return [t.text for t in browser.driver.find_elements(By.CSS_SELECTOR, "#toasts .toast")]

    staff.wait(lambda d: toasts(staff), "the notification in the page", timeout=20)
    assert "CP-LIVE connector 1: Faulted, GroundFailure, vendor code E42" in toasts(staff)[0], toasts(staff)
    staff.wait(lambda d: d.find_element(By.ID, "unread").text == "1", "the header's unread count")
    # The fleet's own rule is the fleet's: the customer's user, who sees the station, is not told of it.
    time.sleep(1.5)
    assert toasts(partner) == []
    # Flapping: within the quiet period nothing more shows; the first counts the faults.
    for seq in range(2, 6):
        fault(peer, "site-live", "CP-LIVE", seq, "Available" if seq % 2 == 0 else "Faulted")
    poll(lambda: cloud.get("/api/v1/notifications")["items"][0]["count"] == 3, timeout=20, what="the faults counted")
    time.sleep(1.5)
    assert len(toasts(staff)) == 1, toasts(staff)
    staff.screenshot("notification.png")
    # The list: the notification with its count, marked new once; read, the header counts nothing more.
    staff.open("/notifications")
    row = staff.driver.find_element(By.CSS_SELECTOR, "#notification-list tbody tr")
    assert "CP-LIVE" in row.text and "Station faulted" in row.text and "unread" in row.get_attribute("class"), row.text
    staff.open("/sessions")
    time.sleep(1)
    assert not staff.driver.find_element(By.ID, "unread").is_displayed()
    # A page that is not live (the session list) shows the next notification too.
    fault(peer, "site-live", "CP-LIVE-2", 6)
    staff.wait(lambda d: any("CP-LIVE-2" in t for t in toasts(staff)), "the notification on the session list", timeout=20)
    partner.open("/notifications")
    assert not partner.driver.find_elements(By.CSS_SELECTOR, "#notification-list"), "the fleet's rule is not theirs"
    peer.close()


def test_a_meter_that_stops_answering_is_told_in_words_and_to_a_rule(make_edge, make_cloud, broker):
    """The real edge reads a pymodbus meter; once it stops answering for longer than load management's meter timeout,
    the edge tells the cloud (through its outbox, like everything it sends), the history says so in words, and a rule
    on unreadable meters posts it to its webhook; reading again is a line too."""
    from cloud import edge_cloud_config
    from meters import PymodbusMeter, sdm630_input_registers

    site = "site-meter"
    cloud = make_cloud(sites=(site,))
    hook = Receiver()
    status, rule = cloud.api("PUT", "/api/v1/notification-rules/meters", {
        "name": "Meters", "events": ["meter_unreadable"], "webhook": hook.url})
    assert status == 200, rule
    try:
        with PymodbusMeter(input_registers=sdm630_input_registers()) as meter:
            make_edge({**edge_cloud_config(site, broker, site_meter_interval_s=1),
                       "grid": {"limit_a": 63},
                       "meters": [{"name": "grid", "role": "grid", "timeout_ms": 300, "profile": "sdm630",
                                   "url": f"tcp://127.0.0.1:{meter.port}", "unit": 1}],
                       "load_management": {"mode": "dynamic", "meter_timeout_s": 2}})
            poll(lambda: cloud.get(f"/api/v1/sites/{site}").get("online"), timeout=30, what="the edge online")
            time.sleep(2)
        # The meter is gone.
        poll(lambda: hook.requests, timeout=30, what="the unreadable meter's notification")
        notified = verified(*hook.requests[0], rule["webhook"]["secret"])
        assert notified["event"] == "meter_unreadable" and notified["summary"].startswith(
            f"site {site}: meter grid unreadable"), notified
        [line] = cloud.get(f"/api/v1/events?site={site}&kind=meter_unreadable")["items"]
        assert line["words"].startswith("Meter grid unreadable: ") and line["severity"] == "warning", line
        assert cloud.get(f"/api/v1/events?site={site}&kind=meter_readable")["items"] == []
    finally:
        hook.close()


def test_with_two_instances_each_notification_shows_on_the_pages_of_both_and_is_made_once(make_cloud, broker, browsers):
    """Two instances share ingest and one store: whichever one's notifier holds the lease makes the notification,
    once, and the open pages of both show it (told over the broker as live updates are)."""
    from browser import PASSWORD, add_user
    from selenium.webdriver.common.by import By

    first = make_cloud(overrides={"mqtt": {"shared_group": "cloud", "client_id": "cloud-a"}}, sites=("site-two",))
    second = make_cloud(overrides={"mqtt": {"shared_group": "cloud", "client_id": "cloud-b"},
                                   "store": {"url": first.config["store"]["url"]}})
    add_user(first, "vera", "viewer")
    assert first.api("PUT", "/api/v1/notification-rules/faults", {"name": "Faults", "events": ["station_faulted"]})[0] == 200
    pages = []
    for instance in (first, second):
        browser = browsers(f"https://127.0.0.1:{instance.port}")
        browser.sign_in("vera", PASSWORD)
        pages.append(browser)
    peer = Peer(broker, "fake-edge")
    fault(peer, "site-two", "CP-TWO", 1)
    for browser in pages:
        browser.wait(lambda d: any("CP-TWO" in t.text for t in d.find_elements(By.CSS_SELECTOR, "#toasts .toast")),
                     "the notification on this instance's page", timeout=20)
    assert len(first.get("/api/v1/notifications")["items"]) == 1
    peer.close()
