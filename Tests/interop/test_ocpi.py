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
import urllib.parse
import urllib.request
import uuid

CPO = {"country_code": "DE", "party_id": "GRS", "name": "Gridside Test CPO"}
EMSP_ROLE = {"role": "EMSP", "business_details": {"name": "Roam eMSP"}, "party_id": "EXA", "country_code": "NL"}


def envelope(data, code: int = 1000, message: str | None = None) -> bytes:
    return json.dumps({"data": data, "status_code": code, "status_message": message,
                       "timestamp": "2026-12-07T10:00:00.000Z"}).encode()


class EMSP:
    """The other party: versions, details and a credentials endpoint, each checking the token it is called with."""

    def __init__(self, token_a: str, receives: tuple[str, ...] = ("locations",)):
        self.tokens = {token_a}
        self.receives = receives
        # Real-time authorization (its tokens module as sender): uid -> `allowed`; others unknown (404, 2004).
        self.authorizations: dict[str, str] = {}
        # Its token list (GET of its tokens module), two a page whatever the limit asked.
        self.token_list: list[dict] = []
        # What the cloud pushed to its receiving modules: (method, path, body); the next `refusals` are refused.
        self.received: list[tuple[str, str, object]] = []
        self.refusals = 0
        self.lock = threading.Lock()
        # Each pushed path's OCPI-from-party-id.
        self.senders: dict[str, str | None] = {}
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
                        {"identifier": "credentials", "role": "RECEIVER", "url": f"{peer.base}/ocpi/2.2.1/credentials"}]
                        + [{"identifier": module, "role": "RECEIVER", "url": f"{peer.base}/ocpi/2.2.1/{module}"}
                           for module in peer.receives]
                        + [{"identifier": "tokens", "role": "SENDER", "url": f"{peer.base}/ocpi/2.2.1/tokens"}]}))
                if method == "GET" and self.path.startswith("/ocpi/2.2.1/tokens?"):
                    query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
                    offset = int(query.get("offset", ["0"])[0])
                    page = peer.token_list[offset:offset + 2]
                    body = envelope(page)
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.send_header("X-Total-Count", str(len(peer.token_list)))
                    if offset + 2 < len(peer.token_list):
                        self.send_header("Link", f'<{peer.base}/ocpi/2.2.1/tokens?offset={offset + 2}&limit=2>; rel="next"')
                    self.end_headers()
                    self.wfile.write(body)
                    return
                if method == "POST" and self.path.startswith("/ocpi/2.2.1/tokens/") and "/authorize" in self.path:
                    uid = self.path.split("/")[4]
                    length = int(self.headers.get("Content-Length") or 0)
                    asked = json.loads(self.rfile.read(length)) if length else None
                    with peer.lock:
                        peer.received.append((method, self.path, asked))
                    if uid not in peer.authorizations:
                        return self.answer(404, envelope(None, 2004, "unknown token"))
                    return self.answer(200, envelope({"allowed": peer.authorizations[uid], "token": {"uid": uid}}))
                if method == "POST" and self.path == "/ocpi/2.2.1/credentials":
                    body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                    peer.cloud_token = body["token"]
                    peer.cloud_credentials = body
                    token_c = str(uuid.uuid4())
                    peer.tokens = {token_c}
                    return self.answer(200, envelope({"token": token_c, "url": f"{peer.base}/ocpi/versions",
                                                      "roles": [EMSP_ROLE]}))
                module = self.path.split("/")[3] if self.path.startswith("/ocpi/2.2.1/") else ""
                # "results": where it asks the asynchronous results of its chargingprofiles requests to go.
                if (module in peer.receives or module == "results") and method in ("PUT", "PATCH", "POST", "DELETE"):
                    length = int(self.headers.get("Content-Length") or 0)
                    body = json.loads(self.rfile.read(length)) if length else None
                    with peer.lock:
                        if peer.refusals > 0:
                            peer.refusals -= 1
                            return self.answer(200, envelope(None, 2001, "refused, as the test asked"))
                        peer.received.append((method, self.path, body))
                        peer.senders[self.path] = self.headers.get("OCPI-from-party-id")
                    return self.answer(200, envelope(None))
                return self.answer(404, envelope(None, 2000, "no such endpoint"))

            def do_GET(self):
                self.handle_any("GET")

            def do_POST(self):
                self.handle_any("POST")

            def do_PUT(self):
                self.handle_any("PUT")

            def do_PATCH(self):
                self.handle_any("PATCH")

            def do_DELETE(self):
                self.handle_any("DELETE")

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def of(self, method: str, path: str) -> list:
        """The bodies the cloud pushed with `method` to `path`, oldest first."""
        with self.lock:
            return [body for m, p, body in self.received if m == method and p == path]

    def close(self):
        self.server.shutdown()


def ocpi(cloud, method: str, path: str, token: str | None, body=None, raw: bytes | None = None, plain: bool = False,
         request_id: str | None = None, headers: dict | None = None):
    """A call to the cloud's OCPI interface, as a partner makes it."""
    headers = {"Content-Type": "application/json", **(headers or {})}
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
        # (Its token list is read after the registration, in the background.)
        assert [(m, p, t) for m, p, t in emsp.calls if "/tokens" not in p] == [("GET", "/ocpi/versions", "emsp-a"),
                                                                               ("GET", "/ocpi/2.2.1", "emsp-a")]
        assert ocpi(cloud, "GET", "/versions", token_a)[0] == 401, "token A is spent"
        status, body, _ = ocpi(cloud, "GET", "/2.2.1/credentials", token_c)
        assert status == 200 and body["data"]["token"] == token_c
        assert ocpi(cloud, "POST", "/2.2.1/credentials", token_c,
                    {"token": "emsp-a", "url": f"{emsp.base}/ocpi/versions", "roles": [EMSP_ROLE]})[0] == 405
        partner = cloud.get(f"/api/v1/ocpi/partners/{added['partner']['id']}")
        assert partner["state"] == "registered" and partner["version"] == "2.2.1", partner
        assert partner["roles"] == [{"role": "EMSP", "countryCode": "NL", "partyId": "EXA", "name": "Roam eMSP"}]
        assert {e["identifier"] for e in partner["endpoints"]} == {"credentials", "locations", "tokens"}

        # Renewed: a new token C, the old one refused.
        status, body, _ = ocpi(cloud, "PUT", "/2.2.1/credentials", token_c,
                               {"token": "emsp-a", "url": f"{emsp.base}/ocpi/versions", "roles": [EMSP_ROLE]})
        assert status == 200 and body["data"]["token"] != token_c, body
        renewed = body["data"]["token"]
        assert ocpi(cloud, "GET", "/versions", token_c)[0] == 401
        # A partner whose versions cannot be read is refused (3001), and its registration stays as it was.
        status, body, _ = ocpi(cloud, "PUT", "/2.2.1/credentials", renewed,
                               {"token": "wrong", "url": f"{emsp.base}/ocpi/versions", "roles": [EMSP_ROLE]})
        assert status == 200 and body["status_code"] == 3001, body
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
    from support import poll

    cloud = make_cloud(overrides={"ocpi": CPO})
    emsp = EMSP("their-token-a")
    listed = {"country_code": "NL", "party_id": "EXA", "type": "RFID", "issuer": "Roam eMSP", "valid": True,
              "whitelist": "ALLOWED", "last_updated": "2026-12-07T10:00:00Z"}
    emsp.token_list = [{**listed, "uid": uid, "contract_id": f"NL-EXA-{uid}"} for uid in ("LIST-0001", "LIST-0002")]
    emsp.token_list.append({**listed, "uid": "LIST-0003", "contract_id": "NL-EXA-LIST-0003", "whitelist": "SOMETIMES"})
    try:
        status, added = cloud.api("POST", "/api/v1/ocpi/partners", {
            "name": "Direct eMSP", "versionsUrl": f"{emsp.base}/ocpi/versions", "token": "their-token-a"})
        assert status == 201 and added["partner"]["state"] == "registered" and "token" not in added, added
        assert [c[:2] for c in emsp.calls if "/tokens" not in c[1]] == [
            ("GET", "/ocpi/versions"), ("GET", "/ocpi/2.2.1"), ("POST", "/ocpi/2.2.1/credentials")]
        # Then its token list, page by page as its Link headers lead; a token it may not send is refused, the rest kept.
        for uid in ("LIST-0001", "LIST-0002"):
            token = poll(lambda: ocpi(cloud, "GET", f"/2.2.1/tokens/NL/EXA/{uid}", emsp.cloud_token)[1]["data"], 15,
                         what=f"{uid} read from the list")
            assert token["contract_id"] == f"NL-EXA-{uid}", token
        status, body, _ = ocpi(cloud, "GET", "/2.2.1/tokens/NL/EXA/LIST-0003", emsp.cloud_token)
        assert status == 404, body
        pages = [p for m, p, _ in emsp.calls if p.startswith("/ocpi/2.2.1/tokens")]
        assert pages == ["/ocpi/2.2.1/tokens?offset=0&limit=100", "/ocpi/2.2.1/tokens?offset=2&limit=2"], pages
        assert emsp.cloud_credentials["url"] == f"https://127.0.0.1:{cloud.port}/ocpi/versions"
        assert emsp.cloud_credentials["roles"][0]["role"] == "CPO"
        # The eMSP calls the cloud with the token B the cloud gave it.
        status, body, _ = ocpi(cloud, "GET", "/2.2.1/credentials", emsp.cloud_token)
        assert status == 200 and body["data"]["token"] == emsp.cloud_token
        listed = cloud.get("/api/v1/ocpi/partners")["items"]
        assert [(p["name"], p["state"]) for p in listed] == [("Direct eMSP", "registered")]
        # The eMSP's answer (with its token C, written with spaces) is kept without the token.
        messages = json.dumps(cloud.get(f"/api/v1/ocpi/partners/{listed[0]['id']}/messages")["items"])
        assert next(iter(emsp.tokens)) not in messages and "their-token-a" not in messages

        # Another partner claiming the same party is refused: none may read or write another's drivers.
        status, invited = cloud.api("POST", "/api/v1/ocpi/partners", {"name": "Impostor"})
        impostor = EMSP("imp-b")
        try:
            status, body, _ = ocpi(cloud, "POST", "/2.2.1/credentials", invited["token"],
                                   {"token": "imp-b", "url": f"{impostor.base}/ocpi/versions", "roles": [EMSP_ROLE]})
            assert status == 200 and body["status_code"] == 2000 and "another partner" in body["status_message"], body
        finally:
            impostor.close()

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


