#!/usr/bin/env bash
# The edge benchmark: a release-built edge on loopback, driven by gridside-bench on the same machine.
#   1. closed loop: STATIONS stations send MeterValues as fast as they are answered (sustained throughput),
#      with seven sampled values per message;
#   2. the same with the energy register only (OCPP 1.6's default MeterValuesSampledData);
#   3. open loop: the same stations offer RATE round trips/s, latency measured from each scheduled send.
# Prints the edge's peak resident memory (VmHWM) after each phase. Both processes share this machine's cores.
set -euo pipefail
cd "$(dirname "$0")/.."
STATIONS=${STATIONS:-1000}
DURATION=${DURATION:-20}
RATE=${RATE:-2000}
bin=.build/release
work=$(mktemp -d)
trap 'kill -TERM $edge 2>/dev/null || true; wait $edge 2>/dev/null || true; rm -rf "$work"' EXIT
edge=""

run_edge() {
    rm -f "$work"/edge.sqlite*
    cat >"$work/edge.yaml" <<YAML
site:
  id: bench
ocpp:
  listen: 127.0.0.1:0
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

phase "phase 1: $STATIONS stations, closed loop, ${DURATION} s, MeterValues with 7 sampled values"
phase "phase 2: $STATIONS stations, closed loop, ${DURATION} s, MeterValues with the energy register only" --sampled-values 1
phase "phase 3: $STATIONS stations, open loop at $RATE round trips/s, ${DURATION} s" --rate "$RATE"

echo "== load management: one allocation for 1,000 connectors (pure function, no I/O)"
"$bin/gridside-bench" allocate --connectors 1000
