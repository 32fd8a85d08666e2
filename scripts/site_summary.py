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
print(
    f"{status['connectedStations']} chargers connected | connectors: {count('in_use')} in use, "
    f"{count('available')} available, {count('inoperative')} inoperative | "
    f"{len(sessions)} sessions charging {power_kw:.1f} kW, {energy_kwh:.1f} kWh so far"
)