def test_the_sites_chosen_for_a_partner_are_its_locations_paged_and_filtered(make_cloud, broker):
    from cloud import FakeEdge, Peer
    from support import now_iso, poll

    sites = ("site-ams", "site-b1", "site-b2", "site-b3", "site-b4", "site-bare", "site-other")
    # A second CPO role on the platform: an operator whose site site-b1 is published under its own codes.
    operator = {"country_code": "DE", "party_id": "ABC", "name": "ABC Charging", "sites": ["site-b1"]}
    cloud = make_cloud(sites=sites, overrides={"ocpi": {**CPO, "operators": [operator], "push_interval_ms": 200}})
    for n, site in enumerate(s for s in sites if s != "site-bare"):
        assert cloud.api("PUT", f"/api/v1/sites/{site}", {
            "address": f"Keizersgracht {n + 1}", "city": "Amsterdam", "postalCode": "1015 CJ", "country": "NLD",
            "latitude": 52.37 + n / 100, "longitude": 4.89, "timeZone": "Europe/Amsterdam"})[0] == 200
    status, body = cloud.api("PUT", "/api/v1/sites/site-bare", {"country": "Netherlands"})
    assert status == 400 and body["detail"].startswith("country"), body
    edge = FakeEdge(Peer(broker, "fake-edge"), "site-ams")
    edge.send("presence", {"online": True})
    for station, statuses in (("CP-1", ("Available", "Charging")), ("CP-2", ("Faulted", "Unavailable"))):
        edge.send("station.boot", {"station": station, "vendor": "ACME", "model": "W", "approval": "accepted",
                                   "time": now_iso()})
        edge.send("station.connection", {"station": station, "connected": True, "time": now_iso(),
                                         "protocol": "ocpp1.6"})
        for connector, status in enumerate(statuses, start=1):
            edge.send("connector.status", {"station": station, "connector": connector, "status": status,
                                           "errorCode": "NoError", "time": now_iso()})
    poll(lambda: len(cloud.get("/api/v1/fleet?site=site-ams")["items"]) == 2, timeout=15, what="the stations")
    tariff = {"currency": "EUR", "elements": [{"price_components": [{"type": "ENERGY", "price": 0.35, "step_size": 1}]}]}
    assert cloud.api("PUT", "/api/v1/tariffs/ams-day", {"name": "Amsterdam day", "tariff": tariff})[0] == 200
    assert cloud.api("POST", "/api/v1/tariffs/ams-day/assignments", {"site": "site-ams"})[0] in (200, 201)

    emsp = EMSP("their-token-a")
    try:
        chosen = ["site-ams", "site-b1", "site-b2", "site-b3", "site-b4", "site-bare"]
        status, added = cloud.api("POST", "/api/v1/ocpi/partners", {
            "name": "Roam", "versionsUrl": f"{emsp.base}/ocpi/versions", "token": "their-token-a", "sites": chosen})
        assert status == 201 and added["partner"]["sites"] == sorted(chosen), added
        token = emsp.cloud_token
        # Five locations (site-bare has no address to publish, site-other is not chosen), oldest first, two a page.
        seen, url, pages = [], "/2.2.1/locations?limit=2", 0
        while url:
            status, body, headers = ocpi(cloud, "GET", url, token)
            assert status == 200 and headers["X-Total-Count"] == "5" and headers["X-Limit"] == "2", (status, headers)
            seen += body["data"]
            pages += 1
            link = headers.get("Link")
            url = link[link.index("/ocpi") + 5:link.index(">")] if link else None
        assert pages == 3 and len({location["id"] for location in seen}) == 5
        # Each CPO role of the platform in the credentials; site-b1 under its operator's codes, pushed there too.
        roles = {(r["country_code"], r["party_id"], r["business_details"]["name"]) for r in emsp.cloud_credentials["roles"]}
        assert roles == {("DE", "GRS", CPO["name"]), ("DE", "ABC", "ABC Charging")}, roles
        b1 = next(location for location in seen if location["id"] == "site-b1")
        assert (b1["country_code"], b1["party_id"]) == ("DE", "ABC"), b1
        assert poll(lambda: emsp.of("PUT", "/ocpi/2.2.1/locations/DE/ABC/site-b1"), 15, what="site-b1's push")[0][
            "party_id"] == "ABC"
        assert emsp.of("PUT", "/ocpi/2.2.1/locations/DE/GRS/site-b1") == []
        assert emsp.senders["/ocpi/2.2.1/locations/DE/ABC/site-b1"] == "ABC", emsp.senders
        assert poll(lambda: emsp.senders.get("/ocpi/2.2.1/locations/DE/GRS/site-ams"), 15, what="site-ams's push") == "GRS"
        status, body, headers = ocpi(cloud, "GET", "/2.2.1/locations/site-b1", token,
                                     headers={"OCPI-to-country-code": "DE", "OCPI-to-party-id": "ABC"})
        assert body["status_code"] == 1000 and headers["OCPI-from-party-id"] == "ABC", (body, headers)
        # In the order of their ids: stable while objects change during the paging.
        assert [location["id"] for location in seen] == sorted(location["id"] for location in seen)
        assert ocpi(cloud, "GET", "/2.2.1/locations?limit=1000", token)[2]["X-Limit"] == "100"
        ams = next(location for location in seen if location["id"] == "site-ams")
        assert (ams["country_code"], ams["party_id"], ams["country"], ams["city"], ams["time_zone"]) == (
            "DE", "GRS", "NLD", "Amsterdam", "Europe/Amsterdam")
        assert ams["coordinates"] == {"latitude": "52.370000", "longitude": "4.890000"}
        assert {(evse["uid"], evse["status"]) for evse in ams["evses"]} == {
            ("CP-1*1", "AVAILABLE"), ("CP-1*2", "CHARGING"), ("CP-2*1", "OUTOFORDER"), ("CP-2*2", "INOPERATIVE")}
        connector = ams["evses"][0]["connectors"][0]
        assert connector["standard"] == "IEC_62196_T2" and connector["power_type"] == "AC_3_PHASE", connector
        # The tariff that prices the site's stations, named by their connectors and sent by the tariffs module.
        assert connector["tariff_ids"] == ["ams-day"], connector
        status, body, headers = ocpi(cloud, "GET", "/2.2.1/tariffs", token)
        assert status == 200 and headers["X-Total-Count"] == "1", (status, body)
        sent = body["data"][0]
        assert (sent["id"], sent["country_code"], sent["party_id"], sent["currency"]) == ("ams-day", "DE", "GRS", "EUR")
        assert sent["elements"][0]["price_components"][0] == {"type": "ENERGY", "price": 0.35, "step_size": 1}
        assert "last_updated" in sent
        # Dates filter on last_updated: from inclusive, to exclusive; a bad one is refused naming it.
        latest = max(seen, key=lambda location: location["last_updated"])
        newest = latest["last_updated"]
        status, body, _ = ocpi(cloud, "GET", f"/2.2.1/locations?date_from={newest}", token)
        assert [location["id"] for location in body["data"]] == [location["id"] for location in seen
                                                                 if location["last_updated"] == newest]
        status, body, _ = ocpi(cloud, "GET", f"/2.2.1/locations?date_to={newest}", token)
        assert latest["id"] not in [location["id"] for location in body["data"]]
        # A new address moves the Location's last_updated (and is pushed).
        before = ocpi(cloud, "GET", "/2.2.1/locations/site-ams", token)[1]["data"]["last_updated"]
        assert cloud.api("PUT", "/api/v1/sites/site-ams", {"address": "Herengracht 9"})[0] == 200
        moved = ocpi(cloud, "GET", "/2.2.1/locations/site-ams", token)[1]["data"]
        assert moved["address"] == "Herengracht 9" and moved["last_updated"] > before, (before, moved)
        poll(lambda: [b for b in emsp.of("PUT", "/ocpi/2.2.1/locations/DE/GRS/site-ams")
                      if b["address"] == "Herengracht 9"], 15, what="the new address pushed")
        status, body, _ = ocpi(cloud, "GET", "/2.2.1/locations?date_from=yesterday", token)
        assert status == 400 and body["status_code"] == 2001 and "date_from" in body["status_message"], body
        # What a station's connectors are, set by an operator: its EVSEs show it, and their last_updated moves.
        types = "/api/v1/sites/site-ams/stations/CP-2/connector-types"
        ccs = {"connector": 1, "standard": "IEC_62196_T2_COMBO", "format": "CABLE", "powerType": "DC",
               "maxVoltage": 920, "maxAmperage": 200, "maxElectricPower": 150000}
        status, station = cloud.api("PUT", types, {"connectors": [ccs]})
        assert status == 200 and station["connectorTypes"] == [ccs], station
        evse = ocpi(cloud, "GET", "/2.2.1/locations/site-ams/CP-2*1", token)[1]["data"]
        assert evse["connectors"][0] | {"last_updated": None, "tariff_ids": None} == {
            "id": "1", "standard": "IEC_62196_T2_COMBO", "format": "CABLE", "power_type": "DC", "max_voltage": 920,
            "max_amperage": 200, "max_electric_power": 150000, "last_updated": None, "tariff_ids": None}, evse
        assert evse["last_updated"] > before, evse
        other = ocpi(cloud, "GET", "/2.2.1/locations/site-ams/CP-2*2/1", token)[1]["data"]
        assert other["standard"] == "IEC_62196_T2" and other["format"] == "SOCKET", other
        # Bad values are refused naming each field; a viewer may not; a station elsewhere is unknown.
        status, body = cloud.api("PUT", types, {"connectors": [
            {**ccs, "standard": "TYPE2", "format": "PLUG", "maxVoltage": 0}, ccs, ccs]})
        assert status == 400, body
        for named in ("connectors[0].standard", "connectors[0].format", "connectors[0].maxVoltage",
                      "connectors[2].connector: connector 1 is given twice"):
            assert named in body["detail"], (named, body)
        assert cloud.api("PUT", types, {"connectors": "all"})[0] == 400
        viewer = cloud.create_token("viewer")
        assert cloud.api("PUT", types, {"connectors": []}, viewer)[0] == 403
        assert cloud.api("PUT", "/api/v1/sites/site-b1/stations/CP-2/connector-types", {"connectors": []})[0] == 404
        assert cloud.get("/api/v1/sites/site-ams/stations/CP-2")["connectorTypes"] == [ccs]
        # One by its ids; what the partner was not given is unknown to it.
        assert ocpi(cloud, "GET", "/2.2.1/locations/site-ams", token)[1]["data"]["id"] == "site-ams"
        assert ocpi(cloud, "GET", "/2.2.1/locations/site-ams/CP-2*1", token)[1]["data"]["status"] == "OUTOFORDER"
        assert ocpi(cloud, "GET", "/2.2.1/locations/site-ams/CP-2*1/1", token)[1]["data"]["id"] == "1"
        for path in ("/2.2.1/locations/site-other", "/2.2.1/locations/site-ams/CP-9*1", "/2.2.1/locations/site-ams/CP-2*1/2"):
            status, body, _ = ocpi(cloud, "GET", path, token)
            assert status == 404 and body["status_code"] == 2003, (path, body)
        # A partner not registered yet has no locations.
        status, invited = cloud.api("POST", "/api/v1/ocpi/partners", {"name": "Later", "sites": ["site-ams"]})
        assert ocpi(cloud, "GET", "/2.2.1/locations", invited["token"])[0] == 401
        status, body = cloud.api("PUT", f"/api/v1/ocpi/partners/{added['partner']['id']}/sites", {"sites": ["nowhere"]})
        assert status == 404 and "nowhere" in body["detail"], body
        assert cloud.api("PUT", f"/api/v1/ocpi/partners/{added['partner']['id']}/sites", {"sites": []})[0] == 200
        assert ocpi(cloud, "GET", "/2.2.1/locations", token)[1]["data"] == []
    finally:
        emsp.close()


