"""The command line as an installer meets it: `check` and `run` name the same problems, by key, and refuse."""

from __future__ import annotations

import subprocess

from support import edge_binary


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(edge_binary()), *args], capture_output=True, text=True, timeout=30)


def test_check_and_run_refuse_the_same_problems_naming_each_key(tmp_path):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where the store's directory should be")
    config = tmp_path / "edge.yaml"
    config.write_text(
        "site:\n  id: cli-test\n"
        f"store:\n  path: {blocker}/edge.sqlite\n"
        "ocpp:\n  basic_auth: true\n  unknown_stations: sometimes\n"
        "stations:\n  - id: CP1\n")
    check = run_cli("check", "--config", str(config))
    run = run_cli("run", "--config", str(config))
    assert check.returncode == 78 and run.returncode == 78
    assert "ocpp.unknown_stations: must be one of accept, pending, reject" in check.stdout + check.stderr
    assert "ocpp.unknown_stations" in run.stderr

    config.write_text(
        "site:\n  id: cli-test\n"
        f"store:\n  path: {blocker}/edge.sqlite\n"
        "ocpp:\n  basic_auth: true\n"
        "stations:\n  - id: CP1\n")
    check = run_cli("check", "--config", str(config))
    run = run_cli("run", "--config", str(config))
    assert check.returncode == 78 and run.returncode == 78
    for output in (check.stderr, run.stderr):
        assert "store.path: directory" in output and "is not writable" in output


def test_secure_defaults_and_what_check_says_of_them(tmp_path):
    """Security review, finding 4: without explicit choices, stations authenticate and unknown ones wait."""
    config = tmp_path / "edge.yaml"
    config.write_text(f"site:\n  id: cli-secure\nstore:\n  path: {tmp_path}/edge.sqlite\nstations:\n  - id: CP1\n")
    check = run_cli("check", "--config", str(config))
    assert check.returncode == 0, check.stderr
    assert "Basic auth required, unknown stations: pending" in check.stdout
    assert "stations: ocpp.basic_auth is on (the default), so CP1 cannot connect until each has a password_hash" \
        in check.stdout


def test_check_describes_a_valid_configuration(tmp_path):
    config = tmp_path / "edge.yaml"
    config.write_text(f"site:\n  id: cli-ok\nstore:\n  path: {tmp_path}/edge.sqlite\n")
    check = run_cli("check", "--config", str(config))
    assert check.returncode == 0, check.stderr
    assert "is valid" in check.stdout and "ws://0.0.0.0:9000/ocpp/<stationId>" in check.stdout


def test_hash_password_refuses_passwords_ocpp_does_not_allow():
    short = subprocess.run([str(edge_binary()), "hash-password", "--cost", "4"], input="tooshort\n",
                           capture_output=True, text=True, timeout=30)
    assert short.returncode != 0 and "16 to 40 characters" in short.stderr
    good = subprocess.run([str(edge_binary()), "hash-password", "--cost", "4"], input="a-fine-station-password\n",
                          capture_output=True, text=True, timeout=30)
    assert good.returncode == 0 and good.stdout.startswith("$2")


def test_check_warns_about_what_leaves_the_site_open(tmp_path):
    """Security review, findings 4 and 15: profile 0, plain ws:// on the network, the local HTTP interface on the
    network and plain mqtt:// to a remote broker are each named by key (a warning: a demo may choose so)."""
    config = tmp_path / "edge.yaml"
    config.write_text(
        "site:\n  id: open-site\n"
        f"store:\n  path: {tmp_path}/edge.sqlite\n"
        "ocpp:\n  listen: 0.0.0.0:9000\n  basic_auth: false\n  unknown_stations: accept\n"
        "http:\n  listen: 0.0.0.0:9001\n"
        "cloud:\n  broker: mqtt://broker.example.com:1883\n")
    check = run_cli("check", "--config", str(config))
    assert check.returncode == 0, check.stdout + check.stderr
    for named in ("warning: ocpp: stations connect without a password", "warning: ocpp.listen: chargers connect over plain ws://",
                  "warning: http.listen:", "warning: cloud.broker: mqtt:// to broker.example.com"):
        assert named in check.stdout, (named, check.stdout)
    config.write_text(
        "site:\n  id: closed-site\n"
        f"store:\n  path: {tmp_path}/edge2.sqlite\n"
        "ocpp:\n  listen: 127.0.0.1:9000\n  unknown_stations: pending\n"
        "cloud:\n  broker: mqtts://broker.example.com:8883\n")
    check = run_cli("check", "--config", str(config))
    assert check.returncode == 0 and "warning:" not in check.stdout, check.stdout
