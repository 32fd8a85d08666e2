"""OCPI 2.2.1 registration against the real cloud, with a small eMSP of the test's own on loopback (Python's
http.server): the handshake in both directions (the eMSP registers with the token A an administrator gave it; the
cloud registers with an eMSP that gave it its token A), tokens in base64, every token of the other party's refused
once replaced, PUT to renew, DELETE to unregister, 405 where the spec says, 401 for unknown tokens, 400 with 2001
for malformed JSON, X-Request-ID echoed, and each call kept with its partner without its tokens."""

from __future__ import annotations

import base64
import http.server
import json
import ssl
import threading
import urllib.error
import urllib.request
import uuid

CPO = {"country_code": "DE", "party_id": "GRS", "name": "Gridside Test CPO"}
EMSP_ROLE = {"role": "EMSP", "business_details": {"name": "Roam eMSP"}, "party_id": "EXA", "country_code": "NL"}


def envelope(data, code: int = 1000, message: str | None = None) -> bytes:
    return json.dumps({"data": data, "status_code": code, "status_message": message,
                       "timestamp": "2026-12-07T10:00:00.000Z"}).encode()


class EMSP:
    """The other party: versions, details and a credentials endpoint, each checking the token it is called with."""

    def __init__(self, token_a: str):
        self.tokens = {token_a}
        self.calls: list[tuple[str, str, str]] = []  # (method, path, token)
        self.cloud_token: str | None = None
        peer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *_):
                pass

            def answer(self, status: int, body: bytes):
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def token(self) -> str | None:
                header = self.headers.get("Authorization", "")
                if not header.startswith("Token "):
                    return None
                return base64.b64decode(header[6:]).decode()

            def handle_any(self, method: str):
                token = self.token()
                peer.calls.append((method, self.path, token or ""))
                if token not in peer.tokens:
                    return self.answer(401, envelope(None, 2000, "unknown token"))
                if method == "GET" and self.path == "/ocpi/versions":
                    return self.answer(200, envelope([{"version": "2.2.1", "url": f"{peer.base}/ocpi/2.2.1"}]))
                if method == "GET" and self.path == "/ocpi/2.2.1":
                    return self.answer(200, envelope({"version": "2.2.1", "endpoints": [
                        {"identifier": "credentials", "role": "RECEIVER", "url": f"{peer.base}/ocpi/2.2.1/credentials"},
                        {"identifier": "locations", "role": "RECEIVER", "url": f"{peer.base}/ocpi/2.2.1/locations"}]}))
                if method == "POST" and self.path == "/ocpi/2.2.1/credentials":
                    body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                    peer.cloud_token = body["token"]
                    peer.cloud_credentials = body
                    token_c = str(uuid.uuid4())
                    peer.tokens = {token_c}
                    return self.answer(200, envelope({"token": token_c, "url": f"{peer.base}/ocpi/versions",
                                                      "roles": [EMSP_ROLE]}))
                return self.answer(404, envelope(None, 2000, "no such endpoint"))

            def do_GET(self):
                self.handle_any("GET")

            def do_POST(self):
                self.handle_any("POST")

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()


def ocpi(cloud, method: str, path: str, token: str | None, body=None, raw: bytes | None = None, plain: bool = False,
         request_id: str | None = None):
    """A call to the cloud's OCPI interface, as a partner makes it."""
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["Authorization"] = "Token " + (token if plain else base64.b64encode(token.encode()).decode())
    if request_id:
        headers["X-Request-ID"] = request_id
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    request = urllib.request.Request(f"https://127.0.0.1:{cloud.port}/ocpi{path}", data=data, method=method,
                                     headers=headers)
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    try:
        with urllib.request.urlopen(request, timeout=30, context=context) as response:
            return response.status, json.loads(response.read()), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read()), dict(error.headers)


