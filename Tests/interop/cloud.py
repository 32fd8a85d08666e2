"""Helpers for the sync tests: a real mosquitto broker, the gridside-cloud daemon and its HTTPS API, and an
MQTT peer (paho-mqtt) that plays an edge or watches the topics."""

from __future__ import annotations

import json
import os
import re
import signal
import shutil
import ssl
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import jsonschema
import paho.mqtt.client as mqtt
import referencing
import referencing.jsonschema

from meters import free_port
from support import REPO_ROOT, edge_binary, now_iso, poll

DEFAULT_CLOUD_BIN = REPO_ROOT / ".build" / "debug" / "gridside-cloud"


def cloud_binary() -> Path:
    explicit = os.environ.get("GRIDSIDE_CLOUD_BIN")
    if explicit:
        return Path(explicit)
    sibling = edge_binary().parent / "gridside-cloud"
    return sibling if sibling.exists() else DEFAULT_CLOUD_BIN


def mosquitto_binary() -> str:
    found = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    if not os.access(found, os.X_OK):
        raise RuntimeError("mosquitto not installed (make deps installs Debian's mosquitto)")
    return found


class Mosquitto:
    """A mosquitto broker on a free loopback port, with persistence in its own directory, so a restart keeps
    persistent sessions and their queued messages, as a production broker does."""

    def __init__(self, directory: Path, extra: str = ""):
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.config_path = directory / "mosquitto.conf"
        self.config_path.write_text(
            f"listener {self.port} 127.0.0.1\n"
            "allow_anonymous true\n"
            "persistence true\n"
            f"persistence_location {directory}/\n"
            "max_queued_messages 100000\n"
            "log_dest stderr\n"
            # Started as root, mosquitto drops to its own user, which cannot write the test's directory: its
            # persistence file would not be saved, and a restart would forget persistent sessions.
            + ("user root\n" if os.geteuid() == 0 and "user " not in extra else "")
            + extra)
        self.log_path = directory / "mosquitto.log"
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}"

    def start(self) -> "Mosquitto":
        log = open(self.log_path, "a")
        self.proc = subprocess.Popen(
            [mosquitto_binary(), "-c", str(self.config_path)], stdout=log, stderr=log, stdin=subprocess.DEVNULL)
        poll(lambda: _listening(self.port), timeout=10, what="mosquitto listening")
        return self

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(10)

    def kill9(self) -> None:
        """Gone at once: what it held in memory (queued messages not yet saved) is lost."""
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    def log_tail(self, lines: int = 40) -> str:
        return "".join(self.log_path.read_text(errors="replace").splitlines(keepends=True)[-lines:])


def _listening(port: int) -> bool:
    import socket

    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


