"""Two sites whose chargers chose the same identity (`CP001`, a vendor default) are two stations in the cloud: the real
gridside-edge at each site, a real mosquitto, the real gridside-cloud, chargers from the `ocpp` library. Each station is
read, listed, filtered and commanded by (site, station); the old station-only routes answer 409 when the id is
ambiguous; an organization granted `site-b/CP001` sees that station only; and an MQTT peer speaking on one site's
topics about another site's station (or naming a station `site/station`) changes nothing at the other site (security
review, finding 1)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import urllib.parse

from ocpp.v16 import call

from cloud import Peer, edge_cloud_config
from support import arun, charger, metric_sum, now_iso, poll

A = "site-a"
B = "site-b"
STATION = "CP001"
# Above any seq a real edge has sent (its seqs start from the clock in microseconds, about 2^51 today) and under
# the cloud's bound of 2^53: a boot with a lower seq than the station's last one is older news and changes nothing.
HIGH_SEQ = 2**53 - 1000
METER_START = 10_000
# What each site's CP001 says at boot, and the energy of the one session it runs.
CHARGERS = {
    A: {"vendor": "Alfa Charging", "model": "A-11", "energy": 4_000},
    B: {"vendor": "Bravo Power", "model": "B-22", "energy": 7_000},
}
TRIGGER = {"requestedMessage": "StatusNotification", "connectorId": 1}
PASSWORD = "correct horse battery"


def station_path(site: str, station: str = STATION, rest: str = "") -> str:
    return f"/api/v1/sites/{site}/stations/{urllib.parse.quote(station, safe='')}{rest}"


def start_two_sites(make_edge, make_cloud, broker):
    """A cloud that knows site-a and site-b, and an edge for each."""
    cloud = make_cloud(sites=(A, B))
    edges = {site: make_edge(edge_cloud_config(site, broker)) for site in (A, B)}
    return cloud, edges


@contextlib.asynccontextmanager
async def chargers_at_both(edges):
    """A charger named CP001 at each edge, booted with its own vendor and model, connector 1 Available."""
    async with charger(edges[A], STATION) as cp_a, charger(edges[B], STATION) as cp_b:
        chargers = {A: cp_a, B: cp_b}
        for site, cp in chargers.items():
            answer = await cp.boot(charge_point_vendor=CHARGERS[site]["vendor"],
                                   charge_point_model=CHARGERS[site]["model"])
            assert answer.status == "Accepted", (site, answer)
            await cp.call(call.StatusNotification(connector_id=1, error_code="NoError", status="Available"),
                          suppress=False)
        yield chargers


async def charge(cp, energy: int) -> int:
    """One session of `energy` Wh on connector 1; returns its transaction id."""
    started = await cp.call(
        call.StartTransaction(connector_id=1, id_tag="TOKEN-OK", meter_start=METER_START, timestamp=now_iso()),
        suppress=False)
    await cp.call(call.StopTransaction(meter_stop=METER_START + energy, timestamp=now_iso(),
                                       transaction_id=started.transaction_id, reason="Local"), suppress=False)
    return started.transaction_id


def both_in_the_cloud(cloud, transactions: dict[str, int]) -> bool:
    """Each site online, its CP001 known with its own vendor and connector, and its session over."""
    for site, transaction in transactions.items():
        if not cloud.get(f"/api/v1/sites/{site}")["online"]:
            return False
        status, station = cloud.api("GET", station_path(site))
        if status != 200 or station.get("vendor") != CHARGERS[site]["vendor"] or not station.get("connectors"):
            return False
        if transaction not in {s["transactionId"] for s in cloud.sessions(site=site, active="false")}:
            return False
    return True


def wait_for_both_in_the_cloud(cloud, transactions: dict[str, int]) -> None:
    poll(lambda: both_in_the_cloud(cloud, transactions), timeout=30, interval=0.3,
         what="both sites' CP001 and their sessions in the cloud")


def two_sites_that_charged(make_edge, make_cloud, broker):
    """The shared setup: both edges up, one session at each CP001, everything arrived in the cloud (the chargers
    have left again)."""
    cloud, edges = start_two_sites(make_edge, make_cloud, broker)

    async def scenario():
        async with chargers_at_both(edges) as chargers:
            return {site: await charge(cp, CHARGERS[site]["energy"]) for site, cp in chargers.items()}

    transactions = arun(scenario(), timeout=60)
    wait_for_both_in_the_cloud(cloud, transactions)
    return cloud, edges, transactions


def assert_station_is_its_sites(cloud, site: str, token=True) -> dict:
    station = cloud.get(station_path(site), token=token)
    assert (station["id"], station["site"]) == (STATION, site), station
    assert (station["vendor"], station["model"]) == (CHARGERS[site]["vendor"], CHARGERS[site]["model"]), station
    return station


def connector_statuses(cloud, site: str, token=True) -> list[tuple[int, str]]:
    items = cloud.get(station_path(site, rest="/connectors"), token=token)["items"]
    return [(c["connector"], c["status"]) for c in items]


def test_two_sites_whose_chargers_share_an_identity_are_two_stations(make_edge, make_cloud, broker):
    cloud, edges = start_two_sites(make_edge, make_cloud, broker)

    def check_the_two_stations(transactions: dict[str, int]) -> None:
        listed = cloud.get("/api/v1/stations")["items"]
        assert sorted((s["site"], s["id"]) for s in listed) == [(A, STATION), (B, STATION)], listed
        for site in (A, B):
            only = cloud.get(f"/api/v1/stations?site={site}")["items"]
            assert [(s["site"], s["id"]) for s in only] == [(site, STATION)], (site, only)
            assert_station_is_its_sites(cloud, site)
            assert connector_statuses(cloud, site) == [(1, "Available")]
            sessions = cloud.sessions(site=site)
            assert [(s["site"], s["station"], s["transactionId"], s["energyWh"]) for s in sessions] == [
                (site, STATION, transactions[site], CHARGERS[site]["energy"])], (site, sessions)
            assert [s["transactionId"] for s in cloud.sessions(site=site, station=STATION)] == [transactions[site]]
            # A station named with its site, as grants and groups name it.
            assert [s["site"] for s in cloud.sessions(station=f"{site}/{STATION}")] == [site]
            events = cloud.get(f"/api/v1/events?site={site}&station={STATION}&limit=1000")["items"]
            assert events and {(e["site"], e["station"]) for e in events} == {(site, STATION)}, events
            assert "boot" in {e["kind"] for e in events}
        # Without a site: both sessions, each with its own energy.
        both = cloud.sessions(station=STATION)
        assert sorted((s["site"], s["energyWh"]) for s in both) == [
            (A, CHARGERS[A]["energy"]), (B, CHARGERS[B]["energy"])], both
        # The old station-only routes cannot tell which one is meant: 409, naming both sites.
        for path in (f"/api/v1/stations/{STATION}", f"/api/v1/stations/{STATION}/connectors"):
            status, body = cloud.api("GET", path)
            assert status == 409 and body["status"] == 409, (path, status, body)
            assert A in body["detail"] and B in body["detail"], body

    async def scenario():
        async with chargers_at_both(edges) as chargers:
            transactions = {site: await charge(cp, CHARGERS[site]["energy"]) for site, cp in chargers.items()}
            await asyncio.to_thread(wait_for_both_in_the_cloud, cloud, transactions)
            await asyncio.to_thread(check_the_two_stations, transactions)

            # A command to site-b's CP001 reaches that charger only (site-a's would answer otherwise).
            chargers[A].answers["TriggerMessage"] = {"status": "NotImplemented"}
            status, body = await asyncio.to_thread(
                cloud.api, "POST", station_path(B, rest="/commands/TriggerMessage"), TRIGGER)
            assert status == 200, body
            assert body["outcome"] == "accepted" and body["response"] == {"status": "Accepted"}, body
            assert chargers[B].calls_of("TriggerMessage") == [TRIGGER]
            assert chargers[A].calls_of("TriggerMessage") == []

            # The old command route refuses the ambiguous id before anything is sent.
            status, body = await asyncio.to_thread(
                cloud.api, "POST", f"/api/v1/stations/{STATION}/commands/TriggerMessage", TRIGGER)
            assert status == 409 and A in body["detail"] and B in body["detail"], body
            await asyncio.sleep(0.5)
            assert len(chargers[B].calls_of("TriggerMessage")) == 1
            assert chargers[A].calls_of("TriggerMessage") == []

    arun(scenario(), timeout=60)

    def command_events(site: str) -> list[dict]:
        return cloud.get(f"/api/v1/events?site={site}&kind=command&limit=1000")["items"]

    poll(lambda: command_events(B), timeout=10, what="the command in site-b's history")
    assert [(e["station"], e["code"]) for e in command_events(B)] == [(STATION, "TriggerMessage")]
    assert command_events(A) == []


def organization_user_token(cloud, organization: str, stations: list[str], user: str, role: str) -> str:
    """A client organization granted `stations` (each `site/station`), a user of it with `role`, and an API token
    that acts for that user."""
    status, body = cloud.api("PUT", f"/api/v1/organizations/{organization}",
                             {"name": organization.title(), "stations": stations})
    assert status == 200, body
    assert body["stations"] == stations and body["sites"] == [], body
    status, body = cloud.api("POST", "/api/v1/users",
                             {"id": user, "role": role, "organization": organization, "password": PASSWORD})
    assert status == 201 and body["organization"] == organization, body
    return cloud.cli("token", "create", "--name", f"{user}-api", "--user", user).strip()


def test_an_organization_granted_one_sites_station_sees_only_that_one(make_edge, make_cloud, broker):
    cloud, _, transactions = two_sites_that_charged(make_edge, make_cloud, broker)
    granted = f"{B}/{STATION}"
    token = organization_user_token(cloud, "fleet-b", [granted], "bea", "viewer")
    listed = {o["id"]: o for o in cloud.get("/api/v1/organizations")["items"]}
    assert listed["fleet-b"]["stations"] == [granted], listed

    # Listed: site-b's CP001 only, with or without a site.
    stations = cloud.get("/api/v1/stations", token=token)["items"]
    assert [(s["site"], s["id"]) for s in stations] == [(B, STATION)], stations
    stations = cloud.get(f"/api/v1/stations?site={B}", token=token)["items"]
    assert [(s["site"], s["id"]) for s in stations] == [(B, STATION)], stations

    # Read by (site, station): site-b's is there, site-a's is not (404, so its existence is not confirmed).
    assert_station_is_its_sites(cloud, B, token=token)
    assert connector_statuses(cloud, B, token=token) == [(1, "Available")]
    for path in (station_path(A), station_path(A, rest="/connectors")):
        status, body = cloud.api("GET", path, token=token)
        assert status == 404, (path, status, body)

    # The old route resolves the id among what this caller sees: one station, site-b's.
    station = cloud.get(f"/api/v1/stations/{STATION}", token=token)
    assert (station["site"], station["vendor"]) == (B, CHARGERS[B]["vendor"]), station
    connectors = cloud.get(f"/api/v1/stations/{STATION}/connectors", token=token)["items"]
    assert [c["connector"] for c in connectors] == [1], connectors

    # Sessions and events: site-b's CP001 rows only.
    sessions = cloud.get("/api/v1/sessions?limit=500", token=token)["items"]
    assert [(s["site"], s["station"], s["transactionId"], s["energyWh"]) for s in sessions] == [
        (B, STATION, transactions[B], CHARGERS[B]["energy"])], sessions
    status, body = cloud.api("GET", f"/api/v1/sessions?site={A}", token=token)
    assert status == 404 or body["items"] == [], (status, body)
    for path in (f"/api/v1/events?station={STATION}&limit=1000", "/api/v1/events?limit=1000"):
        events = cloud.get(path, token=token)["items"]
        assert events, path
        assert {(e["site"], e["station"]) for e in events} == {(B, STATION)}, (path, events)

    # A viewer reads; it may not command even the station it sees.
    status, body = cloud.api("POST", station_path(B, rest="/commands/TriggerMessage"), TRIGGER, token=token)
    assert status == 403, body


def envelope(site: str, seq: int, kind: str, data: dict) -> dict:
    return {"v": 1, "site": site, "seq": seq, "ts": now_iso(), "type": kind, "data": data}


def boot(vendor: str, model: str) -> dict:
    return {"station": STATION, "vendor": vendor, "model": model, "approval": "accepted", "time": now_iso()}


def test_a_site_that_speaks_about_another_sites_station_changes_nothing_there(make_edge, make_cloud, broker):
    cloud, _, _ = two_sites_that_charged(make_edge, make_cloud, broker)
    impostor = Peer(broker, "impostor-at-site-a")
    topic = f"gridside/v1/{A}/up/"

    def rejected(reason: str) -> float:
        return metric_sum(cloud.metrics(), "ingest_rejected_total", reason=reason)

    def station_ids() -> list[tuple[str, str]]:
        return sorted((s["site"], s["id"]) for s in cloud.get("/api/v1/stations")["items"])

    # On site-a's topic, an envelope that says it is site-b's: refused as a mismatch, site-b's CP001 as it was.
    mismatches = rejected("mismatch")
    impostor.publish(topic + "station.boot", envelope(B, HIGH_SEQ + 1, "station.boot", boot("Evil", "X-1")))
    poll(lambda: rejected("mismatch") == mismatches + 1, timeout=15, what="the mismatch counted")
    assert_station_is_its_sites(cloud, B)

    # Site-a speaking as itself about CP001: its own CP001 changes, site-b's does not move or change.
    impostor.publish(topic + "station.boot", envelope(A, HIGH_SEQ + 2, "station.boot", boot("Evil", "X-1")))
    poll(lambda: cloud.get(station_path(A))["vendor"] == "Evil", timeout=15, what="site-a's CP001 booted again")
    evil = cloud.get(station_path(A))
    assert (evil["site"], evil["model"]) == (A, "X-1"), evil
    assert_station_is_its_sites(cloud, B)
    assert station_ids() == [(A, STATION), (B, STATION)]
    b_history = cloud.get(f"/api/v1/events?site={B}&limit=1000")["items"]
    assert "Evil" not in json.dumps(b_history), b_history

    # A station id with a '/' (that reads as another site's station) is refused; no such station appears.
    refused = rejected("station")
    impostor.publish(topic + "connector.status", envelope(A, HIGH_SEQ + 3, "connector.status", {
        "station": f"{B}/{STATION}", "connector": 1, "status": "Faulted", "errorCode": "GroundFailure",
        "time": now_iso()}))
    poll(lambda: rejected("station") == refused + 1, timeout=15, what="the station id refused")
    assert station_ids() == [(A, STATION), (B, STATION)]
    for site in (A, B):
        assert connector_statuses(cloud, site) == [(1, "Available")], site
    everything = cloud.get("/api/v1/events?limit=1000")["items"]
    assert not [e for e in everything if "/" in (e.get("station") or "")], everything
    impostor.close()


def test_two_organizations_may_register_the_same_tag_and_neither_learns_of_the_other(make_edge, make_cloud, broker):
    """Security review, finding 36: a 409 on a tag another organization registered told a client that the tag was in
    use there. Tags are unique per owner now: each organization registers its own, sees its own."""
    cloud, _, _ = two_sites_that_charged(make_edge, make_cloud, broker)
    tokens = {org: organization_user_token(cloud, org, [f"{site}/{STATION}"], f"{org}-ops", "operator")
              for org, site in (("fleet-a", A), ("fleet-b", B))}
    ids = {}
    for org, token in tokens.items():
        status, body = cloud.api("POST", "/api/v1/vehicles", {"name": f"Van of {org}", "tokens": ["SHARED-TAG"]},
                                 token=token)
        assert status == 201 and body["organization"] == org, body
        ids[org] = body["id"]
    for org, token in tokens.items():
        listed = cloud.get("/api/v1/vehicles", token=token)["items"]
        assert [(v["id"], v["tokens"]) for v in listed] == [(ids[org], ["SHARED-TAG"])], listed
        # Within one organization the tag is still taken, and the vehicle named is its own.
        status, body = cloud.api("POST", "/api/v1/vehicles", {"name": "Second", "tokens": ["SHARED-TAG"]}, token=token)
        assert status == 409 and f"Van of {org}" not in body["detail"] and ids[org] in body["detail"], body
    other = ids["fleet-b"]
    status, _ = cloud.api("DELETE", f"/api/v1/vehicles/{other}", token=tokens["fleet-a"])
    assert status == 404
    assert len(cloud.get("/api/v1/vehicles")["items"]) == 2