def test_an_emsp_registers_with_the_token_a_it_was_given_renews_and_unregisters(make_cloud):
    cloud = make_cloud(overrides={"ocpi": CPO})
    status, added = cloud.api("POST", "/api/v1/ocpi/partners", {"name": "Roam eMSP"})
    assert status == 201 and added["partner"]["state"] == "invited", added
    token_a, versions_url = added["token"], added["versionsUrl"]
    assert versions_url == f"https://127.0.0.1:{cloud.port}/ocpi/versions"
    emsp = EMSP("emsp-a")
    try:
        # Unknown, missing, and plain (not base64) tokens: 401 in the envelope.
        assert ocpi(cloud, "GET", "/versions", "wrong")[0] == 401
        assert ocpi(cloud, "GET", "/versions", None)[0] == 401
        status, body, _ = ocpi(cloud, "GET", "/versions", token_a, plain=True)
        assert status == 401 and body["status_code"] == 2000, body
        status, body, headers = ocpi(cloud, "GET", "/versions", token_a, request_id="req-1")
        assert status == 200 and body["status_code"] == 1000 and headers.get("X-Request-ID") == "req-1", (body, headers)
        assert body["data"] == [{"version": "2.2.1", "url": f"https://127.0.0.1:{cloud.port}/ocpi/2.2.1"}]
        status, body, _ = ocpi(cloud, "GET", "/2.2.1", token_a)
        assert {(e["identifier"], e["role"]) for e in body["data"]["endpoints"]} >= {("credentials", "SENDER")}
        # Malformed JSON: 400, 2001; PUT before registering: 405.
        status, body, _ = ocpi(cloud, "POST", "/2.2.1/credentials", token_a, raw=b"{not json")
        assert status == 400 and body["status_code"] == 2001, body
        assert ocpi(cloud, "PUT", "/2.2.1/credentials", token_a, {"token": "x", "url": "y", "roles": [EMSP_ROLE]})[0] == 405

        # The handshake: the eMSP's token B and versions; the cloud reads them with token B and answers token C.
        status, body, _ = ocpi(cloud, "POST", "/2.2.1/credentials", token_a,
                               {"token": "emsp-a", "url": f"{emsp.base}/ocpi/versions", "roles": [EMSP_ROLE]})
        assert status == 200 and body["status_code"] == 1000, body
        credentials = body["data"]
        token_c = credentials["token"]
        assert credentials["url"] == versions_url and credentials["roles"] == [
            {"role": "CPO", "business_details": {"name": CPO["name"]}, "party_id": "GRS", "country_code": "DE"}]
        assert [(m, p, t) for m, p, t in emsp.calls] == [("GET", "/ocpi/versions", "emsp-a"),
                                                        ("GET", "/ocpi/2.2.1", "emsp-a")]
        assert ocpi(cloud, "GET", "/versions", token_a)[0] == 401, "token A is spent"
        status, body, _ = ocpi(cloud, "GET", "/2.2.1/credentials", token_c)
        assert status == 200 and body["data"]["token"] == token_c
        assert ocpi(cloud, "POST", "/2.2.1/credentials", token_c,
                    {"token": "emsp-a", "url": f"{emsp.base}/ocpi/versions", "roles": [EMSP_ROLE]})[0] == 405
        partner = cloud.get(f"/api/v1/ocpi/partners/{added['partner']['id']}")
        assert partner["state"] == "registered" and partner["version"] == "2.2.1", partner
        assert partner["roles"] == [{"role": "EMSP", "countryCode": "NL", "partyId": "EXA", "name": "Roam eMSP"}]
        assert {e["identifier"] for e in partner["endpoints"]} == {"credentials", "locations"}

        # Renewed: a new token C, the old one refused.
        status, body, _ = ocpi(cloud, "PUT", "/2.2.1/credentials", token_c,
                               {"token": "emsp-a", "url": f"{emsp.base}/ocpi/versions", "roles": [EMSP_ROLE]})
        assert status == 200 and body["data"]["token"] != token_c, body
        renewed = body["data"]["token"]
        assert ocpi(cloud, "GET", "/versions", token_c)[0] == 401
        # A partner whose versions cannot be read is refused (3001), and its registration stays as it was.
        status, body, _ = ocpi(cloud, "PUT", "/2.2.1/credentials", renewed,
                               {"token": "wrong", "url": f"{emsp.base}/ocpi/versions", "roles": [EMSP_ROLE]})
        assert status == 400 and body["status_code"] == 3001, body
        # Unregistered: its token works no more.
        status, body, _ = ocpi(cloud, "DELETE", "/2.2.1/credentials", renewed)
        assert status == 200 and body["status_code"] == 1000, body
        assert ocpi(cloud, "GET", "/versions", renewed)[0] == 401
        assert cloud.get(f"/api/v1/ocpi/partners/{added['partner']['id']}")["state"] == "unregistered"

        # Every call kept with the partner, with no token in it.
        messages = cloud.get(f"/api/v1/ocpi/partners/{added['partner']['id']}/messages")["items"]
        assert {("in", "POST"), ("out", "GET")} <= {(m["direction"], m["method"]) for m in messages}
        kept = json.dumps(messages)
        assert token_c not in kept and renewed not in kept and "emsp-a" not in kept
    finally:
        emsp.close()


def test_the_cloud_registers_with_an_emsp_that_gave_it_its_token_a(make_cloud):
    cloud = make_cloud(overrides={"ocpi": CPO})
    emsp = EMSP("their-token-a")
    try:
        status, added = cloud.api("POST", "/api/v1/ocpi/partners", {
            "name": "Direct eMSP", "versionsUrl": f"{emsp.base}/ocpi/versions", "token": "their-token-a"})
        assert status == 201 and added["partner"]["state"] == "registered" and "token" not in added, added
        assert [c[:2] for c in emsp.calls] == [("GET", "/ocpi/versions"), ("GET", "/ocpi/2.2.1"),
                                              ("POST", "/ocpi/2.2.1/credentials")]
        assert emsp.cloud_credentials["url"] == f"https://127.0.0.1:{cloud.port}/ocpi/versions"
        assert emsp.cloud_credentials["roles"][0]["role"] == "CPO"
        # The eMSP calls the cloud with the token B the cloud gave it.
        status, body, _ = ocpi(cloud, "GET", "/2.2.1/credentials", emsp.cloud_token)
        assert status == 200 and body["data"]["token"] == emsp.cloud_token
        listed = cloud.get("/api/v1/ocpi/partners")["items"]
        assert [(p["name"], p["state"]) for p in listed] == [("Direct eMSP", "registered")]

        # A partner that cannot be reached: added, not registered, and the answer says why.
        status, body = cloud.api("POST", "/api/v1/ocpi/partners", {
            "name": "Gone", "versionsUrl": "http://127.0.0.1:9/ocpi/versions", "token": "x"})
        assert status == 502 and "not registered" in body["detail"], body
        status, body = cloud.api("POST", "/api/v1/ocpi/partners", {"name": "Half", "token": "x"})
        assert status == 400 and "versionsUrl" in body["detail"], body
        viewer = cloud.create_token("viewer")
        assert cloud.api("GET", "/api/v1/ocpi/partners", None, viewer)[0] == 403
    finally:
        emsp.close()