def test_partners_are_added_and_followed_in_the_dashboard(make_cloud, browsers):
    from browser import PASSWORD, add_user
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    cloud = make_cloud(sites=("site-ams",), overrides={"ocpi": CPO})
    add_user(cloud, "ada", "admin")
    browser = browsers(f"https://127.0.0.1:{cloud.port}")
    browser.sign_in("ada", PASSWORD)
    browser.open("/")
    browser.driver.find_element(By.CSS_SELECTOR, "details.more summary").click()
    browser.driver.find_element(By.ID, "roaming-link").click()
    browser.wait(lambda d: d.find_elements(By.ID, "add-partner"), "the roaming page")
    assert browser.driver.find_element(By.ID, "versions-url").text == f"https://127.0.0.1:{cloud.port}/ocpi/versions"
    # Invited: the token A shown once; the partner registers with it.
    browser.driver.find_element(By.ID, "p-name").send_keys("Roam eMSP")
    Select(browser.driver.find_element(By.ID, "p-sites")).select_by_value("site-ams")
    browser.driver.find_element(By.ID, "add-partner-button").click()
    browser.wait(lambda d: d.find_elements(By.ID, "token-a"), "the token A")
    token_a = browser.driver.find_element(By.ID, "token-a").text
    # A hub, added with its switch ticked (invited: it registers later).
    browser.driver.find_element(By.ID, "p-name").send_keys("Hub")
    browser.driver.find_element(By.ID, "p-hub").click()
    browser.driver.find_element(By.ID, "add-partner-button").click()
    browser.wait(lambda d: "Hub" in d.find_element(By.ID, "partner-invited").text, "the hub invited")
    assert [p["hub"] for p in cloud.get("/api/v1/ocpi/partners")["items"] if p["name"] == "Hub"] == [True]
    emsp = EMSP("emsp-b")
    try:
        status, body, _ = ocpi(cloud, "POST", "/2.2.1/credentials", token_a,
                               {"token": "emsp-b", "url": f"{emsp.base}/ocpi/versions", "roles": [EMSP_ROLE]})
        assert status == 200, body
        theirs = body["data"]["token"]  # what the partner calls the cloud with from now on
        browser.open("/roaming")
        row = next(r for r in browser.driver.find_elements(By.CSS_SELECTOR, "#partners tbody tr") if "Roam eMSP" in r.text)
        assert row.get_attribute("data-state") == "registered" and "EMSP NL*EXA" in row.text, row.text
        row.find_element(By.CSS_SELECTOR, "a").click()
        browser.wait(lambda d: d.find_elements(By.ID, "partner-sites"), "the partner's page")
        assert browser.driver.find_element(By.ID, "partner-state").text == "registered"
        assert browser.driver.find_element(By.ID, "s-site-ams").is_selected()
        directions = {r.get_attribute("data-direction")
                      for r in browser.driver.find_elements(By.CSS_SELECTOR, "#messages tbody tr")}
        assert directions == {"in", "out"}, directions
        assert "emsp-b" not in browser.text() and token_a not in browser.text()
        assert browser.driver.find_element(By.ID, "partner-hub").text == "no"
        # Its token list read again on demand: one kept, one it may not send refused.
        listed = {"country_code": "NL", "party_id": "EXA", "type": "RFID", "issuer": "Roam eMSP", "valid": True,
                  "whitelist": "ALLOWED", "last_updated": "2026-12-07T10:00:00Z"}
        emsp.token_list = [{**listed, "uid": "LATE-0001", "contract_id": "NL-EXA-LATE-0001"},
                           {**listed, "uid": "LATE-0002", "contract_id": "NL-EXA-LATE-0002", "whitelist": "SOMETIMES"}]
        browser.driver.find_element(By.ID, "read-tokens-button").click()
        browser.wait(lambda d: d.find_elements(By.ID, "tokens-read-result"), "the tokens read again")
        assert browser.driver.find_element(By.ID, "tokens-read-result").text.endswith("1 / 1")
        assert ocpi(cloud, "GET", "/2.2.1/tokens/NL/EXA/LATE-0001", theirs)[1]["data"]["uid"] == "LATE-0001"
        partner_id = next(p["id"] for p in cloud.get("/api/v1/ocpi/partners")["items"] if p["name"] == "Roam eMSP")
        assert cloud.api("POST", f"/api/v1/ocpi/partners/{partner_id}/tokens/read")[1] == {"kept": 1, "refused": 1}
        # No sites for it any more.
        browser.driver.find_element(By.ID, "s-site-ams").click()
        browser.driver.find_element(By.ID, "save-sites").click()
        browser.wait(lambda d: not d.find_element(By.ID, "s-site-ams").is_selected(), "the sites saved")
        assert [p["sites"] for p in cloud.get("/api/v1/ocpi/partners")["items"] if p["name"] == "Roam eMSP"] == [[]]
    finally:
        emsp.close()


