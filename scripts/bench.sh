#!/usr/bin/env bash
# The edge benchmark: a release-built edge on loopback, driven by gridside-bench on the same machine.
#   1. closed loop: STATIONS stations send MeterValues as fast as they are answered (sustained throughput),
#      with seven sampled values per message;
#   2. the same with the energy register only (OCPP 1.6's default MeterValuesSampledData);
#   3. open loop: the same stations offer RATE round trips/s, latency measured from each scheduled send.
# Prints the edge's peak resident memory (VmHWM) after each phase. Both processes share this machine's cores.
# Then load management: reaction time from an overloading meter reading to the lowered limits accepted, and the
# meter polling rate (ONLY=lm runs just that part), and the allocation's cost for 1,000 connectors.
set -euo pipefail
cd "$(dirname "$0")/.."
STATIONS=${STATIONS:-1000}
DURATION=${DURATION:-20}
RATE=${RATE:-2000}
bin=.build/release
work=$(mktemp -d)
trap 'kill -TERM $sim $edge 2>/dev/null || true; wait $edge 2>/dev/null || true; rm -rf "$work"' EXIT
edge=""
sim=""

run_edge() {
    rm -f "$work"/edge.sqlite*
    cat >"$work/edge.yaml" <<YAML
site:
  id: bench
ocpp:
  listen: 127.0.0.1:0
  basic_auth: false          # the benchmark's chargers have no passwords
  unknown_stations: accept
  connections_per_address: 10000   # every simulated station comes from 127.0.0.1
http:
  listen: 127.0.0.1:0
store:
  path: $work/edge.sqlite
authorization:
  unknown_tokens: accept
log:
  level: notice
YAML
    "$bin/gridside-edge" run --config "$work/edge.yaml" 2>"$work/edge.log" &
    edge=$!
    for _ in $(seq 1 100); do
        grep -q "edge ready" "$work/edge.log" && break
        sleep 0.1
    done
    ocpp=$(grep -o 'ocpp_port=[0-9]*' "$work/edge.log" | head -1 | cut -d= -f2)
}

peak_rss() { awk '/VmHWM/ {printf "%.1f MB", $2/1024}' "/proc/$edge/status"; }

echo "== $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo); Swift release build"
phase() {
    local title=$1
    shift
    echo "== $title"
    run_edge
    "$bin/gridside-bench" --url "ws://127.0.0.1:$ocpp/ocpp" --stations "$STATIONS" --duration "$DURATION" "$@"
    echo "edge peak RSS:        $(peak_rss)"
    kill -TERM $edge
    wait $edge || true
}

if [ "${ONLY:-}" != "lm" ]; then
    phase "phase 1: $STATIONS stations, closed loop, ${DURATION} s, MeterValues with 7 sampled values"
    phase "phase 2: $STATIONS stations, closed loop, ${DURATION} s, MeterValues with the energy register only" --sampled-values 1
    phase "phase 3: $STATIONS stations, open loop at $RATE round trips/s, ${DURATION} s" --rate "$RATE"
fi

echo "== load management, end to end: 20 simulated chargers x 2 connectors and a simulated SDM630 whose building"
echo "   load steps between 10 A and 50 A per phase every 5 s (each step up is an overload to cut), ${LM_SECONDS:-60} s"
lm_seconds=${LM_SECONDS:-60}
meter_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
rm -f "$work"/lm.sqlite*
cat >"$work/lm.yaml" <<YAML
site: {id: bench-lm}
ocpp: {listen: "127.0.0.1:0", basic_auth: false, unknown_stations: accept}
http: {listen: "127.0.0.1:0"}
store: {path: "$work/lm.sqlite"}
authorization: {unknown_tokens: accept}
log: {level: notice}
grid: {phases: 3, limit_a: 400, margin_a: 5}
meters:
  - {name: grid, role: grid, url: "tcp://127.0.0.1:$meter_port", profile: sdm630, poll_interval_ms: 50}
load_management: {mode: dynamic, interval_ms: 1000}
YAML
"$bin/gridside-edge" run --config "$work/lm.yaml" 2>"$work/lm-edge.log" &
edge=$!
for _ in $(seq 1 100); do grep -q "edge ready" "$work/lm-edge.log" && break; sleep 0.1; done
lm_ocpp=$(grep -o 'ocpp_port=[0-9]*' "$work/lm-edge.log" | head -1 | cut -d= -f2)
lm_http=$(grep -o 'http_port=[0-9]*' "$work/lm-edge.log" | head -1 | cut -d= -f2)
steps=()
for t in $(seq 0 10 "$lm_seconds"); do steps+=("$t=10" "$((t + 5))=50"); done
"$bin/gridside-sim" --url "ws://127.0.0.1:$lm_ocpp/ocpp" --stations 20 --connectors 2 --speed 10 --meter-interval 5 \
    --meter-port "$meter_port" --building-steps "${steps[@]}" --log-level error 2>"$work/lm-sim.log" &
sim=$!
sleep "$lm_seconds"
curl -s "http://127.0.0.1:$lm_http/status" | python3 scripts/lm_report.py "$lm_seconds"
kill -TERM $sim 2>/dev/null || true
wait $sim 2>/dev/null || true
kill -TERM $edge
wait $edge || true

echo "== load management: one allocation for 1,000 connectors (pure function, no I/O)"
"$bin/gridside-bench" allocate --connectors 1000
