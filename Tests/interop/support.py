"""Helpers shared by the interop tests: the edge daemon as a process, its local HTTP API, and chargers.

The charger side is deliberately independent of the Swift code: the `ocpp` Python library's ChargePoint
(which validates every payload it receives against the official OCPP 1.6 JSON schemas) over `websockets`,
or a raw `websockets` connection for the bad-input tests.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import copy
import datetime as dt
import json
import os
import re
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any, Callable

import websockets
from websockets.asyncio.client import connect as ws_connect

from ocpp.charge_point import camel_to_snake_case
from ocpp.routing import on
from ocpp.v16 import ChargePoint, call, call_result

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_BIN = REPO_ROOT / ".build" / "debug" / "gridside-edge"


def edge_binary() -> Path:
    return Path(os.environ.get("GRIDSIDE_EDGE_BIN") or DEFAULT_BIN)


def wait_for_binary(timeout: float = 180.0) -> Path:
    """The binary may be rebuilt under us (it disappears for a while during a link): wait for it."""
    path = edge_binary()
    deadline = time.monotonic() + timeout
    while not (path.is_file() and os.access(path, os.X_OK)):
        if time.monotonic() > deadline:
            raise RuntimeError(f"gridside-edge binary not found at {path} (set GRIDSIDE_EDGE_BIN)")
        time.sleep(1.0)
    return path


def arun(coro, timeout: float = 60.0):
    """Runs one test's async body with an overall time limit (no pytest-asyncio here)."""
    return asyncio.run(asyncio.wait_for(coro, timeout))


def now_iso(offset_seconds: float = 0.0) -> str:
    """Now (plus an offset) in whole seconds; test_charger_actions pins millisecond precision separately."""
    moment = dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=offset_seconds)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def deep_merge(base: dict, extra: dict) -> dict:
    result = copy.deepcopy(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = deep_merge(result[key], value)
        else:
            result[key] = copy.deepcopy(value)
    return result


def hash_password(password: str, cost: int = 4) -> str:
    out = subprocess.run(
        [str(wait_for_binary()), "hash-password", "--cost", str(cost)],
        input=password.encode(), capture_output=True, timeout=30, check=True)
    return out.stdout.decode().strip()


def basic_auth_header(user: str, password: str) -> dict:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


# --------------------------------------------------------------------------------------------------------------
# Metrics


_METRIC_LINE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([^}]*)\})?\s+(\S+)")
_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def parse_metrics(text: str) -> list[tuple[str, dict, float]]:
    samples = []
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        match = _METRIC_LINE.match(line)
        if not match:
            continue
        labels = dict(_LABEL.findall(match.group(3) or ""))
        try:
            value = float(match.group(4))
        except ValueError:
            continue
        samples.append((match.group(1), labels, value))
    return samples


def metric_sum(text: str, name: str, **labels: str) -> float:
    """The sum of every sample of `name` whose labels include `labels`."""
    return sum(
        value for metric, have, value in parse_metrics(text)
        if metric == name and all(have.get(k) == v for k, v in labels.items()))


# --------------------------------------------------------------------------------------------------------------
# The daemon