def test_a_partners_token_pushed_to_the_cloud_authorizes_at_a_charger_behind_the_real_edge(make_cloud, make_edge, broker):
    import asyncio

    from ocpp.v16 import call

    from cloud import edge_cloud_config
    from support import arun, charger, now_iso, poll

    site = "site-roam"
    cloud = make_cloud(sites=(site,), overrides={"ocpi": {**CPO, "push_interval_ms": 200}})
    edge = make_edge({**edge_cloud_config(site, broker, auth_timeout_s=2), "authorization": {"unknown_tokens": "accept"}})
    emsp = EMSP("their-token-a", receives=("locations", "sessions", "cdrs", "tariffs"))
    try:
        assert cloud.api("PUT", f"/api/v1/sites/{site}", {
            "address": "Keizersgracht 1", "city": "Amsterdam", "postalCode": "1015 CJ", "country": "NLD",
            "latitude": 52.37, "longitude": 4.89, "timeZone": "Europe/Amsterdam"})[0] == 200
        status, added = cloud.api("POST", "/api/v1/ocpi/partners", {
            "name": "Roam", "versionsUrl": f"{emsp.base}/ocpi/versions", "token": "their-token-a", "sites": [site]})
        assert status == 201, added
        tariff = {"currency": "EUR", "elements": [{"price_components": [{"type": "ENERGY", "price": 0.35, "step_size": 1}]}]}
        assert cloud.api("PUT", "/api/v1/tariffs/roam", {"name": "Roaming", "tariff": tariff})[0] == 200
        assert cloud.api("POST", "/api/v1/tariffs/roam/assignments", {"site": site})[0] in (200, 201)
        token = emsp.cloud_token
        driver = {"country_code": "NL", "party_id": "EXA", "uid": "ROAM-0001", "type": "RFID",
                  "contract_id": "NL-EXA-C12345678-X", "issuer": "Roam eMSP", "valid": True, "whitelist": "ALLOWED",
                  "group_id": "ROAM-GROUP", "last_updated": "2026-12-07T10:00:00Z"}
        path = "/2.2.1/tokens/NL/EXA/ROAM-0001"
        # Not its party, not the path's, not complete: refused naming why.
        status, body, _ = ocpi(cloud, "PUT", "/2.2.1/tokens/DE/XYZ/ROAM-0001", token,
                               {**driver, "country_code": "DE", "party_id": "XYZ"})
        assert status == 200 and body["status_code"] == 2001 and "not one of your parties" in body["status_message"]
        status, body, _ = ocpi(cloud, "PUT", "/2.2.1/tokens/NL/EXA/OTHER", token, driver)
        assert status == 200 and body["status_code"] == 2001, body
        status, body, _ = ocpi(cloud, "PUT", path, token, {**driver, "whitelist": "SOMETIMES"})
        assert status == 200 and body["status_code"] == 2001 and "whitelist" in body["status_message"], body
        status, body, _ = ocpi(cloud, "GET", path, token)
        assert status == 404 and body["status_code"] == 2004, body
        # Kept, and read back.
        status, body, _ = ocpi(cloud, "PUT", path, token, driver)
        assert status == 200 and body["status_code"] == 1000, body
        for uid, whitelist in (("ROAM-NEVER", "NEVER"), ("ROAM-BLOCK", "NEVER"), ("ROAM-OFF", "ALLOWED_OFFLINE")):
            status, body, _ = ocpi(cloud, "PUT", f"/2.2.1/tokens/NL/EXA/{uid}", token,
                                   {**driver, "uid": uid, "whitelist": whitelist})
            assert status == 200 and body["status_code"] == 1000, body
        assert ocpi(cloud, "GET", path, token)[1]["data"]["contract_id"] == "NL-EXA-C12345678-X"

        def correct(cdr: dict, transaction: int):
            # The operator corrects the billed session (a goodwill credit): the partner is sent a credit CDR for the
            # first (its cost negated, pointing at it), then a new CDR with the corrected cost, in that order.
            corrections = f"/api/v1/sessions/{site}/{transaction}/corrections"
            status, body = cloud.api("POST", corrections, {"reason": "slow charger: goodwill", "exclVat": "2.00",
                                                           "inclVat": "2.00"})
            assert status == 201 and body["correction"]["reason"] == "slow charger: goodwill", body
            assert body["session"]["price"]["exclVat"] == 2 and body["correction"]["before"]["exclVat"] == 3.5, body
            credit, fresh = poll(lambda: (lambda posted: posted if len(posted) >= 3 else None)(
                emsp.of("POST", "/ocpi/2.2.1/cdrs")), 30, what="the credit CDR and the new one")[1:3]
            assert credit["id"] == cdr["id"] + "-C" and credit["credit"] is True, credit
            assert credit["credit_reference_id"] == cdr["id"], credit
            assert credit["total_cost"] == {"excl_vat": -3.5, "incl_vat": -3.5}, credit
            assert credit["total_energy"] == cdr["total_energy"] and credit["session_id"] == cdr["session_id"], credit
            assert fresh["id"] == cdr["id"] + "-R" + str(body["correction"]["id"]) and "credit" not in fresh, fresh
            # Set by hand, the total is not the tariff's parts: those are left out.
            assert "total_energy_cost" not in fresh and fresh["total_energy"] == cdr["total_energy"], fresh
            assert fresh["total_cost"] == {"excl_vat": 2.0, "incl_vat": 2.0}, fresh
            listed = [c["id"] for c in ocpi(cloud, "GET", "/2.2.1/cdrs", token)[1]["data"]]
            assert listed == sorted([cdr["id"], credit["id"], fresh["id"]]), listed  # paged in id order
            assert [c["reason"] for c in cloud.get(corrections)["items"]] == ["slow charger: goodwill"]
            # Refused, naming why: the same price again, an amount with a float's digits, neither kind, a viewer.
            status, body = cloud.api("POST", corrections, {"reason": "again", "exclVat": "2.00", "inclVat": "2.00"})
            assert status == 409 and "nothing to correct" in body["detail"], body
            status, body = cloud.api("POST", corrections, {"reason": "x", "exclVat": "2.001", "inclVat": "2.001"})
            assert status == 400 and "2 decimals" in body["detail"], body
            status, body = cloud.api("POST", corrections, {"reason": "x", "exclVat": 2, "inclVat": "2"})
            assert status == 400, body
            status, body = cloud.api("POST", corrections, {"reason": "x"})
            assert status == 400 and "reprice" in body["detail"], body
            assert cloud.api("POST", corrections, {"reason": "x", "reprice": True}, cloud.create_token("viewer"))[0] == 403
            # Money is the fleet staff's: a client organization's operator granted the whole site may not either.
            from browser import add_user
            cloud.cli("organization", "add", "client-co", "--name", "Client Co")
            cloud.cli("organization", "grant", "client-co", "--site", site)
            add_user(cloud, "cleo", "operator", "--organization", "client-co")
            cleo = cloud.cli("token", "create", "--name", "cleo", "--user", "cleo").strip()
            status, body = cloud.api("POST", corrections, {"reason": "x", "reprice": True}, cleo)
            assert status == 403 and "staff" in body["detail"], body
            assert cloud.api("POST", f"/api/v1/sessions/{site}/999/corrections", {"reason": "x", "reprice": True})[0] == 404
            # Priced again from its measurements: back to what the tariff gives, and credited once more.
            status, body = cloud.api("POST", corrections, {"reason": "priced again", "reprice": True})
            assert status == 201 and body["correction"]["before"]["exclVat"] == 2, body
            second = f"{cdr['id']}-R{body['correction']['id']}"
            posted = poll(lambda: (lambda posted: posted if len(posted) >= 5 else None)(
                emsp.of("POST", "/ocpi/2.2.1/cdrs")), 30, what="the second correction's CDRs")
            assert [(c["id"], c["total_cost"]["excl_vat"]) for c in posted[3:5]] == [
                (fresh["id"] + "-C", -2.0), (second, 3.5)], posted
            assert posted[4]["total_energy_cost"] == {"excl_vat": 3.5, "incl_vat": 3.5}, posted[4]

        async def scenario():
            async with charger(edge, "CP-ROAM") as cp:
                await cp.boot()
                # The edge's list holds the partner's driver: the charger is sent it.
                for _ in range(100):
                    if any(e["idTag"] == "ROAM-0001" for pushed in cp.calls_of("SendLocalList")
                           for e in pushed.get("localAuthorizationList", [])):
                        break
                    await asyncio.sleep(0.1)
                else:
                    raise AssertionError(f"ROAM-0001 never sent: {cp.calls_of('SendLocalList')}")
                answer = await cp.call(call.Authorize(id_tag="ROAM-0001"), suppress=False)
                assert answer.id_tag_info["status"] == "Accepted", answer
                # NEVER: not in any list; the partner is asked in real time, with the Location.
                for uid, verdict, status in (("ROAM-NEVER", "ALLOWED", "Accepted"), ("ROAM-BLOCK", "BLOCKED", "Blocked")):
                    emsp.authorizations[uid] = verdict
                    answer = await cp.call(call.Authorize(id_tag=uid), suppress=False)
                    assert answer.id_tag_info["status"] == status, (uid, answer)
                    asked = emsp.of("POST", f"/ocpi/2.2.1/tokens/{uid}/authorize?type=RFID")
                    assert asked == [{"location_id": site}], emsp.received
                # The driver charges: the session reaches the partner with its energy and its cost.
                # Timestamps are whole seconds: a start in this second could fall before the tariff's assignment (made
                # a few milliseconds ago) and go unpriced; a second ahead it cannot.
                await cp.call(call.StatusNotification(connector_id=1, error_code="NoError", status="Preparing"))
                started = await cp.call(call.StartTransaction(connector_id=1, id_tag="ROAM-0001", meter_start=1000,
                                                              timestamp=now_iso(1)), suppress=False)
                # Running, it reaches the partner (pushed, not asked for).
                await asyncio.to_thread(poll, lambda: [b for m, p, b in list(emsp.received) if "/sessions/" in p
                                                       and b["status"] == "ACTIVE"], 20, what="the running session")
                await cp.call(call.StopTransaction(transaction_id=started.transaction_id, meter_stop=11_000,
                                                   timestamp=now_iso(2), id_tag="ROAM-0001"), suppress=False)

                def completed():
                    sessions = ocpi(cloud, "GET", "/2.2.1/sessions", token)[1]["data"]
                    return [s for s in sessions if s["status"] == "COMPLETED" and s.get("total_cost")]

                sessions = await asyncio.to_thread(poll, completed, 20, what="the completed session, priced")
                # Pushed as it went: the Location, its EVSE's states, the tariff, the session running and completed,
                # then one CDR with the cost the tariff gives.
                cdr = (await asyncio.to_thread(poll, lambda: emsp.of("POST", "/ocpi/2.2.1/cdrs"), 30, what="the CDR"))[0]
                assert cdr["total_cost"] == {"excl_vat": 3.5, "incl_vat": 3.5} and cdr["total_energy"] == 10, cdr
                assert cdr["currency"] == "EUR" and cdr["tariffs"][0]["id"] == "roam", cdr
                assert cdr["auth_method"] == "WHITELIST" and "authorization_reference" not in cdr, cdr
                assert cdr["cdr_location"]["evse_uid"] == "CP-ROAM*1" and cdr["cdr_location"]["id"] == site, cdr
                assert cdr["cdr_location"]["evse_id"] == "DE*GRS*ECPROAM*1" and cdr["cdr_token"]["uid"] == "ROAM-0001"
                assert cdr["charging_periods"] and cdr["charging_periods"][0]["tariff_id"] == "roam", cdr
                assert {d["type"] for d in cdr["charging_periods"][0]["dimensions"]} >= {"ENERGY"}, cdr
                # The completed session goes out once billed, in the same round as the CDR.
                await asyncio.to_thread(
                    poll, lambda: [b for b in emsp.of("PUT", f"/ocpi/2.2.1/sessions/DE/GRS/{cdr['session_id']}")
                                   if b["status"] == "COMPLETED"], 20, what="the completed session")
                session_puts = emsp.of("PUT", f"/ocpi/2.2.1/sessions/DE/GRS/{cdr['session_id']}")
                assert [p["status"] for p in session_puts][0] == "ACTIVE" and session_puts[-1]["status"] == "COMPLETED"
                assert session_puts[-1]["total_cost"]["excl_vat"] == 3.5 and session_puts[-1]["kwh"] == 10
                location = emsp.of("PUT", f"/ocpi/2.2.1/locations/DE/GRS/{site}")[0]
                assert location["address"] == "Keizersgracht 1" and location["publish"] is True, location
                evses = [e for pushed in emsp.of("PUT", f"/ocpi/2.2.1/locations/DE/GRS/{site}") for e in pushed["evses"]]
                evses += emsp.of("PUT", f"/ocpi/2.2.1/locations/DE/GRS/{site}/CP-ROAM*1")
                assert "CHARGING" in {e["status"] for e in evses if e["uid"] == "CP-ROAM*1"}, emsp.received
                assert emsp.of("PUT", "/ocpi/2.2.1/tariffs/DE/GRS/roam")[0]["elements"], emsp.received
                session = sessions[0]
                assert (session["location_id"], session["evse_uid"], session["kwh"]) == (site, "CP-ROAM*1", 10.0)
                assert session["cdr_token"] == {"country_code": "NL", "party_id": "EXA", "uid": "ROAM-0001",
                                                "type": "RFID", "contract_id": "NL-EXA-C12345678-X"}
                assert session["currency"] == "EUR" and session["total_cost"]["excl_vat"] == 3.5, session
                await asyncio.to_thread(correct, cdr, started.transaction_id)
                # The eMSP invalidates it: the list drops it, and the cloud refuses it when asked.
                status, body, _ = await asyncio.to_thread(
                    ocpi, cloud, "PATCH", path, token, {"valid": False, "last_updated": "2026-12-07T11:00:00Z"})
                assert status == 200, body
                for _ in range(100):
                    answer = await cp.call(call.Authorize(id_tag="ROAM-0001"), suppress=False)
                    if answer.id_tag_info["status"] != "Accepted":
                        break
                    await asyncio.sleep(0.1)
                assert answer.id_tag_info["status"] == "Invalid", answer
                # ALLOWED_OFFLINE: in the edge's list, yet asked in real time while the partner can be reached; the
                # partner's word holds.
                emsp.authorizations["ROAM-OFF"] = "BLOCKED"
                answer = await cp.call(call.Authorize(id_tag="ROAM-OFF"), suppress=False)
                assert answer.id_tag_info["status"] == "Blocked", answer
                assert emsp.of("POST", "/ocpi/2.2.1/tokens/ROAM-OFF/authorize?type=RFID") == [{"location_id": site}]
                # Without the cloud, an ALLOWED_OFFLINE driver still charges: the edge holds the list.
                await asyncio.to_thread(cloud.stop)
                answer = await cp.call(call.Authorize(id_tag="ROAM-OFF"), suppress=False)
                assert answer.id_tag_info["status"] == "Accepted", answer
                await asyncio.to_thread(cloud.start)

        arun(scenario(), timeout=90)
        assert ocpi(cloud, "GET", path, token)[1]["data"]["valid"] is False
        status, body, _ = ocpi(cloud, "PATCH", path, token, {"valid": True})
        assert status == 200 and body["status_code"] == 2001, body
    finally:
        emsp.close()


