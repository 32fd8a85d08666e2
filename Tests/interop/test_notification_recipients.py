"""A rule's users as recipients, through the real cloud: each mailed by a real SMTP server (aiosmtpd) at the user's
own address in the user's own language, a client organization's user only of its own stations, the unsubscribe link
in every mail honoured (a one-click POST, RFC 8058) for its own recipient only; and Web Push to a push service on
loopback, which checks the VAPID signature and decrypts the message with http_ece, an independent implementation
of RFC 8291, and whose 410 makes the cloud forget that browser."""

from __future__ import annotations

import base64
import json
import os
import ssl
import time
import urllib.error
import urllib.request

from browser import add_user
from cloud import Peer
from support import poll
from test_notifications import MailHandler, Receiver, fault


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def https(method: str, url: str, data: bytes | None = None, headers: dict | None = None) -> tuple[int, str]:
    """A request to the cloud's own HTTPS (its self-signed certificate not checked), as a mail program sends it."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=20, context=context) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_users_are_mailed_in_their_language_of_what_they_see_and_the_unsubscribe_link_holds(make_cloud, broker):
    from aiosmtpd.controller import Controller
    from meters import free_port

    handler, port = MailHandler(), free_port()
    server = Controller(handler, hostname="127.0.0.1", port=port)
    server.start()
    try:
        cloud = make_cloud(sites=("site-acme", "site-other"), overrides={
            "smtp": {"host": "127.0.0.1", "port": port, "security": "none", "from": "noreply@gridside.test"}})
        cloud.cli("organization", "add", "acme", "--name", "ACME Logistics")
        cloud.cli("organization", "grant", "acme", "--site", "site-acme")
        add_user(cloud, "otto", "operator", "--language", "de", "--email", "otto@fleet.test")
        add_user(cloud, "fanny", "viewer", "--language", "fr", "--email", "fanny@fleet.test")
        add_user(cloud, "paula", "partner", "--organization", "acme", "--email", "paula@acme.test")
        status, body = cloud.api("PUT", "/api/v1/users/fanny", {"email": "not an address"})
        assert status == 400 and body["detail"].startswith("email"), body
        status, body = cloud.api("PUT", "/api/v1/notification-rules/faults", {
            "name": "Faults", "events": ["station_faulted"], "emails": ["ops@fleet.test"],
            "users": ["otto", "fanny", "paula"]})
        assert status == 200 and body["users"] == ["otto", "fanny", "paula"], body
        status, body = cloud.api("PUT", "/api/v1/notification-rules/bad", {
            "name": "x", "events": ["station_faulted"], "users": ["nobody"]})
        assert status == 400 and body["detail"].startswith("users[0]"), body

        peer = Peer(broker, "fake-edges")
        fault(peer, "site-acme", "CP-ACME", 1)
        fault(peer, "site-other", "CP-OTHER", 1)
        poll(lambda: len(handler.mails) == 7, timeout=20, what="seven mails")

        def mails_to(address):
            return [message for _, rcpt, message in handler.mails if rcpt == [address]]

        # Each in the user's language; the client organization's user only of its own station.
        assert {m["Subject"] for m in mails_to("otto@fleet.test")} == {
            "[Gridside] Ladestation gestört: CP-ACME", "[Gridside] Ladestation gestört: CP-OTHER"}
        assert {m["Subject"] for m in mails_to("fanny@fleet.test")} == {
            "[Gridside] Borne en défaut: CP-ACME", "[Gridside] Borne en défaut: CP-OTHER"}
        assert [m["Subject"] for m in mails_to("paula@acme.test")] == ["[Gridside] Station faulted: CP-ACME"]
        assert len(mails_to("ops@fleet.test")) == 2

        # The unsubscribe link: in the text and in List-Unsubscribe; a forged one holds for nobody.
        fanny = mails_to("fanny@fleet.test")[0]
        link = fanny["List-Unsubscribe"].strip("<>")
        assert fanny["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert link in fanny.get_body(preferencelist=("plain",)).get_content()
        assert link.startswith(f"https://127.0.0.1:{cloud.port}/unsubscribe?rule=faults&to=user:fanny&t="), link
        forged = link.replace("to=user:fanny", "to=user:otto")
        status, _ = https("POST", forged, b"List-Unsubscribe=One-Click",
                          {"Content-Type": "application/x-www-form-urlencoded"})
        assert status == 404
        # Opening the link asks first; the mail program's one-click POST unsubscribes.
        status, page = https("GET", link)
        assert status == 200 and 'id="confirm-unsubscribe"' in page and "Faults" in page, page
        status, page = https("POST", link, b"List-Unsubscribe=One-Click",
                             {"Content-Type": "application/x-www-form-urlencoded"})
        assert status == 200 and 'id="unsubscribed"' in page, page

        handler.mails.clear()
        fault(peer, "site-other", "CP-THIRD", 2)
        poll(lambda: len(handler.mails) == 2, timeout=20, what="the next fault's mails")
        time.sleep(1.5)
        assert sorted(rcpt[0] for _, rcpt, _ in handler.mails) == ["ops@fleet.test", "otto@fleet.test"]
        peer.close()
    finally:
        server.stop()


def verify_vapid(authorization: str, public_key: str, audience: str) -> dict:
    """The VAPID JWT's claims, once its ES256 signature holds under `public_key` (RFC 8292)."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, utils

    scheme, _, rest = authorization.partition(" ")
    assert scheme == "vapid", authorization
    fields = dict(part.strip().split("=", 1) for part in rest.split(","))
    assert fields["k"] == public_key
    header, claims, signature = fields["t"].split(".")
    raw = unb64url(signature)
    der = utils.encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64url(public_key))
    key.verify(der, f"{header}.{claims}".encode(), ec.ECDSA(hashes.SHA256()))  # raises if it does not hold
    assert json.loads(unb64url(header)) == {"typ": "JWT", "alg": "ES256"}
    decoded = json.loads(unb64url(claims))
    assert decoded["aud"] == audience, decoded
    return decoded


