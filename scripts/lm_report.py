"""Prints the load-management benchmark's figures from the edge's /status JSON on standard input."""
import json
import sys

seconds = float(sys.argv[1])
status = json.load(sys.stdin)
load, meter = status["loadManagement"], status["meters"][0]
reaction = load.get("reactionMs") or {}
print(
    f"limits lowered after a meter reading: {reaction.get('count', 0)}; "
    f"meter reading -> SetChargingProfile accepted, ms: p50 {reaction.get('p50')}  p99 {reaction.get('p99')}  "
    f"max {reaction.get('max')}"
)
print(
    f"meter polling (poll_interval_ms 50): {meter['reads']} readings in {seconds:.0f} s = {meter['reads'] / seconds:.1f}/s "
    f"(3 Modbus requests each), {meter['failures']} failures"
)