def test_a_partner_starts_stops_and_unlocks_through_the_real_edge_and_a_silent_charger_yields_timeout(
        make_cloud, make_edge, broker):
    """The commands module against an ocpp charger behind the real edge: START_SESSION starts it (the session then
    pushed as it runs), the partner's charging profile lowers it through the load manager and never lifts it,
    STOP_SESSION stops it, UNLOCK_CONNECTOR unlocks, each CommandResult posted to the partner's
    response_url; refusals answered at once; a charger that never answers a remote start yields TIMEOUT and no
    session."""
    import asyncio

    from ocpp.v16 import call

    from cloud import edge_cloud_config
    from support import arun, charger, now_iso, poll, wait_until

    site = "site-cmd"
    cloud = make_cloud(sites=(site,), overrides={"ocpi": {**CPO, "push_interval_ms": 200}, "commands": {"timeout_s": 3}})
    edge = make_edge({**edge_cloud_config(site, broker, auth_timeout_s=2), "grid": {"limit_a": 40},
                      "load_management": {"mode": "static", "static_current_a": 20}})
    emsp = EMSP("their-token-a", receives=("locations", "sessions", "cdrs", "commands"))
    try:
        assert cloud.api("PUT", f"/api/v1/sites/{site}", {
            "address": "Damrak 1", "city": "Amsterdam", "country": "NLD", "latitude": 52.37, "longitude": 4.89,
            "timeZone": "Europe/Amsterdam"})[0] == 200
        status, added = cloud.api("POST", "/api/v1/ocpi/partners", {
            "name": "Roam", "versionsUrl": f"{emsp.base}/ocpi/versions", "token": "their-token-a", "sites": [site]})
        assert status == 201, added
        token = emsp.cloud_token
        driver = {"country_code": "NL", "party_id": "EXA", "uid": "ROAM-0002", "type": "APP_USER",
                  "contract_id": "NL-EXA-C00000002-X", "issuer": "Roam eMSP", "valid": True, "whitelist": "ALLOWED",
                  "last_updated": "2026-12-07T10:00:00Z"}

        def command(name: str, body: dict, reply: str):
            return ocpi(cloud, "POST", f"/2.2.1/commands/{name}", token,
                        {"response_url": f"{emsp.base}/ocpi/2.2.1/commands/{name}/{reply}", **body})

        def result(name: str, reply: str) -> dict:
            return poll(lambda: emsp.of("POST", f"/ocpi/2.2.1/commands/{name}/{reply}"), 20,
                        what=f"the result of {name}")[0]

        # Refused at once, naming why.
        status, body, _ = command("START_SESSION", {"token": driver, "location_id": "nowhere", "evse_uid": "X*1"}, "r0")
        assert status == 200 and body["data"]["result"] == "REJECTED" and body["data"]["message"], body
        status, body, _ = command("STOP_SESSION", {"session_id": "no-such-session"}, "r0")
        assert body["data"]["result"] == "UNKNOWN_SESSION", body
        assert command("SET_CHARGING_PROFILE", {}, "r0")[1]["data"]["result"] == "NOT_SUPPORTED"
        status, body, _ = ocpi(cloud, "POST", "/2.2.1/commands/START_SESSION", token, {"token": driver})
        assert status == 200 and body["status_code"] == 2001 and "response_url" in body["status_message"], body

        async def called(cp, action: str) -> dict:
            for _ in range(200):
                if cp.calls_of(action):
                    return cp.calls_of(action)[-1]
                await asyncio.sleep(0.05)
            raise AssertionError(f"no {action} reached the charger")

        def limits(cp) -> list[float]:
            return [p["csChargingProfiles"]["chargingSchedule"]["chargingSchedulePeriod"][0]["limit"]
                    for p in cp.calls_of("SetChargingProfile")
                    if p["csChargingProfiles"]["chargingProfilePurpose"] == "TxProfile"]

        async def profile(method: str, session: str, reply: str, query: str = "", body=None) -> dict:
            url = f"{emsp.base}/ocpi/2.2.1/results/{reply}"
            path = f"/2.2.1/chargingprofiles/{session}"
            if method == "PUT":
                body = {"response_url": url, **body}
            else:
                path += f"?response_url={url}{query}"
            status, answer, _ = await asyncio.to_thread(ocpi, cloud, method, path, token, body)
            assert status == 200 and answer["data"]["result"] == "ACCEPTED" and answer["data"]["timeout"] > 0, answer
            return (await asyncio.to_thread(
                poll, lambda: emsp.of("POST", f"/ocpi/2.2.1/results/{reply}"), 20, what=f"{method} result"))[0]

        async def smart_charging(cp, session: str):
            # The load manager gives the car the site's 20 A; the partner's profile lowers it to 10 A, read back as
            # active; cleared, the car climbs back; a profile above the share lifts nothing.
            await wait_until(lambda: limits(cp)[-1:] == [20], timeout=15, what="the car at the site's 20 A")
            done = await profile("PUT", session, "p1", body={"charging_profile": {
                "charging_rate_unit": "A", "charging_profile_period": [{"start_period": 0, "limit": 10}]}})
            assert done == {"result": "ACCEPTED"}, done
            await wait_until(lambda: limits(cp)[-1:] == [10], timeout=15, what="the partner's 10 A at the charger")
            active = await profile("GET", session, "p2", "&duration=900")
            assert active["result"] == "ACCEPTED", active
            assert active["profile"]["charging_profile"]["charging_profile_period"] == [{"start_period": 0, "limit": 10}]
            assert active["profile"]["charging_profile"]["charging_rate_unit"] == "A", active
            assert (await profile("DELETE", session, "p3")) == {"result": "ACCEPTED"}
            await wait_until(lambda: limits(cp)[-1:] == [20], timeout=20, what="the car back at 20 A")
            done = await profile("PUT", session, "p4", body={"charging_profile": {
                "charging_rate_unit": "W", "charging_profile_period": [{"start_period": 0, "limit": 22080}]}})
            assert done == {"result": "ACCEPTED"}, done
            await asyncio.sleep(2)
            assert max(limits(cp)) <= 20, limits(cp)
            # A profile that is no schedule is refused at once, naming what is wrong.
            status, body, _ = await asyncio.to_thread(ocpi, cloud, "PUT", f"/2.2.1/chargingprofiles/{session}", token, {
                "response_url": f"{emsp.base}/r", "charging_profile": {
                    "charging_rate_unit": "kW", "charging_profile_period": [{"start_period": 5, "limit": 1}]}})
            assert body["status_code"] == 2001 and "unit" in body["status_message"], body

        async def scenario():
            async with charger(edge, "CP-CMD") as cp:
                await cp.boot()
                await cp.call(call.StatusNotification(connector_id=1, error_code="NoError", status="Available"))
                # The station is known to the cloud before the partner names its EVSE.
                await asyncio.to_thread(poll, lambda: cloud.get(f"/api/v1/fleet?site={site}")["items"], 15,
                                        what="the station in the cloud")
                status, body, _ = await asyncio.to_thread(
                    command, "START_SESSION", {"token": driver, "location_id": site, "evse_uid": "CP-CMD*1",
                                               "authorization_reference": "REF-0042"}, "s1")
                assert body["data"]["result"] == "ACCEPTED" and body["data"]["timeout"] > 3, body
                start = await called(cp, "RemoteStartTransaction")
                assert start["idTag"] == "ROAM-0002" and start["connectorId"] == 1, start
                assert (await asyncio.to_thread(result, "START_SESSION", "s1"))["result"] == "ACCEPTED"
                started = await cp.call(call.StartTransaction(connector_id=1, id_tag="ROAM-0002", meter_start=0,
                                                              timestamp=now_iso(1)), suppress=False)
                assert started.id_tag_info["status"] == "Accepted", started
                running = await asyncio.to_thread(
                    poll, lambda: [b for m, p, b in list(emsp.received) if "/sessions/" in p
                                   and b["status"] == "ACTIVE"], 20, what="the running session")
                await smart_charging(cp, running[0]["id"])
                status, body, _ = await asyncio.to_thread(
                    ocpi, cloud, "PUT", f"/2.2.1/sessions/{running[0]['id']}/charging_preferences", token,
                    {"profile_type": "FAST"})
                assert status == 200 and body["data"] == "NOT_POSSIBLE", body
                # Started by the partner's command: said so, with its reference.
                assert (running[0]["auth_method"], running[0].get("authorization_reference")) == ("COMMAND", "REF-0042")
                status, body, _ = await asyncio.to_thread(
                    command, "STOP_SESSION", {"session_id": running[0]["id"]}, "s2")
                assert body["data"]["result"] == "ACCEPTED", body
                assert (await called(cp, "RemoteStopTransaction"))["transactionId"] == started.transaction_id
                assert (await asyncio.to_thread(result, "STOP_SESSION", "s2"))["result"] == "ACCEPTED"
                await cp.call(call.StopTransaction(transaction_id=started.transaction_id, meter_stop=2000,
                                                   timestamp=now_iso(2), id_tag="ROAM-0002"), suppress=False)
                status, body, _ = await asyncio.to_thread(
                    command, "UNLOCK_CONNECTOR", {"location_id": site, "evse_uid": "CP-CMD*1", "connector_id": "1"}, "s3")
                assert body["data"]["result"] == "ACCEPTED", body
                assert (await asyncio.to_thread(result, "UNLOCK_CONNECTOR", "s3"))["result"] == "ACCEPTED"
                assert (await called(cp, "UnlockConnector"))["connectorId"] == 1
                # A reservation, and its cancellation (OCPP's reservation ids are numbers: "R-7" becomes one).
                status, body, _ = await asyncio.to_thread(command, "RESERVE_NOW", {
                    "token": driver, "location_id": site, "evse_uid": "CP-CMD*1", "reservation_id": "R-7",
                    "expiry_date": now_iso(900)}, "s5")
                assert body["data"]["result"] == "ACCEPTED", body
                reserved = await called(cp, "ReserveNow")
                assert reserved["idTag"] == "ROAM-0002" and isinstance(reserved["reservationId"], int), reserved
                assert (await asyncio.to_thread(result, "RESERVE_NOW", "s5"))["result"] == "ACCEPTED"
                cp.answers["CancelReservation"] = {"status": "Rejected"}
                status, body, _ = await asyncio.to_thread(command, "CANCEL_RESERVATION", {"reservation_id": "R-7"}, "s6")
                assert body["data"]["result"] == "ACCEPTED", body
                assert (await called(cp, "CancelReservation"))["reservationId"] == reserved["reservationId"]
                assert (await asyncio.to_thread(result, "CANCEL_RESERVATION", "s6"))["result"] == "UNKNOWN_RESERVATION"
                status, body, _ = await asyncio.to_thread(command, "CANCEL_RESERVATION", {"reservation_id": "R-8"}, "s7")
                assert body["data"]["result"] == "REJECTED", body
                # A charger that never answers: TIMEOUT, and no session.
                cp.delays["RemoteStartTransaction"] = 30
                status, body, _ = await asyncio.to_thread(
                    command, "START_SESSION", {"token": driver, "location_id": site, "evse_uid": "CP-CMD*1"}, "s4")
                assert body["data"]["result"] == "ACCEPTED", body
                assert (await asyncio.to_thread(result, "START_SESSION", "s4"))["result"] == "TIMEOUT"
                sessions = await asyncio.to_thread(cloud.get, f"/api/v1/sessions?site={site}")
                assert [s["transactionId"] for s in sessions["items"]] == [started.transaction_id], sessions

        arun(scenario(), timeout=90)
    finally:
        emsp.close()


