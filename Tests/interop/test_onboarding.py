"""A site onboarded from an empty cloud, in the browser, as an operator would: the cloud makes the site's account on a
real mosquitto (its dynamic-security plugin), the edge's `cloud:` section is copied from the page into a real edge's
configuration, the edge connects and its charger appears; the account may speak only on the site's own topics; a new
password locks the old one out; retiring the site (confirmed, its edge being online) removes the account, and the
broker refuses the site's credentials from then on. The API's routes answer the same way."""

from __future__ import annotations

import shutil
import subprocess
import time
import urllib.parse

import paho.mqtt.client as mqtt
import yaml

from cloud import Mosquitto
from support import arun, charger, poll

CLOUD_USER, CLOUD_PASSWORD = "gridside-cloud", "cloud-secret-for-tests"


def dynsec_broker(directory) -> Mosquitto:
    """A mosquitto whose accounts are its dynamic-security plugin's, the cloud's account its administrator, as
    `mosquitto_ctrl dynsec init` makes it (README, "Connecting an edge to a cloud")."""
    broker = Mosquitto(directory)
    state = directory / "dynamic-security.json"
    tool = shutil.which("mosquitto_ctrl")
    assert tool, "mosquitto_ctrl (Debian's mosquitto package) is needed"
    subprocess.run([tool, "dynsec", "init", str(state), CLOUD_USER, CLOUD_PASSWORD], check=True, capture_output=True,
                   timeout=30)
    plugin = next(p for p in ("/usr/lib/x86_64-linux-gnu/mosquitto_dynamic_security.so",
                              "/usr/lib/aarch64-linux-gnu/mosquitto_dynamic_security.so",
                              "/usr/lib/mosquitto_dynamic_security.so") if shutil.os.path.exists(p))
    broker.config_path.write_text(
        f"listener {broker.port} 127.0.0.1\nallow_anonymous false\nplugin {plugin}\nplugin_opt_config_file {state}\n"
        f"persistence false\nuser root\nlog_dest stderr\n")
    return broker.start()


def connects(port: int, user: str, password: str) -> tuple[bool, list[str]]:
    """Whether the broker lets `user` in, and what it then receives of what it subscribed to."""
    outcome: list[str] = []
    received: list[str] = []
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"probe-{user}-{time.monotonic_ns()}")
    client.username_pw_set(user, password)
    client.on_connect = lambda c, u, f, reason, p: outcome.append(str(reason))
    client.on_message = lambda c, u, m: received.append(m.topic)
    client.connect("127.0.0.1", port)
    client.loop_start()
    poll(lambda: outcome, timeout=10, what=f"an answer to {user}'s CONNECT")
    client.loop_stop()
    client.disconnect()
    return outcome[0] == "Success", received


