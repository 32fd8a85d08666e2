"""Prints one line about the site from the edge's /status JSON on standard input."""
import json
import sys

status = json.load(sys.stdin)
connectors = [c for station in status["stations"] for c in station["connectors"] if c["connectorId"] > 0]


def count(operation):
    return sum(1 for c in connectors if c["operation"] == operation)


sessions = status["activeSessions"]
power_kw = sum(s.get("powerW") or 0 for s in sessions) / 1000
energy_kwh = sum(s.get("energyWh") or 0 for s in sessions) / 1000
load = status.get("loadManagement")
if load:
    grid = "/".join(f"{c:.0f}" if c is not None else "-" for c in (load.get("gridCurrentA") or []))
    building = "/".join(f"{c:.0f}" for c in load["buildingLoadA"])
    cars = [c for c in load["connectors"] if c["reason"] not in ("idle",)]
    charging = [c for c in cars if c["allocatedA"] > 0]
    paused = [c for c in cars if c["reason"] == "paused"]
    mean = sum(c["allocatedA"] for c in charging) / len(charging) if charging else 0
    state = "FAILSAFE" if load["failsafe"] else "ok"
    print(
        f"grid L1/L2/L3 {grid} A (fuse 80) | building {building} A | {len(charging)} cars at {mean:.1f} A on average, "
        f"{len(paused)} paused | load management {state}"
    )
print(
    f"{status['connectedStations']} chargers connected | connectors: {count('in_use')} in use, "
    f"{count('available')} available, {count('inoperative')} inoperative | "
    f"{len(sessions)} sessions charging {power_kw:.1f} kW, {energy_kwh:.1f} kWh so far"
)