def test_routing_headers_and_a_hubs_members_tokens(make_cloud):
    """A request addressed to another party is refused (this platform routes nothing on); the answer carries the
    routing headers back; a hub puts its members' tokens under their own codes; smart charging for a session that is
    not the partner's is UNKNOWN_SESSION."""
    cloud = make_cloud(overrides={"ocpi": CPO})
    member = {"country_code": "NL", "party_id": "ABC", "uid": "HUB-0001", "type": "RFID",
              "contract_id": "NL-ABC-C00000001-X", "issuer": "ABC eMSP", "valid": True, "whitelist": "ALLOWED",
              "last_updated": "2026-12-07T10:00:00Z"}
    # A partner calling itself a hub is not trusted as one: an administrator says so.
    status, claimed = cloud.api("POST", "/api/v1/ocpi/partners", {"name": "Self-declared hub"})
    pretender = EMSP("pretend-b")
    try:
        role = {"role": "HUB", "business_details": {"name": "Pretender"}, "party_id": "PRT", "country_code": "DE"}
        status, body, _ = ocpi(cloud, "POST", "/2.2.1/credentials", claimed["token"],
                               {"token": "pretend-b", "url": f"{pretender.base}/ocpi/versions", "roles": [role]})
        assert status == 200 and body["status_code"] == 1000, body
        status, body, _ = ocpi(cloud, "PUT", "/2.2.1/tokens/NL/ABC/HUB-0001", body["data"]["token"], member)
        assert status == 200 and body["status_code"] == 2001 and "not one of your parties" in body["status_message"]
    finally:
        pretender.close()
    status, added = cloud.api("POST", "/api/v1/ocpi/partners", {"name": "Roaming hub", "hub": True})
    assert status == 201 and added["partner"]["hub"] is True, added
    emsp = EMSP("hub-b")
    try:
        hub = {"role": "HUB", "business_details": {"name": "Roaming hub"}, "party_id": "HUB", "country_code": "DE"}
        status, body, _ = ocpi(cloud, "POST", "/2.2.1/credentials", added["token"],
                               {"token": "hub-b", "url": f"{emsp.base}/ocpi/versions", "roles": [hub]})
        assert status == 200 and body["status_code"] == 1000, body
        token = body["data"]["token"]
        status, body, _ = ocpi(cloud, "GET", "/2.2.1/locations", token,
                               headers={"OCPI-to-country-code": "NL", "OCPI-to-party-id": "XYZ"})
        assert status == 200 and body["status_code"] == 2000 and "OCPI-to-country-code" in body["status_message"], body
        status, body, headers = ocpi(cloud, "GET", "/2.2.1/locations", token, headers={
            "OCPI-to-country-code": "de", "OCPI-to-party-id": "grs", "OCPI-from-country-code": "NL",
            "OCPI-from-party-id": "ABC"})
        assert status == 200 and body["status_code"] == 1000, body
        assert (headers["OCPI-from-country-code"], headers["OCPI-from-party-id"]) == ("DE", "GRS"), headers
        assert (headers["OCPI-to-country-code"], headers["OCPI-to-party-id"]) == ("NL", "ABC"), headers
        status, body, _ = ocpi(cloud, "PUT", "/2.2.1/tokens/NL/ABC/HUB-0001", token, member)
        assert status == 200 and body["status_code"] == 1000, body
        assert ocpi(cloud, "GET", "/2.2.1/tokens/NL/ABC/HUB-0001", token)[1]["data"]["issuer"] == "ABC eMSP"
        status, body, _ = ocpi(cloud, "PUT", "/2.2.1/chargingprofiles/not-a-session", token, {
            "response_url": f"{emsp.base}/r", "charging_profile": {"charging_rate_unit": "W"}})
        assert status == 200 and body["data"]["result"] == "UNKNOWN_SESSION", body
        assert ocpi(cloud, "GET", f"/2.2.1/chargingprofiles/not-a-session?duration=60&response_url={emsp.base}/r", token)[1][
            "data"]["result"] == "UNKNOWN_SESSION"
        status, body, _ = ocpi(cloud, "PUT", "/2.2.1/sessions/not-a-session/charging_preferences", token,
                               {"profile_type": "FAST"})
        assert status == 404 and body["status_code"] == 2001, body
    finally:
        emsp.close()


