"""The edge's meter reader (libmodbus) against an independent Modbus peer: pymodbus serving the register maps of
an Eastron SDM630 and a Carlo Gavazzi EM24 (and a SunSpec meter), over TCP and over RTU on a socat pseudo-terminal
pair; and meters that stop answering or answer garbage. `gridside-edge check` reads each configured meter once
and prints what it read, so these go through the real binary."""

from __future__ import annotations

import json
import re
import subprocess

import pytest

from meters import (
    READING,
    MisbehavingMeter,
    PymodbusMeter,
    em24_input_registers,
    pty_pair,
    sdm630_input_registers,
    sunspec_holding_registers,
)
from support import edge_binary


def check(tmp_path, meter: dict) -> subprocess.CompletedProcess:
    config = {
        "site": {"id": "meter-test"},
        "store": {"path": str(tmp_path / "edge.sqlite")},
        "grid": {"limit_a": 63},
        "meters": [{"name": "grid", "role": "grid", "timeout_ms": 300, **meter}],
        "load_management": {"mode": "dynamic"},
    }
    path = tmp_path / "edge.yaml"
    path.write_text(json.dumps(config))
    return subprocess.run(
        [str(edge_binary()), "check", "--config", str(path)], capture_output=True, text=True, timeout=60)


def assert_read_everything(result: subprocess.CompletedProcess, profile: str):
    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    assert f"{profile}): answers" in out, out
    assert "current L1/L2/L3: 12.5 / 20.2 / 7.0 A" in out or "current L1/L2/L3: 12.5 / 20.3 / 7.0 A" in out, out
    assert "voltage L1/L2/L3: 231.0 / 229.5 / 230.0 V" in out, out
    assert "power: 8900.0 W; import energy: 12345.6 kWh" in out, out


@pytest.mark.parametrize(
    "profile, registers",
    [("sdm630", sdm630_input_registers()), ("sdm72", sdm630_input_registers()), ("em24", em24_input_registers())])
def test_reads_a_meter_over_tcp(tmp_path, profile, registers):
    with PymodbusMeter(input_registers=registers, unit=3) as meter:
        result = check(tmp_path, {"url": f"tcp://127.0.0.1:{meter.port}", "unit": 3, "profile": profile})
    assert_read_everything(result, profile)


@pytest.mark.parametrize("profile, registers", [("sdm630", sdm630_input_registers()), ("em24", em24_input_registers())])
def test_reads_a_meter_over_rtu_on_a_serial_line(tmp_path, profile, registers):
    with pty_pair(tmp_path) as (edge_side, meter_side):
        with PymodbusMeter(input_registers=registers, unit=2, serial_device=meter_side):
            result = check(
                tmp_path, {"url": f"rtu://{edge_side}?baud=9600&parity=N&data=8&stop=1", "unit": 2, "profile": profile,
                           "timeout_ms": 1000})
    assert_read_everything(result, profile)


def test_finds_a_sunspec_meter_by_its_marker(tmp_path):
    with PymodbusMeter(holding_registers=sunspec_holding_registers()) as meter:
        result = check(tmp_path, {"url": f"tcp://127.0.0.1:{meter.port}", "profile": "sunspec"})
    assert_read_everything(result, "sunspec-203")


def test_reads_any_meter_through_a_register_map(tmp_path):
    registers = {0x100 + 2 * phase: [0, int(READING["current"][phase] * 1000)] for phase in range(3)}
    with PymodbusMeter(holding_registers=registers) as meter:
        result = check(tmp_path, {
            "url": f"tcp://127.0.0.1:{meter.port}", "profile": "custom",
            "registers": [
                {"quantity": "current", "phase": phase + 1, "address": hex(0x100 + 2 * phase), "function": 3,
                 "type": "uint32", "scale": 0.001}
                for phase in range(3)
            ]})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "current L1/L2/L3: 12.5 / 20.2 / 7.0 A" in result.stdout or "12.5 / 20.3 / 7.0" in result.stdout


def test_a_meter_that_stops_answering_is_named_and_does_not_hang(tmp_path):
    with MisbehavingMeter("silent") as meter:
        result = check(tmp_path, {"url": f"tcp://127.0.0.1:{meter.port}"})
    assert result.returncode == 69
    assert re.search(r"grid .*DOES NOT ANSWER: meter 'grid': no answer reading register \d+", result.stdout), result.stdout
    assert "failsafe" in result.stdout


def test_a_meter_that_answers_garbage_is_rejected_without_a_crash(tmp_path):
    with MisbehavingMeter("garbage") as meter:
        result = check(tmp_path, {"url": f"tcp://127.0.0.1:{meter.port}"})
    assert result.returncode == 69, result.stdout + result.stderr
    assert "DOES NOT ANSWER: meter 'grid'" in result.stdout, result.stdout
    assert meter.requests >= 1


def test_a_meter_that_is_not_there_is_named(tmp_path):
    result = check(tmp_path, {"url": "tcp://127.0.0.1:1"})
    assert result.returncode == 69
    assert "cannot connect to tcp://127.0.0.1:1" in result.stdout


def test_several_meters_on_one_serial_bus_are_polled_in_turn(tmp_path):
    """An SDM630 at unit 1 and an EM24 at unit 2 share one RS-485 line (one pymodbus server answering both)."""
    from meters import MultiUnitMeter

    with pty_pair(tmp_path) as (edge_side, meter_side):
        with MultiUnitMeter({1: sdm630_input_registers(), 2: em24_input_registers()}, serial_device=meter_side):
            config = {
                "site": {"id": "bus-test"},
                "store": {"path": str(tmp_path / "edge.sqlite")},
                "meters": [
                    {"name": "grid", "role": "grid", "url": f"rtu://{edge_side}?baud=9600", "unit": 1,
                     "profile": "sdm630", "timeout_ms": 1000},
                    {"name": "building", "role": "building", "url": f"rtu://{edge_side}?baud=9600", "unit": 2,
                     "profile": "em24", "timeout_ms": 1000},
                ],
            }
            path = tmp_path / "edge.yaml"
            path.write_text(json.dumps(config))
            result = subprocess.run(
                [str(edge_binary()), "check", "--config", str(path)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "grid (grid, rtu://" in result.stdout and "unit 1, sdm630): answers" in result.stdout
    assert "building (building, rtu://" in result.stdout and "unit 2, em24): answers" in result.stdout
    assert result.stdout.count("voltage L1/L2/L3: 231.0 / 229.5 / 230.0 V") == 2