def test_web_push_reaches_a_push_service_signed_and_encrypted_for_the_browser(make_cloud, broker):
    import http_ece
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    # A push service on loopback: it forgets the browsers under /gone/ (410).
    service = Receiver(status=lambda path: 410 if path.startswith("/gone/") else 201)
    try:
        cloud = make_cloud(sites=("site-push",))
        add_user(cloud, "vera", "viewer")
        token = cloud.cli("token", "create", "--name", "vera-browser", "--user", "vera").strip()
        # The browser's own keys, as the Push API makes them.
        browser_key = ec.generate_private_key(ec.SECP256R1())
        p256dh = b64url(browser_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint))
        auth = os.urandom(16)
        for path in ("/push/vera-1", "/gone/vera-2"):
            status, body = cloud.api("POST", "/api/v1/push-subscriptions", {
                "endpoint": service.origin + path, "keys": {"p256dh": p256dh, "auth": b64url(auth)}}, token=token)
            assert status == 201 and body["user"] == "vera", body
        status, body = cloud.api("POST", "/api/v1/push-subscriptions", {
            "endpoint": service.origin + "/x", "keys": {"p256dh": "AAAA", "auth": b64url(auth)}}, token=token)
        assert status == 400 and body["detail"].startswith("keys.p256dh"), body
        status, key = cloud.api("GET", "/api/v1/push/key", token=token)
        assert status == 200, key
        status, body = cloud.api("PUT", "/api/v1/notification-rules/faults", {
            "name": "Faults", "events": ["station_faulted"], "quietMinutes": 0, "users": ["vera"]})
        assert status == 200, body

        peer = Peer(broker, "fake-edge")
        fault(peer, "site-push", "CP-PUSH", 1)
        poll(lambda: len(service.requests) == 2, timeout=20, what="the pushes")
        [(headers, body)] = [r for path, r in zip(service.paths, service.requests) if path == "/push/vera-1"]
        assert headers["content-encoding"] == "aes128gcm" and int(headers["ttl"]) > 0
        claims = verify_vapid(headers["authorization"], key["publicKey"], service.origin)
        assert claims["sub"].startswith("https://") and claims["exp"] > 0
        message = json.loads(http_ece.decrypt(body, private_key=browser_key, auth_secret=auth, version="aes128gcm"))
        assert message["title"] == "Station faulted" and message["station"] == "CP-PUSH", message
        assert message["body"] == "CP-PUSH connector 1: Faulted, GroundFailure, vendor code E42"

        # The push service forgot the second browser (410): the next fault goes to the first only.
        fault(peer, "site-push", "CP-PUSH-2", 2)
        poll(lambda: len(service.requests) == 3, timeout=20, what="the next push")
        assert service.paths[2] == "/push/vera-1"
        [notification] = [n for n in cloud.get("/api/v1/notifications")["items"] if n["station"] == "CP-PUSH-2"]
        [delivery] = cloud.get(f"/api/v1/notifications/{notification['id']}/deliveries")["items"]
        assert delivery["channel"] == "push" and delivery["target"] == "user:vera" and delivery["status"] == "sent"
        # Muted, the user's browsers hear no more of the rule.
        status, _ = cloud.api("PUT", "/api/v1/notification-rules/faults/mute", token=token)
        assert status == 204
        fault(peer, "site-push", "CP-PUSH-3", 3)
        poll(lambda: any(n["station"] == "CP-PUSH-3" for n in cloud.get("/api/v1/notifications")["items"]),
             timeout=20, what="the muted notification")
        time.sleep(1.5)
        assert len(service.requests) == 3
        peer.close()
    finally:
        service.close()