def test_a_push_the_partner_refuses_is_sent_again_after_a_pause_and_the_refusal_shown(make_cloud, broker):
    """The eMSP refuses the first two pushes: the cloud holds it back (2 s, then 4 s), sends the Location again, and
    the partner's page and API show the refusal as its last failure and the later success."""
    from cloud import FakeEdge, Peer
    from support import now_iso, poll

    site = "site-retry"
    cloud = make_cloud(sites=(site,), overrides={"ocpi": {**CPO, "push_interval_ms": 200}})
    assert cloud.api("PUT", f"/api/v1/sites/{site}", {
        "address": "Dam 1", "city": "Amsterdam", "country": "NLD", "latitude": 52.37, "longitude": 4.89,
        "timeZone": "Europe/Amsterdam"})[0] == 200
    edge = FakeEdge(Peer(broker, "fake-edge-retry"), site)
    edge.send("presence", {"online": True})
    edge.send("station.boot", {"station": "CP-R", "vendor": "ACME", "model": "W", "approval": "accepted",
                               "time": now_iso()})
    edge.send("connector.status", {"station": "CP-R", "connector": 1, "status": "Available", "errorCode": "NoError",
                                   "time": now_iso()})
    poll(lambda: cloud.get(f"/api/v1/fleet?site={site}")["items"], 15, what="the station")
    emsp = EMSP("their-token-a")
    emsp.refusals = 2
    try:
        status, added = cloud.api("POST", "/api/v1/ocpi/partners", {
            "name": "Picky", "versionsUrl": f"{emsp.base}/ocpi/versions", "token": "their-token-a", "sites": [site]})
        assert status == 201, added
        location = poll(lambda: emsp.of("PUT", f"/ocpi/2.2.1/locations/DE/GRS/{site}"), 30, what="the Location")[0]
        assert location["evses"][0]["uid"] == "CP-R*1", location
        partner = poll(lambda: (p := cloud.get(f"/api/v1/ocpi/partners/{added['partner']['id']}"))
                       .get("lastSuccessAt", "") > p.get("lastFailureAt", "") and p, 10, what="the later success")
        assert "refused, as the test asked" in partner["lastFailure"], partner
        refused = [m for m in cloud.get(f"/api/v1/ocpi/partners/{added['partner']['id']}/messages")["items"]
                   if m["direction"] == "out" and m["method"] == "PUT" and "2001" in (m.get("response") or "")]
        assert len(refused) == 2, refused
    finally:
        emsp.close()


def test_a_bad_ocpi_section_is_refused_naming_each_key(tmp_path):
    """cloud.yaml's ocpi: section, operators included, checked before anything starts."""
    import subprocess

    from cloud import cloud_binary

    config = tmp_path / "cloud.yaml"
    config.write_text(json.dumps({
        "store": {"url": f"sqlite://{tmp_path}/cloud.sqlite"}, "mqtt": {"broker": "mqtt://127.0.0.1:1"},
        "ocpi": {**CPO, "push_interval_ms": 5, "operators": [
            {"country_code": "de", "party_id": "ABC", "name": "ABC", "sites": ["site-1"]},
            {"country_code": "DE", "party_id": "GRS", "name": "Twin", "sites": ["site-1"]},
            {"country_code": "NL", "party_id": "XYZ", "name": "Empty", "sites": []}]}}))
    result = subprocess.run([str(cloud_binary()), "serve", "--config", str(config)], capture_output=True, text=True,
                            timeout=30)
    assert result.returncode != 0
    for expected in ("ocpi.push_interval_ms", "ocpi.operators[0].country_code", "ocpi.operators[2].sites",
                     "each party (country_code, party_id) once", "each site under one operator"):
        assert expected in result.stderr + result.stdout, (expected, result.stderr)
