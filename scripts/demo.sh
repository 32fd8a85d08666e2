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

for port in 9000 9001 1502; do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
        echo "error: port $port is in use; stop what listens there (an earlier demo?) and run make demo again." >&2
        exit 1
    fi
done

# The simulated site (chargers and the building meter) comes first, so `check` finds the meter answering.
"$bin/gridside-sim" --url ws://127.0.0.1:9000/ocpp --stations 6 --connectors 2 --meter-interval 5 --speed 60 \
    --id-tags 04A1B2C3D4 FLEET-0001 FLEET-0002 BLOCKED01 \
    --wiring 3:L1L2L3 1:L1 3:L2L3L1 1:L2 3:L3L1L2 1:L3 \
    --meter-port 1502 --building-load 15 --building-swing 40 --building-period 90 >"$sim_log" 2>&1 &
sim=$!
for _ in $(seq 1 100); do
    grep -q "building meter ready" "$sim_log" 2>/dev/null && break
    sleep 0.1
done
"$bin/gridside-edge" check --config config/demo.yaml
"$bin/gridside-edge" run --config config/demo.yaml >"$edge_log" 2>&1 &
edge=$!
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
