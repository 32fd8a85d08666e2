#!/usr/bin/env bash
# Runs a simulated site of six chargers, its edge, a local mosquitto and the cloud, and shows what happens.
# Runs until Ctrl-C in a terminal; elsewhere for DEMO_SECONDS (default 90: a charger faults after a minute).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=.build/debug
# Every demo starts from a fresh site: simulated chargers forget their sessions when they are stopped.
rm -rf demo-data && mkdir -p demo-data
edge_log=demo-data/edge.log
sim_log=demo-data/sim.log
cloud_log=demo-data/cloud.log
broker_log=demo-data/mosquitto.log

for port in 9000 9001 1502 11883 11025 8443 9100; do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
        echo "error: port $port is in use; stop what listens there (an earlier demo?) and run make demo again." >&2
        exit 1
    fi
done

# The broker and the cloud first: the edge's outbox would keep everything until they come, but the demo is short.
# The broker's accounts are its dynamic-security plugin's, the cloud's account its administrator: the cloud makes
# each site's account itself when the site is made.
mosquitto_bin=$(command -v mosquitto || echo /usr/sbin/mosquitto)
head -c 18 /dev/urandom | base64 | tr -d '/+=' >demo-data/cloud-mqtt-password
mosquitto_ctrl dynsec init demo-data/dynamic-security.json gridside-cloud "$(cat demo-data/cloud-mqtt-password)" >/dev/null
plugin=""
for candidate in /usr/lib/*/mosquitto_dynamic_security.so /usr/lib/mosquitto_dynamic_security.so; do
    [ -e "$candidate" ] && plugin=$candidate && break
done
[ -n "$plugin" ] || { echo "error: mosquitto's dynamic-security plugin is missing (Debian's mosquitto package has it)" >&2; exit 1; }
cat >demo-data/mosquitto.conf <<CONF
listener 11883 127.0.0.1
allow_anonymous false
plugin $plugin
plugin_opt_config_file $PWD/demo-data/dynamic-security.json
persistence false
$([ "$(id -u)" = 0 ] && echo "user root")
CONF
"$mosquitto_bin" -c demo-data/mosquitto.conf >"$broker_log" 2>&1 &
broker=$!
# A test mail server on this machine: the notifications' mails land in demo-data/mail/new, one file each.
.venv/bin/python -m aiosmtpd -n -l 127.0.0.1:11025 -c aiosmtpd.handlers.Mailbox demo-data/mail >demo-data/mail.log 2>&1 &
mail=$!
token=$("$bin/gridside-cloud" token create --name demo --role admin --expires-in-days 30 --config config/demo-cloud.yaml)
# Dashboard users: an administrator, and a partner whose organization is granted the demo site.
echo "gridside-demo" | "$bin/gridside-cloud" user add admin --role admin --name "Demo administrator" --password-stdin \
    --email admin@gridside.demo --config config/demo-cloud.yaml >/dev/null
"$bin/gridside-cloud" organization add acme --name "ACME Logistics" --config config/demo-cloud.yaml >/dev/null
echo "acme-partner" | "$bin/gridside-cloud" user add acme --role partner --organization acme --name "ACME fleet desk" \
    --language de --email desk@acme.demo --password-stdin --config config/demo-cloud.yaml >/dev/null
"$bin/gridside-cloud" serve --config config/demo-cloud.yaml >"$cloud_log" 2>&1 &
cloud=$!
for _ in $(seq 1 100); do
    grep -q "cloud ready" "$cloud_log" 2>/dev/null && break
    kill -0 "$cloud" 2>/dev/null || { cat "$cloud_log"; exit 1; }
    sleep 0.1
done

# The demo depot's prices: a tariff in the OCPI 2.2.1 model, cheaper at night on Berlin's wall clock, a start fee,
# parking charged after 30 minutes idle; and ACME's van, whose card FLEET-0001 puts its sessions on ACME's statement.
api() { curl -sfk -H "Authorization: Bearer $token" -H 'Content-Type: application/json' "$@" >/dev/null; }
# The demo's site, made as an operator makes one (the home page's "Add a site", here its API): the cloud makes the
# site's broker account and answers the edge's `cloud:` section, which the edge runs with.
curl -sfk -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
    -d '{"id":"demo-site","name":"Gridside demo depot","timeZone":"Europe/Berlin","address":"1 Depot Street, Berlin"}' \
    https://127.0.0.1:8443/api/v1/sites >demo-data/site.json
.venv/bin/python -c '
import json, sys
section = json.load(open("demo-data/site.json"))["edgeConfiguration"]
cloud = section[section.index("cloud:"):].rstrip("\n")
open("demo-data/edge.yaml", "w").write(open("config/demo.yaml").read() + cloud + "\n  ack_timeout_s: 10\n")'
api -X PUT -d '{"name":"ACME Logistics","sites":["demo-site"]}' https://127.0.0.1:8443/api/v1/organizations/acme
api -X PUT -d @config/demo-tariff.json https://127.0.0.1:8443/api/v1/tariffs/depot
api -X POST -d '{"site":"demo-site"}' https://127.0.0.1:8443/api/v1/tariffs/depot/assignments
api -X POST -d '{"name":"Van 7","plate":"B-GS 7","organization":"acme","tokens":["FLEET-0001"]}' \
    https://127.0.0.1:8443/api/v1/vehicles
# Roaming: the site as an OCPI Location needs its postal address and coordinates. A roaming partner, an eMSP
# (extrawest-ocpi, an independent implementation, scripts/ocpi_emsp.py), runs on 127.0.0.1:9100; the cloud registers
# with the token A it gave, publishes the depot to it and pushes what changes. Its driver ROAM-0001 (one of the
# simulated drivers below) reaches the cloud as the eMSP sends tokens, with the token the cloud gave it.
api -X PUT -d '{"city":"Berlin","postalCode":"10115","country":"DEU","latitude":52.5321,"longitude":13.3849}' \
    https://127.0.0.1:8443/api/v1/sites/demo-site
SSL_CERT_FILE=demo-data/cloud-selfsigned.crt.pem .venv-ocpi/bin/python scripts/ocpi_emsp.py --port 9100 \
    --token-a demo-emsp-token-a --record demo-data/emsp.jsonl >demo-data/emsp.log 2>&1 &
emsp=$!
for _ in $(seq 1 100); do
    (exec 3<>/dev/tcp/127.0.0.1/9100) 2>/dev/null && break
    sleep 0.1
done
api -X POST -d '{"name":"Demo eMSP (extrawest-ocpi)","versionsUrl":"http://127.0.0.1:9100/ocpi/versions",
  "token":"demo-emsp-token-a","sites":["demo-site"]}' https://127.0.0.1:8443/api/v1/ocpi/partners
.venv/bin/python - <<'TOKEN'
import base64, json, ssl, urllib.request
registered = next(json.loads(line) for line in open("demo-data/emsp.jsonl") if '"registered"' in line)
token_b = registered["data"]["credentials"]["token"]
driver = {"country_code": "NL", "party_id": "EXT", "uid": "ROAM-0001", "type": "RFID", "contract_id": "NL-EXT-C00000001-Z",
          "issuer": "Demo eMSP", "valid": True, "whitelist": "ALLOWED", "last_updated": "2026-12-01T00:00:00Z"}
request = urllib.request.Request(
    "https://127.0.0.1:8443/ocpi/2.2.1/tokens/NL/EXT/ROAM-0001", data=json.dumps(driver).encode(), method="PUT",
    headers={"Content-Type": "application/json", "Authorization": "Token " + base64.b64encode(token_b.encode()).decode()})
urllib.request.urlopen(request, context=ssl.create_default_context(cafile="demo-data/cloud-selfsigned.crt.pem")).read()
TOKEN
# Who hears of trouble: faults at once, a station or the site offline once it has lasted two minutes, by mail to
# the depot's desk and to two users, each in their own language (admin in English, ACME's desk in German, of what
# its organization is granted), and on every open dashboard page of theirs.
api -X PUT -d '{"name":"Trouble at the depot","events":["station_faulted","station_offline","site_offline"],
  "afterMinutes":2,"emails":["depot-desk@gridside.demo"],"users":["admin","acme"]}' \
    https://127.0.0.1:8443/api/v1/notification-rules/depot-trouble

# The simulated site (chargers and the building meter) comes first, so `check` finds the meter answering.
# The chargers trust the cloud's self-signed certificate, to download firmware from it in a campaign.
"$bin/gridside-sim" --url ws://127.0.0.1:9000/ocpp --stations 6 --connectors 2 --meter-interval 5 --speed 60 \
    --trust demo-data/cloud-selfsigned.crt.pem \
    --id-tags 04A1B2C3D4 FLEET-0001 FLEET-0002 BLOCKED01 ROAM-0001 \
    --wiring 3:L1L2L3 1:L1 3:L2L3L1 1:L2 3:L3L1L2 1:L3 \
    --meter-port 1502 --building-load 15 --building-swing 40 --building-period 90 --fault-after 60 >"$sim_log" 2>&1 &
sim=$!
for _ in $(seq 1 100); do
    grep -q "building meter ready" "$sim_log" 2>/dev/null && break
    sleep 0.1
done
"$bin/gridside-edge" check --config demo-data/edge.yaml
"$bin/gridside-edge" run --config demo-data/edge.yaml >"$edge_log" 2>&1 &
edge=$!
stop() {
    [ -n "$sim" ] && kill "$sim" 2>/dev/null || true
    kill -TERM "$edge" 2>/dev/null && wait "$edge" 2>/dev/null || true
    kill -TERM "$cloud" 2>/dev/null && wait "$cloud" 2>/dev/null || true
    kill -TERM "$broker" 2>/dev/null && wait "$broker" 2>/dev/null || true
    kill -TERM "$mail" 2>/dev/null && wait "$mail" 2>/dev/null || true
    kill -TERM "$emsp" 2>/dev/null && wait "$emsp" 2>/dev/null || true
    echo
    echo "Demo stopped. demo-data/edge.sqlite and demo-data/cloud.sqlite keep the sessions."
}
trap stop EXIT

for _ in $(seq 1 100); do
    grep -q "edge ready" "$edge_log" 2>/dev/null && break
    kill -0 "$edge" 2>/dev/null || { cat "$edge_log"; exit 1; }
    sleep 0.1
done

cat <<INFO

Gridside edge demo: six simulated chargers (SIM-001 … SIM-006, two connectors each) are connecting over OCPP 1.6J,
three-phase ones rotated and single-phase ones spread over the phases. Charging runs 60x faster than real time;
one driver's card (BLOCKED01) is refused.
Dynamic load management: the site's fuse is 80 A per phase, the building meter (a simulated SDM630 on Modbus TCP
port 1502) sees the building's own load swing from 15 A to 55 A per phase every 90 s. Watch the cars slow down
as the building load rises and speed up as it falls, with every phase kept under the fuse.

Where to look:
  curl -s http://127.0.0.1:9001/status              the site at a glance: stations, connectors, active sessions,
                                                    the meter, and load management: each car's limit and why
  curl -s http://127.0.0.1:9001/sessions            sessions with energy, power, state of charge
  curl -s http://127.0.0.1:9001/stations/SIM-001    one charger: boot data, connectors, errors
  curl -s http://127.0.0.1:9001/metrics             Prometheus metrics
  curl -s -X POST -H 'Content-Type: application/json' -H "Authorization: Bearer \$(cat demo-data/http.token)" \
       http://127.0.0.1:9001/stations/SIM-001/commands/GetConfiguration -d '{}'
                                                    any OCPP 1.6 command, answered by the charger (changes carry
                                                    the token the edge wrote to demo-data/http.token)
  $edge_log, $sim_log                  the logs of the edge and the chargers

The dashboard: https://127.0.0.1:8443/ in a browser (a self-signed certificate: accept it once).
  Sign in as admin / gridside-demo (everything), or acme / acme-partner (a partner: only ACME's granted sites).
  The site was made as an administrator makes one ("Add a site" on the home page): the cloud made its account on
  the broker (mosquitto's dynamic-security plugin) and the edge runs with the cloud: section it answered
  (demo-data/edge.yaml). "Stations" lists every charger; the site page charts what load management decides.

Prices and reports: the depot's tariff (config/demo-tariff.json, OCPI 2.2.1) at https://127.0.0.1:8443/tariffs
(edit it and preview it on an example session); each running session's cost so far on its station's page; the
reports with a chart and CSV downloads at https://127.0.0.1:8443/reports; monthly statements at /statements (the
cloud makes last month's by itself; this month's now: $bin/gridside-cloud statement make --month \$(date +%Y-%m)
--config config/demo-cloud.yaml). Pricing a session of your own (the OCPI spec's Monday example, 9.00 / 10.30 EUR):
  curl -sk -H "Authorization: Bearer $token" -H 'Content-Type: application/json' -X POST \
       -d @config/demo-price-request.json https://127.0.0.1:8443/api/v1/tariffs/price

Notifications: a minute in, SIM-001's connector 1 reports Faulted (GroundFailure, vendor code SIM-E42) for two
minutes. Any open dashboard page shows it at once (signed in as admin or acme; all of them at /notifications),
and the rule "depot-trouble" mails it to depot-desk@gridside.demo, to admin (English) and to ACME's desk (German),
each with an unsubscribe link: a local test mail server keeps each mail as a file in demo-data/mail/new. Rules:
https://127.0.0.1:8443/notification-rules (or the API's /api/v1/notification-rules). The event history in words,
filtered, paged and as CSV: https://127.0.0.1:8443/events

Roaming (OCPI 2.2.1): an eMSP on 127.0.0.1:9100 (extrawest-ocpi, scripts/ocpi_emsp.py) is registered with the cloud
and given the depot: it has received the Location with its EVSEs, the tariff, and receives each status change, the
sessions of its driver ROAM-0001 as they run and a CDR with the cost of each one that ends, every object checked by
its own models. What it took, a JSON line each: demo-data/emsp.jsonl (grep '"cdrs"' demo-data/emsp.jsonl). The
partner, its endpoints and every call exchanged: https://127.0.0.1:8443/roaming

The cloud: the edge syncs every session, status change and meter reading over MQTT (a local mosquitto on
port 11883) to gridside-cloud, whose HTTPS REST API is at https://127.0.0.1:8443/api/v1/ (self-signed
certificate: curl -k, or --cacert demo-data/cloud-selfsigned.crt.pem). API token: $token
  curl -sk -H "Authorization: Bearer $token" https://127.0.0.1:8443/api/v1/sites
  curl -sk -H "Authorization: Bearer $token" 'https://127.0.0.1:8443/api/v1/sessions?active=true'
  curl -sk -H "Authorization: Bearer $token" https://127.0.0.1:8443/api/v1/sites/demo-site/stations/SIM-001
  curl -sk -H "Authorization: Bearer $token" -X POST -d '{"type":"Soft"}' \
       https://127.0.0.1:8443/api/v1/sites/demo-site/stations/SIM-002/commands/Reset
  curl -sk https://127.0.0.1:8443/api/v1/openapi.json  the API's OpenAPI 3.1 document
  $cloud_log                          the cloud's log

INFO

summary() {
    curl -s http://127.0.0.1:9001/status | .venv/bin/python scripts/site_summary.py 2>/dev/null || echo "(waiting for the edge)"
}

cloud_summary() {
    curl -sk -H "Authorization: Bearer $token" 'https://127.0.0.1:8443/api/v1/sessions?site=demo-site&limit=500' |
        .venv/bin/python -c '
import json, sys
page = json.load(sys.stdin)["items"]
active = [s for s in page if s["active"]]
energy = sum(s.get("energyWh") or 0 for s in page) / 1000
cost = sum((s.get("price") or {}).get("inclVat", 0) for s in page)
print(f"{len(page)} sessions of demo-site in the API ({len(active)} running), {energy:.1f} kWh, {cost:.2f} EUR so far")' 2>/dev/null ||
        echo "(waiting for the cloud)"
}

took() { grep -c "\"module\": \"$1\"" demo-data/emsp.jsonl 2>/dev/null || true; }

stopped=""

# A call of the eMSP's about its driver's latest running session, with the token the cloud gave it: `stop` (OCPI
# STOP_SESSION) or `limit` (a charging profile of 8 A, honoured by the edge's load manager, never above the site's
# share). The charger's answer comes back to the eMSP's commands module (response_url; both results have its shape).
roam_call() {
    .venv/bin/python - "$1" <<'CALL' 2>&1 || true
import base64, json, ssl, sys, urllib.request
lines = [json.loads(line) for line in open("demo-data/emsp.jsonl")]
token_b = next(line for line in lines if line["event"] == "registered")["data"]["credentials"]["token"]
running = [line["data"]["id"] for line in lines if line["module"] == "sessions" and line["data"]["status"] == "ACTIVE"]
if not running:
    print("the eMSP has no running session yet")
    raise SystemExit
results = f"http://127.0.0.1:9100/ocpi/emsp/2.2.1/commands/demo-{sys.argv[1]}"
if sys.argv[1] == "stop":
    method, path, what = "POST", "commands/STOP_SESSION", f"sent STOP_SESSION for its session {running[-1]}"
    body = {"response_url": results, "session_id": running[-1]}
else:
    method, path = "PUT", f"chargingprofiles/{running[-1]}"
    what = f"limited its session {running[-1]} to 8 A (the edge's /status: limited_by_request)"
    body = {"response_url": results, "charging_profile": {
        "charging_rate_unit": "A", "charging_profile_period": [{"start_period": 0, "limit": 8}]}}
request = urllib.request.Request(
    f"https://127.0.0.1:8443/ocpi/2.2.1/{path}", data=json.dumps(body).encode(), method=method,
    headers={"Content-Type": "application/json", "Authorization": "Token " + base64.b64encode(token_b.encode()).decode()})
context = ssl.create_default_context(cafile="demo-data/cloud-selfsigned.crt.pem")
answer = json.load(urllib.request.urlopen(request, context=context))["data"]["result"]
print(f"the eMSP {what}: {answer}")
CALL
}
limited=""

if [ -t 0 ]; then seconds=${DEMO_SECONDS:-0}; else seconds=${DEMO_SECONDS:-90}; fi
[ "$seconds" -gt 0 ] && echo "Showing the site for $seconds s (DEMO_SECONDS=0 keeps it running until Ctrl-C)." \
    || echo "Running until Ctrl-C."
start=$SECONDS
while [ "$seconds" -eq 0 ] || [ $((SECONDS - start)) -lt "$seconds" ]; do
    sleep 5
    echo "[$(date +%H:%M:%S)] $(summary)"
    echo "           cloud: $(cloud_summary)"
    echo "           notifications mailed: $(ls demo-data/mail/new 2>/dev/null | wc -l) (demo-data/mail/new)"
    echo "           roaming eMSP took: $(took locations) Location updates, $(took sessions) session updates," \
        "$(took cdrs) CDRs, $(took commands) command results (demo-data/emsp.jsonl)"
    # Twenty seconds in, the eMSP limits its driver's session (an OCPI charging profile, through the load manager).
    if [ -z "$limited" ] && [ $((SECONDS - start)) -ge 20 ]; then
        limited=$(roam_call limit); echo "           $limited"
        case "$limited" in "the eMSP limited"*) ;; *) limited="" ;; esac  # no session yet: tried again
    fi
    # Forty seconds in, the eMSP's driver is done: the eMSP stops the session (OCPI STOP_SESSION), and its CDR follows.
    if [ -z "$stopped" ] && [ $((SECONDS - start)) -ge 40 ]; then
        stopped=$(roam_call stop); echo "           $stopped"
        case "$stopped" in "the eMSP sent"*) ;; *) stopped="" ;; esac
    fi
done
finished=$(curl -s 'http://127.0.0.1:9001/sessions?active=false' | .venv/bin/python -c 'import json,sys; print(len(json.load(sys.stdin)))' 2>/dev/null || echo 0)
echo "Sessions completed so far: $finished (see http://127.0.0.1:9001/sessions?active=false while it runs)."
