#!/usr/bin/env bash
# The cloud's benchmarks (release build, see README "Benchmark"): MQTT ingest from SITES sites through a real
# mosquitto against what mosquitto alone delivers, then the session list API over SESSIONS stored sessions.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=.build/release
sites=${SITES:-100}
messages=${MESSAGES:-200000}
sessions=${SESSIONS:-1000000}
work=$(mktemp -d /tmp/gridside-cloud-bench.XXXXXX)
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

free_port() { .venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
broker_port=$(free_port)
cat >"$work/mosquitto.conf" <<CONF
listener $broker_port 127.0.0.1
allow_anonymous true
persistence false
max_queued_messages 1000000
max_inflight_messages 1000
CONF
"$(command -v mosquitto || echo /usr/sbin/mosquitto)" -c "$work/mosquitto.conf" >"$work/mosquitto.log" 2>&1 &
pids+=($!)

start_cloud() {  # store file, log file
    cat >"$work/cloud.yaml" <<CONF
http: {listen: "127.0.0.1:0"}
store: {url: "sqlite://$1"}
mqtt: {broker: "mqtt://127.0.0.1:$broker_port", client_id: "bench-cloud-$RANDOM"}
log: {level: notice}
ingest: {site_rate: 100000, site_burst: 1000000}
CONF
    "$bin/gridside-cloud" serve --config "$work/cloud.yaml" >"$2" 2>&1 &
    pids+=($!)
    for _ in $(seq 1 200); do
        port=$(grep -o 'https_port=[0-9]*' "$2" | head -1 | cut -d= -f2 || true)
        [ -n "$port" ] && return 0
        sleep 0.1
    done
    cat "$2"; exit 1
}

flapping=${FLAPPING:-0}
echo "== ingest: $sites sites, $messages messages per phase, through mosquitto on loopback"
# With FLAPPING=N: N stations (one a site) change between Faulted and Available every second, and a notification rule
# on faults hears of them; the cloud's phase runs in turns without and with them (ROUNDS each).
"$bin/gridside-cloud-bench" populate --store "$work/ingest.sqlite" --sites "$sites" \
    $([ "$flapping" -gt 0 ] && echo --notification-rule) >/dev/null
start_cloud "$work/ingest.sqlite" "$work/cloud-ingest.log"
# The load generator (100 sites, on other machines in reality) runs at a lower priority, so it does not take the
# cores from the broker and the cloud it measures; the same for both phases.
nice -n 15 "$bin/gridside-cloud-bench" ingest --broker "mqtt://127.0.0.1:$broker_port" --sites "$sites" --messages "$messages" \
    --flapping "$flapping" --rounds "${ROUNDS:-3}"
kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true

[ "$sessions" -gt 0 ] || exit 0
echo "== session list API over $sessions sessions"
populated=$("$bin/gridside-cloud-bench" populate --store "$work/api.sqlite" --sites "$sites" --sessions "$sessions")
echo "$populated"
token=$(awk '/^token/ {print $2}' <<<"$populated")
start_cloud "$work/api.sqlite" "$work/cloud-api.log"
.venv/bin/python scripts/cloud_api_latency.py "$port" "$token" "$sites" "${REQUESTS:-1000}"
