"""Fixtures: a gridside-edge daemon per test, on a temporary config and store, on ports the OS chooses."""

from __future__ import annotations

import itertools

import pytest

from support import Edge, deep_merge

TOKENS = [
    {"id_tag": "TOKEN-OK"},
    {"id_tag": "TOKEN-BLOCKED", "status": "Blocked"},
    {"id_tag": "TOKEN-EXPIRED", "expiry": "2020-01-01T00:00:00Z"},
    {"id_tag": "TOKEN-CHILD", "parent_id_tag": "FLEET-PARENT"},
]


def base_config(directory) -> dict:
    return {
        "site": {"id": "interop-site", "name": "Interop Site"},
        # The tests' chargers have no passwords unless a test gives them one: opted out of the secure defaults
        # (basic_auth on, unknown stations pending), which tests of their own cover.
        "ocpp": {"listen": "127.0.0.1:0", "heartbeat_interval": 120, "basic_auth": False, "unknown_stations": "accept"},
        "http": {"listen": "127.0.0.1:0"},
        "store": {"path": str(directory / "edge.sqlite")},
        "authorization": {"unknown_tokens": "reject", "tokens": TOKENS},
        "log": {"level": "info"},
    }


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture
def make_edge(tmp_path, request):
    """Starts an edge with the base config deep-merged with `overrides`; stops every one after the test and
    checks that each exits 0 on SIGTERM (unless the test killed it last)."""
    edges: list[Edge] = []
    counter = itertools.count(1)

    def make(overrides: dict | None = None, start: bool = True, directory=None) -> Edge:
        n = next(counter)
        where = directory or (tmp_path / f"edge{n}")
        where.mkdir(parents=True, exist_ok=True)
        config = deep_merge(base_config(where), overrides or {})
        edge = Edge(where, config, name=f"edge{n}")
        edges.append(edge)
        if start:
            edge.start()
        return edge

    yield make

    failures = []
    for edge in edges:
        if edge.proc is None:
            continue
        was_running = edge.running
        code = edge.stop()
        if was_running and edge.expect_clean_exit and code != 0:
            failures.append(f"{edge.name} exited with {code} on SIGTERM")
    failed = getattr(request.node, "rep_call", None)
    if (failed is not None and failed.failed) or failures:
        for edge in edges:
            print(f"\n===== {edge.name} log ({edge.log_path}) =====\n{edge.log_tail(80)}")
    assert not failures, failures


@pytest.fixture
def edge(make_edge) -> Edge:
    """An edge with the base config: unknown stations accepted, unknown tokens rejected."""
    return make_edge()


@pytest.fixture
def broker(tmp_path):
    """A real mosquitto on a free port, stopped after the test."""
    from cloud import Mosquitto

    instance = Mosquitto(tmp_path / "broker").start()
    yield instance
    instance.stop()


@pytest.fixture
def make_cloud(tmp_path, request, broker):
    """Starts gridside-cloud instances on the test broker; each stops after the test and must exit 0."""
    from cloud import Cloud

    clouds = []
    counter = itertools.count(1)

    def make(overrides: dict | None = None, sites: tuple[str, ...] = (), start: bool = True):
        instance = Cloud(tmp_path / f"cloud{next(counter)}", broker, overrides)
        for site in sites:
            instance.add_site(site)
        instance.create_token()
        if start:
            instance.start()
        clouds.append(instance)
        return instance

    yield make
    codes = [(instance, instance.stop()) for instance in clouds if instance.proc]
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        for instance in clouds:
            print(f"\n===== cloud log ({instance.log_path}) =====\n{instance.log_tail(80)}")
        print(f"\n===== mosquitto log =====\n{broker.log_tail()}")
    assert all(code == 0 for _, code in codes), [code for _, code in codes]


@pytest.fixture
def browsers():
    """Opens headless Chromium windows (`browsers(base_url)`); each is closed after the test."""
    from browser import Browser

    opened = []

    def make(base_url: str, **kwargs):
        browser = Browser(base_url, **kwargs)
        opened.append(browser)
        return browser

    yield make
    for browser in opened:
        browser.close()