class Edge:
    """One gridside-edge process on a config file in a temporary directory."""

    READY = re.compile(r"edge ready")
    OCPP_PORT = re.compile(r"ocpp_port=(\d+)")
    HTTP_PORT = re.compile(r"http_port=(\d+)")

    def __init__(self, directory: Path, config: dict, name: str = "edge"):
        self.directory = directory
        self.directory.mkdir(parents=True, exist_ok=True)
        self.name = name
        self.config = config
        self.config_path = directory / f"{name}.yaml"
        # JSON is YAML: no YAML library needed to write the config.
        self.config_path.write_text(json.dumps(config, indent=2))
        self.log_path = directory / f"{name}.log"
        self.proc: subprocess.Popen | None = None
        self.ocpp_port: int | None = None
        self.http_port: int | None = None
        self._lines: list[str] = []
        self._lock = threading.Lock()
        self._reader: threading.Thread | None = None
        self.starts = 0
        self.expect_clean_exit = True

    # ---- lifecycle

    def start(self, timeout: float = 30.0) -> "Edge":
        binary = wait_for_binary()
        deadline = time.monotonic() + 120
        while True:
            try:
                self.proc = subprocess.Popen(
                    [str(binary), "run", "--config", str(self.config_path)],
                    stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
                break
            except OSError:  # ETXTBSY / ENOENT while the binary is being relinked
                if time.monotonic() > deadline:
                    raise
                time.sleep(1.0)
                binary = wait_for_binary()
        self.starts += 1
        ready = threading.Event()
        ports: dict[str, int] = {}
        with self._lock:
            self._lines.append(f"----- start #{self.starts} pid={self.proc.pid}\n")
        proc = self.proc

        def drain():
            with open(self.log_path, "a", encoding="utf-8", errors="replace") as log:
                for raw in proc.stderr:
                    line = raw.decode("utf-8", errors="replace")
                    log.write(line)
                    log.flush()
                    with self._lock:
                        self._lines.append(line)
                    if not ready.is_set() and self.READY.search(line):
                        ocpp = self.OCPP_PORT.search(line)
                        http = self.HTTP_PORT.search(line)
                        if ocpp and http:
                            ports["ocpp"], ports["http"] = int(ocpp.group(1)), int(http.group(1))
                            ready.set()

        self._reader = threading.Thread(target=drain, name=f"{self.name}-stderr", daemon=True)
        self._reader.start()
        end = time.monotonic() + timeout
        while not ready.wait(0.05):
            if proc.poll() is not None:
                self._reader.join(2)
                raise RuntimeError(f"gridside-edge exited with {proc.returncode} before ready:\n{self.log_tail()}")
            if time.monotonic() > end:
                proc.kill()
                raise RuntimeError(f"gridside-edge not ready within {timeout}s:\n{self.log_tail()}")
        self.ocpp_port, self.http_port = ports["ocpp"], ports["http"]
        return self

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout: float = 15.0) -> int:
        """SIGTERM and wait; returns the exit code."""
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
                raise AssertionError(f"gridside-edge did not exit within {timeout}s of SIGTERM:\n{self.log_tail()}")
        if self._reader:
            self._reader.join(5)
        return self.proc.returncode

    def kill9(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)
        if self._reader:
            self._reader.join(5)

    def restart(self) -> "Edge":
        """Starts again on the same config and store (the ports change: they are chosen by the OS)."""
        if self.running:
            self.kill9()
        return self.start()

    # ---- logs

    def log_text(self) -> str:
        with self._lock:
            return "".join(self._lines)

    def log_tail(self, lines: int = 60) -> str:
        with self._lock:
            return "".join(self._lines[-lines:])

    def wait_for_log(self, pattern: str | re.Pattern, timeout: float = 5.0) -> str:
        regex = re.compile(pattern) if isinstance(pattern, str) else pattern
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                for line in self._lines:
                    if regex.search(line):
                        return line
            if time.monotonic() > deadline:
                raise AssertionError(f"no log line matching {regex.pattern!r}; log tail:\n{self.log_tail()}")
            time.sleep(0.05)

    # ---- URLs

    def ws_url(self, station_id: str, base: str = "/ocpp/", scheme: str | None = None) -> str:
        scheme = scheme or ("wss" if "tls" in self.config.get("ocpp", {}) else "ws")
        return f"{scheme}://127.0.0.1:{self.ocpp_port}{base}{urllib.parse.quote(station_id, safe='')}"

    # ---- local HTTP

    @property
    def token(self) -> str:
        """The local interface's bearer token, which the edge wrote on its first start (http.token_file)."""
        path = (self.config.get("http") or {}).get("token_file") or str(
            Path(self.config["store"]["path"]).parent / "http.token")
        return Path(path).read_text().strip()

    def http(self, method: str, path: str, body: Any = None, timeout: float = 30.0) -> tuple[int, Any]:
        data = None
        # The edge's local interface takes POSTs as JSON only, with a body or without, and with its token.
        headers = {"Content-Type": "application/json", "Authorization": f"Bearer {self.token}"} if method == "POST" else {}
        if body is not None:
            data = body if isinstance(body, (bytes, str)) else json.dumps(body)
            data = data.encode() if isinstance(data, str) else data
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.http_port}{path}", data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                status, raw, ctype = response.status, response.read(), response.headers.get("Content-Type", "")
        except urllib.error.HTTPError as error:
            status, raw, ctype = error.code, error.read(), error.headers.get("Content-Type", "")
        if "json" in ctype:
            try:
                return status, json.loads(raw)
            except ValueError:
                pass
        return status, raw.decode("utf-8", errors="replace")

    def get(self, path: str) -> tuple[int, Any]:
        return self.http("GET", path)

    def post(self, path: str, body: Any = None, timeout: float = 30.0) -> tuple[int, Any]:
        return self.http("POST", path, body, timeout=timeout)

    def command(self, station_id: str, action: str, payload: Any = None, timeout: float = 30.0) -> tuple[int, Any]:
        quoted = urllib.parse.quote(station_id, safe="")
        return self.post(f"/stations/{quoted}/commands/{action}", payload if payload is not None else {}, timeout)

    async def acommand(self, station_id: str, action: str, payload: Any = None, timeout: float = 30.0):
        """The command from inside an event loop (urllib blocks, and the charger must keep answering)."""
        return await asyncio.to_thread(self.command, station_id, action, payload, timeout)

    async def aget(self, path: str):
        return await asyncio.to_thread(self.get, path)

    async def apost(self, path: str, body: Any = None):
        return await asyncio.to_thread(self.post, path, body)

    def status(self) -> dict:
        code, body = self.get("/status")
        assert code == 200, body
        return body

    def stations(self) -> list[dict]:
        code, body = self.get("/stations")
        assert code == 200, body
        return body

    def station(self, station_id: str) -> dict:
        code, body = self.get(f"/stations/{urllib.parse.quote(station_id, safe='')}")
        assert code == 200, (code, body)
        return body

    def sessions(self, active: bool | None = None, station: str | None = None) -> list[dict]:
        query = {}
        if active is not None:
            query["active"] = "true" if active else "false"
        if station is not None:
            query["station"] = station
        path = "/sessions" + ("?" + urllib.parse.urlencode(query) if query else "")
        code, body = self.get(path)
        assert code == 200, body
        return body

    def metrics(self) -> str:
        code, body = self.get("/metrics")
        assert code == 200, body
        return body

    def healthz(self) -> int:
        try:
            return self.get("/healthz")[0]
        except OSError:
            return 0


