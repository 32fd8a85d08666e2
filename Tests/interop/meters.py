"""Independent Modbus peers for the meter tests: pymodbus servers with the register maps of real meters, over
TCP or over RTU on a pseudo-terminal pair made with socat, and raw TCP servers that misbehave."""

from __future__ import annotations

import asyncio
import contextlib
import warnings
import random
import shutil
import socket
import struct
import subprocess
import threading
import time
from pathlib import Path

# The 3.x datastore API is deprecated in favour of 4.0's SimDevice; requirements.txt pins 3.16.
warnings.filterwarnings("ignore", message=".*deprecated.*")
from pymodbus import FramerType  # noqa: E402
from pymodbus.datastore import ModbusDeviceContext, ModbusSequentialDataBlock, ModbusServerContext
from pymodbus.server import ModbusSerialServer, ModbusTcpServer

# What the meters measure in these tests: per-phase current, voltage and power, total power, import energy.
READING = {
    "current": [12.5, 20.25, 7.0],
    "voltage": [231.0, 229.5, 230.0],
    "power": [2800.0, 4600.0, 1500.0],
    "total_power": 8900.0,
    "import_energy_kwh": 12345.6,
}


def f32(value: float) -> list[int]:
    """float32, high word first (Eastron)."""
    high, low = struct.unpack(">HH", struct.pack(">f", value))
    return [high, low]


def i32_low_first(value: float) -> list[int]:
    """int32, low word first (Carlo Gavazzi)."""
    high, low = struct.unpack(">HH", struct.pack(">i", int(round(value))))
    return [low, high]


def sdm630_input_registers(reading=READING) -> dict[int, list[int]]:
    registers = {}
    for phase in range(3):
        registers[0x00 + 2 * phase] = f32(reading["voltage"][phase])
        registers[0x06 + 2 * phase] = f32(reading["current"][phase])
        registers[0x0C + 2 * phase] = f32(reading["power"][phase])
    registers[0x34] = f32(reading["total_power"])
    registers[0x48] = f32(reading["import_energy_kwh"])
    return registers


def em24_input_registers(reading=READING) -> dict[int, list[int]]:
    registers = {}
    for phase in range(3):
        registers[0x00 + 2 * phase] = i32_low_first(reading["voltage"][phase] * 10)
        registers[0x0C + 2 * phase] = i32_low_first(reading["current"][phase] * 1000)
        registers[0x12 + 2 * phase] = i32_low_first(reading["power"][phase] * 10)
    registers[0x28] = i32_low_first(reading["total_power"] * 10)
    registers[0x34] = i32_low_first(reading["import_energy_kwh"] * 10)
    return registers


def sunspec_holding_registers(reading=READING, base: int = 40000) -> dict[int, list[int]]:
    """`SunS`, a common model (1), a wye meter (203) with scale factors, the end marker."""
    registers = {base: [0x5375, 0x6E53], base + 2: [1, 66] + [0] * 66}
    meter = base + 2 + 2 + 66
    data = [0] * 105
    data[1:4] = [int(round(c * 100)) for c in reading["current"]]
    data[4] = (-2) & 0xFFFF  # A_SF
    data[6:9] = [int(round(v * 10)) for v in reading["voltage"]]
    data[13] = (-1) & 0xFFFF  # V_SF
    data[16] = int(round(reading["total_power"]))
    data[17:20] = [int(round(p)) for p in reading["power"]]
    data[20] = 0  # W_SF
    energy = int(round(reading["import_energy_kwh"] * 1000))
    data[44:46] = [energy >> 16, energy & 0xFFFF]
    data[52] = 0  # TotWh_SF
    registers[meter] = [203, 105] + data
    registers[meter + 2 + 105] = [0xFFFF, 0]
    return registers


