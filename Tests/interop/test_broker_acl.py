"""The shipped broker ACL (config/mosquitto.acl.example) on a real mosquitto (security review, finding 32): a site's
account writes only its own up messages and reads only its own down messages; the cloud's reads every site, writes
their down messages and shares its live updates."""

from __future__ import annotations

import shutil
import subprocess
import threading
import time

import paho.mqtt.client as mqtt

from cloud import Mosquitto
from support import REPO_ROOT, poll


def client(port: int, user: str, password: str, subscribe: list[str]) -> tuple[mqtt.Client, list[str]]:
    received: list[str] = []
    lock = threading.Lock()
    peer = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"acl-{user}")
    peer.username_pw_set(user, password)

    def on_message(_client, _userdata, message):
        with lock:
            received.append(message.topic)

    peer.on_message = on_message
    peer.on_connect = lambda c, *_: [c.subscribe(topic, qos=1) for topic in subscribe]
    peer.connect("127.0.0.1", port)
    peer.loop_start()
    poll(peer.is_connected, timeout=10, what=f"{user} connected")
    time.sleep(0.3)  # the SUBACKs
    return peer, received


def test_a_site_speaks_only_on_its_own_topics_and_the_cloud_on_all(tmp_path):
    passwords = tmp_path / "passwd"
    tool = shutil.which("mosquitto_passwd")
    assert tool, "mosquitto_passwd (Debian's mosquitto package) is needed"
    passwords.touch()
    for user, password in [("site-a", "secret-a"), ("site-b", "secret-b"), ("gridside-cloud", "secret-cloud")]:
        subprocess.run([tool, "-b", str(passwords), user, password], check=True, capture_output=True, timeout=30)
    acl = tmp_path / "gridside.acl"
    acl.write_text((REPO_ROOT / "config" / "mosquitto.acl.example").read_text())
    broker = Mosquitto(tmp_path / "broker")
    broker.config_path.write_text(
        f"listener {broker.port} 127.0.0.1\nallow_anonymous false\npassword_file {passwords}\nacl_file {acl}\n"
        # Started as root (the tests are), mosquitto would read the files as its own user, which the test's
        # private directory does not let in.
        "user root\nlog_dest stderr\n")
    broker.start()
    try:
        cloud, cloud_got = client(broker.port, "gridside-cloud", "secret-cloud",
                                  ["gridside/v1/+/up/#", "gridside/cloud/v1/live/#"])
        site_a, a_got = client(broker.port, "site-a", "secret-a",
                               ["gridside/v1/site-a/down/#", "gridside/v1/site-b/down/#", "gridside/v1/+/up/#"])
        site_b, b_got = client(broker.port, "site-b", "secret-b", ["gridside/v1/site-b/down/#"])
        for peer, topic in [(site_a, "gridside/v1/site-a/up/event"), (site_a, "gridside/v1/site-b/up/station.boot"),
                            (cloud, "gridside/v1/site-a/down/command"), (cloud, "gridside/v1/site-b/down/command"),
                            (cloud, "gridside/cloud/v1/live/instance-1"), (site_a, "gridside/v1/site-a/down/command")]:
            peer.publish(topic, b"{}", qos=1).wait_for_publish(10)
        time.sleep(1.0)
        # Site A's own up message reached the cloud; the one it sent about site B did not.
        assert "gridside/v1/site-a/up/event" in cloud_got and "gridside/v1/site-b/up/station.boot" not in cloud_got
        assert "gridside/cloud/v1/live/instance-1" in cloud_got
        # Each site hears its own down messages only (and no site's up messages); a site cannot command itself.
        assert a_got == ["gridside/v1/site-a/down/command"], a_got
        assert b_got == ["gridside/v1/site-b/down/command"], b_got
        for peer in (cloud, site_a, site_b):
            peer.loop_stop()
            peer.disconnect()
    finally:
        broker.stop()