# --------------------------------------------------------------------------------------------------------------
# The charger


CSMS_ACTIONS = [
    "RemoteStartTransaction", "RemoteStopTransaction", "ChangeAvailability", "Reset", "UnlockConnector",
    "ChangeConfiguration", "GetConfiguration", "ClearCache", "TriggerMessage", "UpdateFirmware", "GetDiagnostics",
    "SendLocalList", "GetLocalListVersion", "ReserveNow", "CancelReservation", "SetChargingProfile",
    "ClearChargingProfile", "GetCompositeSchedule", "DataTransfer",
]

# A valid answer to each CSMS-initiated call (camelCase, as on the wire).
DEFAULT_ANSWERS: dict[str, dict] = {
    "RemoteStartTransaction": {"status": "Accepted"},
    "RemoteStopTransaction": {"status": "Accepted"},
    "ChangeAvailability": {"status": "Accepted"},
    "Reset": {"status": "Accepted"},
    "UnlockConnector": {"status": "Unlocked"},
    "ChangeConfiguration": {"status": "Accepted"},
    "GetConfiguration": {"configurationKey": [], "unknownKey": []},
    "ClearCache": {"status": "Accepted"},
    "TriggerMessage": {"status": "Accepted"},
    "UpdateFirmware": {},
    "GetDiagnostics": {},
    "SendLocalList": {"status": "Accepted"},
    "GetLocalListVersion": {"listVersion": 0},
    "ReserveNow": {"status": "Accepted"},
    "CancelReservation": {"status": "Accepted"},
    "SetChargingProfile": {"status": "Accepted"},
    "ClearChargingProfile": {"status": "Accepted"},
    "GetCompositeSchedule": {"status": "Rejected"},
    "DataTransfer": {"status": "UnknownVendorId"},
}


