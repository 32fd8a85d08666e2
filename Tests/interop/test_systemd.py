"""The edge under systemd (security review, finding 22): it says when it is ready and feeds the watchdog (sd_notify,
here received on a datagram socket of the test's), and the unit files carry the limits and restarts a box that runs
a fuse needs."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

from support import REPO_ROOT, edge_binary


def test_the_edge_says_ready_and_feeds_the_watchdog_through_notify_socket(make_edge, tmp_path, monkeypatch):
    path = str(tmp_path / "notify.sock")
    receiver = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    receiver.bind(path)
    receiver.settimeout(0.2)
    monkeypatch.setenv("NOTIFY_SOCKET", path)
    monkeypatch.setenv("WATCHDOG_USEC", "1000000")  # WatchdogSec=1s: fed every 0.5 s
    edge = make_edge()
    messages: list[tuple[float, str]] = []
    end = time.monotonic() + 3
    while time.monotonic() < end:
        try:
            messages.append((time.monotonic(), receiver.recv(256).decode()))
        except socket.timeout:
            pass
    states = [m for _, m in messages]
    assert "READY=1" in states, states
    feeds = [t for t, m in messages if m == "WATCHDOG=1"]
    assert len(feeds) >= 4, states
    assert max(b - a for a, b in zip(feeds, feeds[1:])) < 1.0, "fed at half the watchdog interval"
    edge.stop()
    receiver.settimeout(2)
    last = ""
    while last != "STOPPING=1":  # a feed sent just before the signal may come first
        last = receiver.recv(256).decode()
    receiver.close()


def unit(name: str) -> dict[str, list[str]]:
    values: dict[str, list[str]] = {}
    for line in (REPO_ROOT / "systemd" / name).read_text().splitlines():
        if "=" in line and not line.startswith("#"):
            key, value = line.split("=", 1)
            values.setdefault(key.strip(), []).append(value.strip())
    return values


def test_the_units_restart_always_wait_for_the_clock_and_bound_memory_and_tasks(tmp_path):
    for name in ("gridside-edge.service", "gridside-cloud.service"):
        values = unit(name)
        assert values["Restart"] == ["always"] and values["StartLimitIntervalSec"] == ["0"], name
        assert "time-sync.target" in " ".join(values["After"]) and "time-sync.target" in " ".join(values["Wants"]), name
        for key in ("MemoryMax", "MemoryHigh", "TasksMax"):
            assert key in values, (name, key)
        assert values["ProtectProc"] == ["invisible"] and values["ProcSubset"] == ["pid"], name
        assert values["RemoveIPC"] == ["yes"], name
    edge = unit("gridside-edge.service")
    assert edge["Type"] == ["notify"] and edge["WatchdogSec"] == ["30s"]
    # Each its own user and state directory (security review, finding 22).
    cloud = unit("gridside-cloud.service")
    assert edge["User"] == ["gridside"] and cloud["User"] == ["gridside-cloud"]
    assert edge["StateDirectory"] == ["gridside"] and cloud["StateDirectory"] == ["gridside-cloud"]
    # systemd's own reading of them, with the binaries where the units expect them.
    analyze = shutil.which("systemd-analyze")
    if analyze:
        for name in ("gridside-edge.service", "gridside-cloud.service"):
            text = (REPO_ROOT / "systemd" / name).read_text().replace(
                "/usr/local/bin/gridside-edge", str(edge_binary())).replace(
                "/usr/local/bin/gridside-cloud", str(edge_binary().parent / "gridside-cloud"))
            (tmp_path / name).write_text(text)
            verified = subprocess.run([analyze, "verify", str(tmp_path / name)], capture_output=True, text=True, timeout=60)
            problems = [line for line in (verified.stdout + verified.stderr).splitlines()
                        if name in line and "mosquitto.service" not in line]
            assert not problems, problems