def test_a_site_is_onboarded_in_the_browser_its_edge_connects_and_retiring_it_locks_it_out(
        tmp_path, make_cloud, make_edge, browsers):
    from browser import PASSWORD, add_user
    from selenium.webdriver.common.by import By

    broker = dynsec_broker(tmp_path / "dynsec")
    try:
        cloud = make_cloud(overrides={"mqtt": {
            "broker": broker.url, "username": CLOUD_USER, "password": CLOUD_PASSWORD, "dynamic_security": True,
            "site_broker_url": broker.url}})
        assert cloud.get("/api/v1/sites")["items"] == [], "an empty cloud"
        add_user(cloud, "ada", "admin")
        browser = browsers(f"https://127.0.0.1:{cloud.port}")
        browser.sign_in("ada", PASSWORD)
        browser.open("/")
        browser.driver.find_element(By.ID, "add-site").click()
        browser.wait(lambda d: d.find_elements(By.ID, "new-site"), "the new site's form")
        browser.driver.find_element(By.ID, "n-id").send_keys("depot-east")
        browser.driver.find_element(By.ID, "n-name").send_keys("Depot East")
        browser.driver.find_element(By.ID, "n-tz").send_keys("Europe/Berlin")
        browser.driver.find_element(By.ID, "create-site").click()
        browser.wait(lambda d: d.find_elements(By.ID, "edge-config"), "the edge's configuration")
        section = browser.driver.find_element(By.ID, "edge-config").text
        download = browser.driver.find_element(By.ID, "download-config").get_attribute("href")
        edge_config = yaml.safe_load(section)
        assert download.startswith("data:text/yaml") and yaml.safe_load(
            urllib.parse.unquote(download.split(",", 1)[1])) == edge_config, "the download is what the page shows"
        assert edge_config["site"] == {"id": "depot-east"} and edge_config["cloud"]["broker"] == broker.url
        password = edge_config["cloud"]["password"]

        assert connects(broker.port, "depot-east", "wrong-password")[0] is False

        # The real edge with the copied section connects, and its charger appears in the cloud.
        edge = make_edge({**edge_config, "cloud": {**edge_config["cloud"], "ack_timeout_s": 3}})

        async def boot():
            async with charger(edge, "CP-EAST-1") as cp:
                await cp.boot()
                await poll_async(lambda: cloud.get("/api/v1/fleet?site=depot-east")["total"] == 1)
        arun(boot(), timeout=60)
        poll(lambda: cloud.get("/api/v1/sites/depot-east")["online"], timeout=20, what="the site online")
        station = cloud.get("/api/v1/fleet?site=depot-east")["items"][0]
        assert station["id"] == "CP-EAST-1" and station["siteName"] == "Depot East"

        # The account speaks only on the site's own topics: its up messages reach the cloud's account, another
        # site's do not, and it hears its own down topic only.
        assert own_topics_only(broker.port, "depot-east", password)

        # Retiring a site whose edge is online needs the confirmation.
        status, body = cloud.api("POST", "/api/v1/sites/depot-east/retire")
        assert status == 409 and body["detail"].startswith("confirm"), body

        # A new password: the old one is refused, the new one lets the site in; the edge, on the old one, is
        # disconnected, and the site shown offline.
        browser.open("/sites/depot-east")
        browser.driver.find_element(By.CSS_SELECTOR, "#site-account summary").click()
        browser.driver.find_element(By.ID, "rotate-credentials").click()
        browser.wait(lambda d: d.find_elements(By.ID, "edge-config"), "the new configuration")
        rotated = yaml.safe_load(browser.driver.find_element(By.ID, "edge-config").text)["cloud"]["password"]
        assert rotated != password
        assert connects(broker.port, "depot-east", password)[0] is False
        assert connects(broker.port, "depot-east", rotated)[0] is True
        assert cloud.get("/api/v1/sites/depot-east")["online"] is False

        # Retired (offline now: no confirmation asked): the broker refuses its credentials from then on.
        browser.open("/sites/depot-east")
        browser.driver.find_element(By.CSS_SELECTOR, "#site-account summary").click()
        assert not browser.driver.find_elements(By.ID, "retire-confirm")
        browser.driver.find_element(By.ID, "retire").click()
        browser.wait(lambda d: d.find_elements(By.ID, "add-site"), "the home page")
        assert connects(broker.port, "depot-east", rotated)[0] is False
        assert cloud.get("/api/v1/sites")["items"] == []
        assert cloud.api("GET", "/api/v1/sites/depot-east")[0] == 404

        # The API: a site made with its account, refused twice, retired without confirmation while offline.
        status, made = cloud.api("POST", "/api/v1/sites", {"id": "depot-west", "name": "Depot West"})
        assert status == 201 and made["managed"] is True and made["username"] == "depot-west", made
        assert connects(broker.port, "depot-west", made["password"])[0] is True
        status, body = cloud.api("POST", "/api/v1/sites", {"id": "depot-west"})
        assert status == 409 and body["detail"].startswith("id"), body
        status, body = cloud.api("POST", "/api/v1/sites", {"id": "depot/north"})
        assert status == 400 and body["detail"].startswith("id"), body
        status, body = cloud.api("POST", "/api/v1/sites", {"id": CLOUD_USER})
        assert status == 400 and "cloud's own" in body["detail"], body
        assert cloud.api("POST", "/api/v1/sites/depot-west/retire", {"confirm": False})[0] == 204
        assert connects(broker.port, "depot-west", made["password"])[0] is False
        # The command line makes the account too, with the broker's plugin, and prints the edge's section.
        printed = cloud.cli("site", "add", "depot-cli", "--name", "Depot CLI")
        section = yaml.safe_load(printed[printed.index("site:"):])
        assert section["site"]["id"] == "depot-cli" and section["cloud"]["username"] == "depot-cli", printed
        assert connects(broker.port, "depot-cli", section["cloud"]["password"])[0] is True
        assert cloud.get("/api/v1/sites/depot-cli")["name"] == "Depot CLI"
        viewer = cloud.create_token(role="operator")
        status, body = cloud.api("POST", "/api/v1/sites", {"id": "depot-south"}, token=viewer)
        assert status == 403, body
    finally:
        broker.stop()


def own_topics_only(port: int, site: str, password: str) -> bool:
    """Publishes as the site to its own up topic and to another site's, with the cloud's account listening to every
    up topic; subscribes as the site to its own down topic and to another's, with the cloud publishing to both."""
    heard: list[str] = []
    cloud = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="probe-cloud")
    cloud.username_pw_set(CLOUD_USER, CLOUD_PASSWORD)
    cloud.on_message = lambda c, u, m: heard.append(m.topic)
    cloud.connect("127.0.0.1", port)
    cloud.loop_start()
    poll(cloud.is_connected, timeout=10, what="the cloud's probe connected")
    cloud.subscribe("gridside/v1/+/up/#", qos=1)
    edge = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"probe-{site}")
    edge.username_pw_set(site, password)
    edge.on_message = lambda c, u, m: heard.append("edge:" + m.topic)
    edge.connect("127.0.0.1", port)
    edge.loop_start()
    poll(edge.is_connected, timeout=10, what="the site's probe connected")
    edge.subscribe([(f"gridside/v1/{site}/down/#", 1), ("gridside/v1/other-site/down/#", 1)])
    time.sleep(0.5)
    for topic in (f"gridside/v1/{site}/up/probe", "gridside/v1/other-site/up/probe"):
        edge.publish(topic, "{}", qos=1).wait_for_publish(5)
    for topic in (f"gridside/v1/{site}/down/probe", "gridside/v1/other-site/down/probe"):
        cloud.publish(topic, "{}", qos=1).wait_for_publish(5)
    time.sleep(1.0)
    for client in (cloud, edge):
        client.loop_stop()
        client.disconnect()
    probes = sorted(topic for topic in heard if topic.endswith("/probe"))  # retained presence and acks aside
    return probes == sorted([f"gridside/v1/{site}/up/probe", f"edge:gridside/v1/{site}/down/probe"]) or print(
        "heard:", heard)


async def poll_async(predicate, timeout: float = 30.0):
    import asyncio
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await asyncio.to_thread(predicate):
            return
        await asyncio.sleep(0.2)
    raise AssertionError("the station never appeared in the cloud")