def _snake(key: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", key).lower()


class Charger(ChargePoint):
    """An OCPP 1.6J charge point: the `ocpp` library's ChargePoint, which validates every CALL the edge sends
    and every answer it gets against the official schemas, plus a record of the wire traffic.

    Incoming messages are recorded the moment they arrive and handled in their own task, so a slow handler
    does not hide a second CALL arriving while the first is still unanswered.
    """

    def __init__(self, station_id: str, connection, response_timeout: float = 15):
        super().__init__(station_id, connection, response_timeout=response_timeout)
        self.answers: dict[str, dict] = copy.deepcopy(DEFAULT_ANSWERS)
        self.delays: dict[str, float] = {}
        # (monotonic time, action, uniqueId, payload) of every CALL the edge sent.
        self.calls: list[tuple[float, str, str, dict]] = []
        # (monotonic time, message) of every frame this charger sent.
        self.sent: list[tuple[float, list]] = []
        self.calls_arrived = asyncio.Event()
        self._tasks: set[asyncio.Task] = set()

    async def start(self):
        while True:
            raw = await self._connection.recv()
            try:
                message = json.loads(raw)
            except ValueError:
                message = None
            if isinstance(message, list) and len(message) >= 4 and message[0] == 2:
                self.calls.append((time.monotonic(), message[2], message[1], message[3]))
                self.calls_arrived.set()
            task = asyncio.create_task(self._route_quietly(raw))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _route_quietly(self, raw):
        with contextlib.suppress(websockets.ConnectionClosed):
            await self.route_message(raw)

    async def _send(self, message):
        # Stamped before the write: the edge cannot have reacted to a frame before it was sent.
        self.sent.append((time.monotonic(), json.loads(message)))
        await self._connection.send(message)

    def calls_of(self, action: str) -> list[dict]:
        return [payload for _, name, _, payload in self.calls if name == action]

    async def wait_for_calls(self, count: int, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while len(self.calls) < count:
            self.calls_arrived.clear()
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"expected {count} CALLs from the edge, got {len(self.calls)}")
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self.calls_arrived.wait(), remaining)

    async def _answer(self, action: str):
        delay = self.delays.get(action)
        if delay:
            await asyncio.sleep(delay)
        answer = self.answers[action]
        return getattr(call_result, action)(**{_snake(k): v for k, v in answer.items()})

    # ---- conveniences for the charger's own calls

    async def boot(self, **fields) -> call_result.BootNotification:
        payload = {"charge_point_vendor": "Interop", "charge_point_model": "PyCharger-1", **fields}
        return await self.call(call.BootNotification(**payload), suppress=False)


def _command_handler(action: str):
    async def handler(self, **kwargs):
        return await self._answer(action)

    handler.__name__ = f"on_{action}"
    return on(action)(handler)


for _action in CSMS_ACTIONS:
    setattr(Charger, f"on_{_action}", _command_handler(_action))


@contextlib.asynccontextmanager
async def charger(edge: Edge, station_id: str, cls=Charger, base: str = "/ocpp/", **connect_kwargs):
    """A connected charger whose message loop runs in the background."""
    connect_kwargs.setdefault("subprotocols", ["ocpp1.6"])
    connect_kwargs.setdefault("open_timeout", 10)
    ws = await ws_connect(edge.ws_url(station_id, base=base), **connect_kwargs)
    cp = cls(station_id, ws)
    task = asyncio.create_task(cp.start())
    try:
        yield cp
    finally:
        task.cancel()
        with contextlib.suppress(BaseException):
            await task
        for pending in list(cp._tasks):
            pending.cancel()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(ws.close(), 5)


@contextlib.asynccontextmanager
async def raw_socket(edge: Edge, station_id: str, **connect_kwargs):
    """A bare WebSocket speaking ocpp1.6, for sending frames by hand."""
    connect_kwargs.setdefault("subprotocols", ["ocpp1.6"])
    connect_kwargs.setdefault("open_timeout", 10)
    ws = await ws_connect(edge.ws_url(station_id), **connect_kwargs)
    try:
        # The handshake completes just before the edge registers the session; commands sent in between are
        # rightly refused (409), so tests start once the edge reports the station connected.
        def connected() -> bool:
            code, body = edge.get(f"/stations/{urllib.parse.quote(station_id, safe='')}")
            return code == 200 and bool(body.get("connected"))

        await wait_until(connected, timeout=10, what=f"{station_id} is connected")
        yield ws
    finally:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(ws.close(), 5)


async def recv_json(ws, timeout: float = 10.0) -> Any:
    return json.loads(await asyncio.wait_for(ws.recv(), timeout))


async def exchange(ws, frame: str, timeout: float = 10.0) -> Any:
    """Sends one text frame and returns the decoded answer."""
    await ws.send(frame)
    return await recv_json(ws, timeout)


async def heartbeat_roundtrip(edge: Edge, station_id: str, timeout: float = 10.0) -> float:
    """Connects a fresh raw station, sends a Heartbeat, asserts the CALLRESULT; returns the round-trip seconds."""
    async with raw_socket(edge, station_id) as ws:
        started = time.monotonic()
        answer = await exchange(ws, json.dumps([2, "hb-check", "Heartbeat", {}]), timeout)
        elapsed = time.monotonic() - started
        assert answer[0] == 3 and answer[1] == "hb-check" and "currentTime" in answer[2], answer
        return elapsed


