#!/usr/bin/env bash
# Runs an edge and a simulated site of six chargers against it, and shows what happens.
# Runs until Ctrl-C in a terminal; elsewhere for DEMO_SECONDS (default 60).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=.build/debug
# Every demo starts from a fresh site: simulated chargers forget their sessions when they are stopped.
rm -rf demo-data && mkdir -p demo-data
edge_log=demo-data/edge.log
sim_log=demo-data/sim.log

for port in 9000 9001; do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
        echo "error: port $port is in use; stop what listens there (an earlier demo?) and run make demo again." >&2
        exit 1
    fi
done

"$bin/gridside-edge" check --config config/demo.yaml
"$bin/gridside-edge" run --config config/demo.yaml >"$edge_log" 2>&1 &
edge=$!
sim=""
stop() {
    [ -n "$sim" ] && kill "$sim" 2>/dev/null || true
    kill -TERM "$edge" 2>/dev/null && wait "$edge" 2>/dev/null || true
    echo
    echo "Demo stopped. The edge closed every connection and its store: demo-data/edge.sqlite keeps the sessions."
}
trap stop EXIT

for _ in $(seq 1 100); do
    grep -q "edge ready" "$edge_log" 2>/dev/null && break
    kill -0 "$edge" 2>/dev/null || { cat "$edge_log"; exit 1; }
    sleep 0.1
done
"$bin/gridside-sim" --url ws://127.0.0.1:9000/ocpp --stations 6 --connectors 2 --meter-interval 5 --speed 300 \
    --id-tags 04A1B2C3D4 FLEET-0001 FLEET-0002 BLOCKED01 >"$sim_log" 2>&1 &
sim=$!

cat <<INFO

Gridside edge demo: six simulated chargers (SIM-001 … SIM-006, two connectors each) are connecting over OCPP 1.6J.
Charging runs 300x faster than real time, so sessions finish within a minute; one driver's card (BLOCKED01) is refused.

Where to look:
  curl -s http://127.0.0.1:9001/status              the site at a glance: stations, connectors, active sessions
  curl -s http://127.0.0.1:9001/sessions            sessions with energy, power, state of charge
  curl -s http://127.0.0.1:9001/stations/SIM-001    one charger: boot data, connectors, errors
  curl -s http://127.0.0.1:9001/metrics             Prometheus metrics
  curl -s -X POST http://127.0.0.1:9001/stations/SIM-001/commands/GetConfiguration -d '{}'
                                                    any OCPP 1.6 command, answered by the charger
  $edge_log, $sim_log                  the logs of the edge and the chargers

INFO

summary() {
    curl -s http://127.0.0.1:9001/status | .venv/bin/python scripts/site_summary.py 2>/dev/null || echo "(waiting for the edge)"
}

if [ -t 0 ]; then seconds=${DEMO_SECONDS:-0}; else seconds=${DEMO_SECONDS:-60}; fi
[ "$seconds" -gt 0 ] && echo "Showing the site for $seconds s (DEMO_SECONDS=0 keeps it running until Ctrl-C)." \
    || echo "Running until Ctrl-C."
start=$SECONDS
while [ "$seconds" -eq 0 ] || [ $((SECONDS - start)) -lt "$seconds" ]; do
    sleep 5
    echo "[$(date +%H:%M:%S)] $(summary)"
done
finished=$(curl -s 'http://127.0.0.1:9001/sessions?active=false' | .venv/bin/python -c 'import json,sys; print(len(json.load(sys.stdin)))' 2>/dev/null || echo 0)
echo "Sessions completed so far: $finished (see http://127.0.0.1:9001/sessions?active=false while it runs)."