def test_rules_are_managed_and_muted_in_the_dashboard(make_cloud, broker, browsers):
    from browser import PASSWORD, add_user
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    cloud = make_cloud(sites=("site-rules", "site-else"))
    add_user(cloud, "olga", "operator", "--email", "olga@fleet.test")
    add_user(cloud, "vera", "viewer", "--email", "vera@fleet.test")
    browser = browsers(f"https://127.0.0.1:{cloud.port}")
    browser.sign_in("olga", PASSWORD)
    browser.open("/notifications")
    browser.driver.find_element(By.ID, "manage-rules").click()
    browser.wait(lambda d: d.find_elements(By.ID, "save-rule"), "the rules page")
    form = browser.driver.find_element(By.ID, "save-rule")
    form.find_element(By.ID, "r-id").send_keys("depot")
    form.find_element(By.ID, "r-name").send_keys("Depot faults")
    for event in ("station_faulted", "station_offline"):
        form.find_element(By.CSS_SELECTOR, f"#r-events input[value='{event}']").click()
    Select(form.find_element(By.ID, "r-sites")).select_by_value("site-rules")
    after = form.find_element(By.ID, "r-after")
    after.clear()
    after.send_keys("5")
    Select(form.find_element(By.ID, "r-users")).select_by_value("vera")
    form.find_element(By.ID, "r-emails").send_keys("ops@fleet.test, oncall@fleet.test")
    form.find_element(By.ID, "save-rule-button").click()
    browser.wait(lambda d: d.find_elements(By.CSS_SELECTOR, "#rule-list tr[data-rule='depot']"), "the rule listed")
    [rule] = cloud.get("/api/v1/notification-rules")["items"]
    assert (rule["name"], rule["events"], rule["sites"], rule["afterMinutes"], rule["users"], rule["emails"]) == (
        "Depot faults", ["station_faulted", "station_offline"], ["site-rules"], 5, ["vera"],
        ["ops@fleet.test", "oncall@fleet.test"]), rule
    # The form for a new rule does not replace one by its id.
    browser.open("/notification-rules")
    form = browser.driver.find_element(By.ID, "save-rule")
    form.find_element(By.ID, "r-id").send_keys("depot")
    form.find_element(By.ID, "r-name").send_keys("Another")
    form.find_element(By.CSS_SELECTOR, "#r-events input[value='site_offline']").click()
    form.find_element(By.ID, "save-rule-button").click()
    browser.wait(lambda d: "already" in d.find_element(By.TAG_NAME, "body").text, "the refusal")
    assert cloud.get("/api/v1/notification-rules")["items"][0]["name"] == "Depot faults"
    # A bad value is refused naming the field, and nothing changes.
    browser.open("/notification-rules?edit=depot")
    form = browser.driver.find_element(By.ID, "save-rule")
    form.find_element(By.ID, "r-webhook").send_keys("http://hooks.example/x")
    form.find_element(By.ID, "save-rule-button").click()
    browser.wait(lambda d: "webhook: must be https://" in d.find_element(By.TAG_NAME, "body").text, "the refusal")
    assert "webhook" not in cloud.get("/api/v1/notification-rules")["items"][0]
    # Switched off from its form.
    browser.open("/notification-rules?edit=depot")
    browser.driver.find_element(By.ID, "r-enabled").click()
    browser.driver.find_element(By.ID, "save-rule-button").click()
    browser.wait(lambda d: "off" in d.find_element(By.CSS_SELECTOR, "#rule-list tr[data-rule='depot']").text, "off")
    assert cloud.get("/api/v1/notification-rules")["items"][0]["enabled"] is False

    # The user it names mutes it on the notification list; a viewer has no rules page.
    viewer = browsers(f"https://127.0.0.1:{cloud.port}")
    viewer.sign_in("vera", PASSWORD)
    viewer.open("/notifications")
    row = viewer.driver.find_element(By.CSS_SELECTOR, "#my-rules tr[data-rule='depot']")
    assert "Depot faults" in row.text
    row.find_element(By.TAG_NAME, "button").click()
    viewer.wait(lambda d: "muted" in d.find_element(By.CSS_SELECTOR, "#my-rules tr[data-rule='depot']").text, "muted")
    assert not viewer.driver.find_elements(By.ID, "manage-rules")
    viewer.open("/notification-rules")
    assert "Something is wrong" in viewer.text() or "403" in viewer.text()