async def wait_until(predicate: Callable[[], Any], timeout: float = 5.0, interval: float = 0.05, what: str = "condition"):
    """Polls a (blocking) predicate in a thread until it is truthy; returns its value."""
    deadline = time.monotonic() + timeout
    while True:
        value = await asyncio.to_thread(predicate)
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(interval)


def poll(predicate: Callable[[], Any], timeout: float = 5.0, interval: float = 0.05, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(interval)


def same_json(a: Any, b: Any) -> bool:
    """Equality of JSON values where date-times compare as instants and numbers numerically."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_json(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same_json(x, y) for x, y in zip(a, b))
    if isinstance(a, str) and isinstance(b, str):
        if a == b:
            return True
        try:
            return parse_time(a) == parse_time(b)
        except ValueError:
            return False
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return abs(a - b) < 1e-9
    return a == b


# --------------------------------------------------------------------------------------------------------------
# A WebSocket by hand


class HandWebSocket:
    """A client WebSocket written by hand on a plain TCP socket, for what a library does not let a test control: several
    frames in one TCP write (as a charger's network stack may send them), and no pings at all."""

    def __init__(self, edge: Edge, station_id: str, timeout: float = 10.0):
        import socket
        self.sock = socket.create_connection(("127.0.0.1", edge.ocpp_port), timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        path = "/ocpp/" + urllib.parse.quote(station_id, safe="")
        self.sock.sendall((
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{edge.ocpp_port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: ocpp1.6\r\n\r\n").encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(4096)
            assert chunk, f"the edge closed the connection during the handshake: {head!r}"
            head += chunk
        head, self.buffer = head.split(b"\r\n\r\n", 1)
        assert head.startswith(b"HTTP/1.1 101"), head

    @staticmethod
    def frame(payload: bytes, opcode: int = 0x1) -> bytes:
        """One masked frame with FIN set, as a client must send it."""
        mask = os.urandom(4)
        length = len(payload)
        if length < 126:
            header = bytes([0x80 | opcode, 0x80 | length])
        elif length < 1 << 16:
            header = bytes([0x80 | opcode, 0x80 | 126]) + length.to_bytes(2, "big")
        else:
            header = bytes([0x80 | opcode, 0x80 | 127]) + length.to_bytes(8, "big")
        return header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))

    def send_together(self, *payloads: str | bytes) -> None:
        """Sends text frames in a single write."""
        self.sock.sendall(b"".join(self.frame(p.encode() if isinstance(p, str) else p) for p in payloads))

    def receive(self, timeout: float) -> tuple[int, bytes]:
        """The next frame from the edge as (opcode, payload); raises TimeoutError when none comes in time."""
        import socket
        deadline = time.monotonic() + timeout

        def need(count: int) -> bytes:
            while len(self.buffer) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError("no frame from the edge in time")
                self.sock.settimeout(left)
                try:
                    chunk = self.sock.recv(65536)
                except socket.timeout as error:
                    raise TimeoutError("no frame from the edge in time") from error
                if not chunk:
                    raise ConnectionError("the edge closed the TCP connection")
                self.buffer += chunk
            taken, self.buffer = self.buffer[:count], self.buffer[count:]
            return taken

        first, second = need(2)
        length = second & 0x7F
        if length == 126:
            length = int.from_bytes(need(2), "big")
        elif length == 127:
            length = int.from_bytes(need(8), "big")
        return first & 0x0F, need(length)

    def receive_json(self, timeout: float) -> Any:
        """The next text frame, decoded; pings from the edge are answered on the way."""
        deadline = time.monotonic() + timeout
        while True:
            opcode, payload = self.receive(max(0.0, deadline - time.monotonic()))
            if opcode == 0x1:
                return json.loads(payload)
            if opcode == 0x9:
                self.sock.sendall(self.frame(payload, opcode=0xA))
            elif opcode == 0x8:
                raise ConnectionError(f"the edge closed the WebSocket: {payload!r}")

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.close()


def tls_version_accepted(port: int, version: ssl.TLSVersion) -> bool:
    """Whether a TLS handshake at exactly `version` succeeds (the client allows old versions and ciphers, so a refusal
    is the server's)."""
    import socket
    import ssl
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    context.set_ciphers("ALL:@SECLEVEL=0")
    context.minimum_version = version
    context.maximum_version = version
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
            with context.wrap_socket(raw, server_hostname="localhost"):
                return True
    except (ssl.SSLError, OSError):
        return False
