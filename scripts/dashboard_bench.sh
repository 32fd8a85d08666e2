#!/usr/bin/env bash
# The dashboard's benchmark: a release gridside-cloud over a store of SITES sites with STATIONS_PER_SITE stations
# each (defaults 500 and 20: 10,000 stations, 20,000 connectors), a local mosquitto, then scripts/dashboard_latency.py:
# page server times signed in as a browser, and a connector change from the MQTT publish to an open headless Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=.build/release
sites=${SITES:-500}
per_site=${STATIONS_PER_SITE:-20}
work=$(mktemp -d /tmp/gridside-dashboard-bench.XXXXXX)
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

free_port() { .venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
broker_port=$(free_port)
printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence false\n' "$broker_port" >"$work/mosquitto.conf"
"$(command -v mosquitto || echo /usr/sbin/mosquitto)" -c "$work/mosquitto.conf" >"$work/mosquitto.log" 2>&1 &
pids+=($!)

echo "== dashboard: $sites sites x $per_site stations (two connectors each)"
"$bin/gridside-cloud-bench" populate --store "$work/cloud.sqlite" --sites "$sites" --stations-per-site "$per_site" \
    --user-password bench-password | grep -v '^token'
cat >"$work/cloud.yaml" <<CONF
http: {listen: "127.0.0.1:0"}
store: {url: "sqlite://$work/cloud.sqlite"}
mqtt: {broker: "mqtt://127.0.0.1:$broker_port", client_id: "bench-cloud"}
log: {level: notice}
CONF
"$bin/gridside-cloud" serve --config "$work/cloud.yaml" >"$work/cloud.log" 2>&1 &
pids+=($!)
port=""
for _ in $(seq 1 200); do
    port=$(grep -o 'https_port=[0-9]*' "$work/cloud.log" | head -1 | cut -d= -f2 || true)
    [ -n "$port" ] && break
    sleep 0.1
done
[ -n "$port" ] || { cat "$work/cloud.log"; exit 1; }
.venv/bin/python scripts/dashboard_latency.py "$port" bench bench-password "$sites" "$per_site" "$broker_port" \
    "${REQUESTS:-300}"