class Cloud:
    """One gridside-cloud process on a config file in a temporary directory."""

    READY = re.compile(r"cloud ready")
    SUBSCRIBED = re.compile(r"filter=\S*/up/# .*subscribed to MQTT messages")
    PORT = re.compile(r"https_port=(\d+)")

    def __init__(self, directory: Path, broker: Mosquitto, overrides: dict | None = None):
        self.directory = directory
        self.broker = broker
        directory.mkdir(parents=True, exist_ok=True)
        # A port known before the start, so that firmware URLs can be built from http.public_url.
        http_port = free_port()
        config = {
            "http": {"listen": f"127.0.0.1:{http_port}", "public_url": f"https://127.0.0.1:{http_port}"},
            "store": {"url": f"sqlite://{directory}/cloud.sqlite"},
            "mqtt": {"broker": broker.url, "client_id": f"gridside-cloud-{broker.port}"},
            "commands": {"timeout_s": 10},
        }
        for key, value in (overrides or {}).items():
            config[key] = {**config.get(key, {}), **value}
        self.config = config
        self.config_path = directory / "cloud.yaml"
        self.config_path.write_text(json.dumps(config, indent=2))
        self.log_path = directory / "cloud.log"
        self.proc: subprocess.Popen | None = None
        self.port: int | None = None
        self.token: str | None = None
        self._lines: list[str] = []
        self._lock = threading.Lock()

    def cli(self, *args: str) -> str:
        result = subprocess.run(
            [str(cloud_binary()), *args, "--config", str(self.config_path)], capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, f"gridside-cloud {' '.join(args)} failed: {result.stderr}"
        return result.stdout

    def add_site(self, site: str) -> str:
        return self.cli("site", "add", site)

    def create_token(self, role: str = "admin") -> str:
        token = self.cli("token", "create", "--name", f"test-{role}", "--role", role).strip()
        if self.token is None:
            self.token = token
        return token

    def start(self, timeout: float = 30.0, ingesting: bool | None = None) -> "Cloud":
        """Returns once the cloud serves HTTPS and, when `ingesting` (by default: while the test broker runs), once
        the broker has acknowledged its subscription to the edges' messages: a test's peer publishing before that
        would publish to no one (a real edge resends until acknowledged; a test's peer does not)."""
        if ingesting is None:
            ingesting = (self.config["mqtt"]["broker"] == self.broker.url and self.broker.proc is not None
                         and self.broker.proc.poll() is None)
        self.proc = subprocess.Popen(
            [str(cloud_binary()), "serve", "--config", str(self.config_path)],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        ready, serving, subscribed = threading.Event(), threading.Event(), threading.Event()
        proc = self.proc

        def drain():
            with open(self.log_path, "a", encoding="utf-8", errors="replace") as log:
                for raw in proc.stderr:
                    line = raw.decode("utf-8", errors="replace")
                    log.write(line)
                    log.flush()
                    with self._lock:
                        self._lines.append(line)
                    port = self.PORT.search(line)
                    if port and self.READY.search(line):
                        self.port = int(port.group(1))
                        serving.set()
                    if self.SUBSCRIBED.search(line):
                        subscribed.set()
                    if serving.is_set() and (subscribed.is_set() or not ingesting):
                        ready.set()

        threading.Thread(target=drain, daemon=True).start()
        end = time.monotonic() + timeout
        while not ready.wait(0.05):
            if proc.poll() is not None:
                raise RuntimeError(f"gridside-cloud exited with {proc.returncode}:\n{self.log_tail()}")
            if time.monotonic() > end:
                proc.kill()
                raise RuntimeError(f"gridside-cloud not ready within {timeout}s:\n{self.log_tail()}")
        return self

    def stop(self) -> int:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(15)
        return self.proc.returncode if self.proc else 0

    def kill9(self) -> None:
        """Gone at once, mid-batch: what it received and had not committed is lost (the broker saw it delivered)."""
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(15)

    def log_text(self) -> str:
        with self._lock:
            return "".join(self._lines)

    def log_tail(self, lines: int = 60) -> str:
        with self._lock:
            return "".join(self._lines[-lines:])

    def api(self, method: str, path: str, body: Any = None, token: str | None | bool = True,
            timeout: float = 30.0) -> tuple[int, Any]:
        """A request to the HTTPS API (self-signed certificate: not verified here). `token=True` uses the
        first token created, a string that token, None or False none."""
        headers = {}
        bearer = self.token if token is True else (token or None)
        if bearer:
            headers["Authorization"] = f"Bearer {bearer}"
        data = None
        if body is not None:
            data = (body if isinstance(body, str) else json.dumps(body)).encode()
            headers["Content-Type"] = "application/json"
        status, raw, ctype = self._request(method, path, data, headers, timeout)
        if "json" in ctype:
            body = json.loads(raw)
            self.check_against_openapi(method, path, status, body)
            return status, body
        return status, raw.decode("utf-8", errors="replace")

    def raw(self, method: str, path: str, token: str | None | bool = True) -> tuple[int, bytes]:
        """A request whose answer is read as bytes (a file), with the first token created unless told otherwise."""
        bearer = self.token if token is True else (token or None)
        status, raw, _ = self._request(method, path, None, {"Authorization": f"Bearer {bearer}"} if bearer else {}, 30)
        return status, raw

    def _request(self, method: str, path: str, data: bytes | None, headers: dict, timeout: float):
        request = urllib.request.Request(
            f"https://127.0.0.1:{self.port}{path}", data=data, method=method, headers=headers)
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        try:
            with urllib.request.urlopen(request, timeout=timeout, context=context) as response:
                return response.status, response.read(), response.headers.get("Content-Type", "")
        except urllib.error.HTTPError as error:
            return error.code, error.read(), error.headers.get("Content-Type", "")

    _document: dict | None = None

    def check_against_openapi(self, method: str, path: str, status: int, body: Any) -> None:
        """Every JSON answer of the API must match what its OpenAPI document promises for that route and status
        (an answer the document does not describe fails the test too)."""
        route = path.split("?", 1)[0]
        if not route.startswith("/api/v1/") or route == "/api/v1/openapi.json":
            return
        if Cloud._document is None:
            Cloud._document = self.api("GET", "/api/v1/openapi.json", token=None)[1]
        document = Cloud._document
        template, operation = _operation(document, method, route[len("/api/v1"):])
        assert operation is not None, f"{method} {route} is not in the OpenAPI document"
        response = operation["responses"].get(str(status))
        assert response is not None, f"{method} {template} answered {status}, which the OpenAPI document does not list"
        # The schema is reached by reference into the document, so the references inside it resolve there too.
        declared = response
        base = declared["$ref"][1:] if "$ref" in declared else _pointer(
            ["paths", template, method.lower(), "responses", str(status)])
        if "$ref" in declared:
            response = _resolve(document, declared["$ref"])
        media = next((m for m in ("application/json", "application/problem+json") if m in response.get("content", {})), None)
        assert media is not None, f"{method} {template} {status}: no JSON schema in the OpenAPI document"
        resource = referencing.Resource.from_contents(document, default_specification=referencing.jsonschema.DRAFT202012)
        registry = referencing.Registry().with_resource("urn:gridside:openapi", resource)
        validator = jsonschema.Draft202012Validator(
            {"$ref": "urn:gridside:openapi#" + base + _pointer(["content", media, "schema"])}, registry=registry)
        errors = sorted(validator.iter_errors(body), key=lambda e: list(e.path))
        assert not errors, (f"{method} {route} {status} does not match its OpenAPI schema: "
                            f"{errors[0].message} at {list(errors[0].path)}")

    def get(self, path: str, **kwargs) -> Any:
        status, body = self.api("GET", path, **kwargs)
        assert status == 200, (path, status, body)
        return body

    def sessions(self, **query) -> list[dict]:
        items: list[dict] = []
        cursor = None
        while True:
            params = {**query, "limit": 500}
            if cursor:
                params["cursor"] = cursor
            page = self.get("/api/v1/sessions?" + urllib.parse.urlencode(params))
            items += page["items"]
            cursor = page.get("next")
            if not cursor:
                return items

    def metrics(self) -> str:
        return self.get("/metrics")


def _pointer(parts: list[str]) -> str:
    return "/" + "/".join(part.replace("~", "~0").replace("/", "~1") for part in parts)


def _resolve(document: dict, ref: str) -> dict:
    node: Any = document
    for part in ref.lstrip("#/").split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def _operation(document: dict, method: str, route: str) -> tuple[str, dict | None]:
    """The path template of the document that `route` (without /api/v1) matches, and its operation."""
    for template, operations in document["paths"].items():
        pattern = "^" + re.sub(r"\\{[^/]+\\}", "[^/]+", re.escape(template)) + "$"
        if re.match(pattern, route):
            return template, operations.get(method.lower())
    return route, None


def edge_cloud_config(site: str, broker: Mosquitto, **cloud) -> dict:
    """What an edge's config needs to sync to the test cloud (short ack timeout: tests need no 30 s waits)."""
    return {"site": {"id": site}, "cloud": {"broker": broker.url, "ack_timeout_s": 3, **cloud}}


class Peer:
    """An MQTT client for tests: records what arrives on its subscriptions and publishes at QoS 1."""

    def __init__(self, broker: Mosquitto, client_id: str, subscribe: list[str] | None = None, persistent: bool = False):
        """`persistent`: the broker keeps the subscription and queues what arrives while the peer is away (a broker
        restart included), and the peer reconnects within 2 s."""
        self.messages: list[tuple[str, bytes]] = []
        self._lock = threading.Lock()
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=not persistent)
        if persistent:
            self.client.reconnect_delay_set(min_delay=1, max_delay=2)
        self.client.on_message = self._on_message
        self._subscriptions = subscribe or []
        self.client.on_connect = lambda client, *_: [client.subscribe(topic, qos=1) for topic in self._subscriptions]
        self.client.connect("127.0.0.1", broker.port)
        self.client.loop_start()
        poll(self.client.is_connected, timeout=10, what="test MQTT peer connected")

    def _on_message(self, _client, _userdata, message):
        with self._lock:
            self.messages.append((message.topic, bytes(message.payload)))

    def received(self, topic_suffix: str = "") -> list[dict]:
        with self._lock:
            return [json.loads(payload) for topic, payload in self.messages if topic.endswith(topic_suffix)]

    def publish(self, topic: str, payload: Any, retain: bool = False) -> None:
        data = payload if isinstance(payload, (bytes, str)) else json.dumps(payload)
        info = self.client.publish(topic, data, qos=1, retain=retain)
        info.wait_for_publish(10)

    def close(self) -> None:
        self.client.loop_stop()
        self.client.disconnect()


class FakeEdge:
    """Plays a site's edge on a test peer: each up message in the envelope an edge sends, numbered as an edge numbers
    them (presence unnumbered)."""

    def __init__(self, peer: Peer, site: str):
        self.peer = peer
        self.site = site
        self.seq = 0

    def send(self, kind: str, data: dict) -> None:
        if kind != "presence":
            self.seq += 1
        self.peer.publish(f"gridside/v1/{self.site}/up/{kind}",
                          {"v": 1, "site": self.site, "seq": self.seq if kind != "presence" else 0, "ts": now_iso(),
                           "type": kind, "data": data})