def _block(registers: dict[int, list[int]]) -> ModbusSequentialDataBlock:
    size = max(address + len(words) for address, words in registers.items()) + 2
    values = [0] * size
    for address, words in registers.items():
        values[address : address + len(words)] = words
    return ModbusSequentialDataBlock(1, values)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PymodbusMeter:
    """A pymodbus server in a thread of its own: TCP on a free port, or RTU on a serial device."""

    def __init__(self, input_registers=None, holding_registers=None, unit: int = 1, serial_device: str | None = None,
                 devices: dict | None = None):
        if devices is None:
            devices = {unit: ModbusDeviceContext(
                ir=_block(input_registers or {0: [0]}), hr=_block(holding_registers or {0: [0]}))}
        self.context = ModbusServerContext(devices=devices, single=False)
        self.serial_device = serial_device
        self.port = None if serial_device else free_port()
        self._loop = asyncio.new_event_loop()
        self._server = None
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        async def serve():
            if self.serial_device:
                self._server = ModbusSerialServer(
                    self.context, framer=FramerType.RTU, port=self.serial_device, baudrate=9600, bytesize=8, parity="N",
                    stopbits=1)
            else:
                self._server = ModbusTcpServer(self.context, address=("127.0.0.1", self.port))
            await self._server.serve_forever()

        asyncio.set_event_loop(self._loop)
        self._loop.run_until_complete(serve())

    def __enter__(self) -> "PymodbusMeter":
        self._thread.start()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.serial_device or _listening(self.port):
                time.sleep(0.3)
                return self
            time.sleep(0.05)
        raise RuntimeError("pymodbus server did not start")

    def __exit__(self, *exc):
        if self._server is not None:
            asyncio.run_coroutine_threadsafe(self._server.shutdown(), self._loop).result(timeout=10)
        self._thread.join(timeout=10)


class MultiUnitMeter(PymodbusMeter):
    """Several meters (unit id → input registers) answering on one line, as on an RS-485 bus."""

    def __init__(self, units: dict[int, dict[int, list[int]]], serial_device: str | None = None):
        devices = {unit: ModbusDeviceContext(ir=_block(registers), hr=_block({0: [0]})) for unit, registers in units.items()}
        super().__init__(serial_device=serial_device, devices=devices)


def _listening(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
        return True
    return False


@contextlib.contextmanager
def pty_pair(directory: Path):
    """Two linked pseudo-terminals (socat): what one side writes, the other reads, like an RS-485 adapter pair."""
    socat = shutil.which("socat")
    if socat is None:
        raise RuntimeError("socat is not installed (make deps installs it)")
    a, b = directory / "ttyA", directory / "ttyB"
    proc = subprocess.Popen(
        [socat, "-d", "-d", f"pty,raw,echo=0,link={a}", f"pty,raw,echo=0,link={b}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while not (a.exists() and b.exists()):
            if time.monotonic() > deadline:
                raise RuntimeError("socat did not create the pseudo-terminals")
            time.sleep(0.05)
        yield str(a), str(b)
    finally:
        proc.terminate()
        proc.wait(timeout=5)


class MisbehavingMeter:
    """A TCP server that accepts connections and either never answers or answers with garbage."""

    def __init__(self, mode: str):
        assert mode in ("silent", "garbage")
        self.mode = mode
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.requests = 0
        self._stop = False
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self):
        self.sock.settimeout(0.2)
        clients = []
        rng = random.Random(7)
        while not self._stop:
            with contextlib.suppress(socket.timeout, OSError):
                client, _ = self.sock.accept()
                client.settimeout(0.2)
                clients.append(client)
            for client in list(clients):
                with contextlib.suppress(socket.timeout, OSError):
                    data = client.recv(512)
                    if not data:
                        clients.remove(client)
                        continue
                    self.requests += 1
                    if self.mode == "garbage":
                        client.sendall(bytes(rng.randrange(256) for _ in range(rng.randrange(1, 40))))
        for client in clients:
            client.close()

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop = True
        self._thread.join(timeout=5)
        self.sock.close()
