"""Checks of every dashboard page that can be made without axe-core (not available offline), in headless Chromium:
each form field labelled, one h1 and no skipped heading level, every link, button and chart named, the language
declared, ids unique, keyboard focus reaching the controls with a visible outline, no page wider than a 390 px phone
screen, the header on one line at 1280 px; and the stylesheet's colour pairs at WCAG 2.1 AA contrast (4.5:1)."""

from __future__ import annotations

import re

from browser import PASSWORD, add_user
from cloud import FakeEdge, Peer
from support import REPO_ROOT, now_iso, poll

SITE = "site-a11y"

PAGES = ["/", "/fleet", "/topology", f"/sites/{SITE}", f"/sites/{SITE}/stations/CP-A1", "/sessions", "/events",
         "/notifications", "/notification-rules", "/groups", "/vehicles", "/reports", "/cards", "/statements",
         "/tariffs", "/firmware", "/access", "/sites/new", f"/sites/{SITE}/load-management", "/home/sites",
         f"/sites/{SITE}/stations/CP-A1/registration", "/account/two-factor", "/roaming"]
SIGNED_OUT = ["/login", "/password-reset"]

CHECKS = """
const problems = [];
const named = el => (el.textContent || '').trim() || el.getAttribute('aria-label') || el.getAttribute('title')
    || (el.getAttribute('aria-labelledby') && document.getElementById(el.getAttribute('aria-labelledby')));
for (const el of document.querySelectorAll('input, select, textarea')) {
  if (['hidden', 'submit', 'button'].includes(el.type)) continue;
  const label = (el.id && document.querySelector('label[for="' + CSS.escape(el.id) + '"]')) || el.closest('label')
      || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby');
  if (!label) problems.push('a field without a label: ' + el.outerHTML.slice(0, 100));
}
const levels = [...document.querySelectorAll('h1, h2, h3, h4, h5, h6')].map(h => Number(h.tagName[1]));
if (levels.filter(l => l === 1).length !== 1) problems.push('h1 elements: ' + levels.filter(l => l === 1).length);
levels.forEach((level, i) => { if (i > 0 && level > levels[i - 1] + 1) problems.push('heading h' + levels[i - 1] + ' then h' + level); });
for (const el of document.querySelectorAll('a[href], button')) {
  if (!named(el)) problems.push('a control without a name: ' + el.outerHTML.slice(0, 100));
}
for (const el of document.querySelectorAll('svg[role="img"]')) {
  if (!el.getAttribute('aria-label')) problems.push('a chart without a name');
}
if (!document.documentElement.lang) problems.push('no lang on <html>');
const ids = [...document.querySelectorAll('[id]')].map(el => el.id);
const twice = ids.filter((id, i) => ids.indexOf(id) !== i);
if (twice.length) problems.push('ids used twice: ' + [...new Set(twice)].join(', '));
return problems;
"""


def relative_luminance(hex_colour: str) -> float:
    if len(hex_colour) == 4:  # #fff
        hex_colour = "#" + "".join(c * 2 for c in hex_colour[1:])
    channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    light, dark = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_the_stylesheets_colour_pairs_reach_wcag_aa_contrast():
    css = (REPO_ROOT / "Cloud" / "CloudWeb" / "Resources" / "dashboard.css").read_text()
    colours = dict(re.findall(r"--([a-z]+):\s*(#[0-9a-fA-F]{6}|#[0-9a-fA-F]{3})\b", css))
    header = re.search(r"header\.top \{[^}]*background: (#[0-9a-fA-F]{6})", css).group(1)
    current = re.search(r'header\.top a\[aria-current="page"\] \{ background: (#[0-9a-fA-F]{6})', css).group(1)
    who = re.search(r"header\.top \.who \{ color: (#[0-9a-fA-F]{6})", css).group(1)
    # Text on what it is written on: body text, muted notes, links, the states' colours, the header's words.
    pairs = [(colours[text], colours[ground]) for text in ("ink", "muted", "accent", "ok", "warn", "bad", "use")
             for ground in ("bg", "card")]
    pairs += [("#ffffff", header), ("#ffffff", current), (who, header)]
    weak = [(text, ground, round(contrast(text, ground), 2)) for text, ground in pairs if contrast(text, ground) < 4.5]
    assert not weak, f"colour pairs under 4.5:1: {weak}"


def test_every_page_is_labelled_headed_named_reachable_by_keyboard_and_fits_a_phone(make_cloud, broker, browsers):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    cloud = make_cloud(sites=(SITE,))
    peer = Peer(broker, "fake-edge")
    send = FakeEdge(peer, SITE).send

    send("presence", {"online": True})
    for station in ("CP-A1", "CP-A2"):
        send("station.boot", {"station": station, "vendor": "ACME", "model": "Wallbox", "approval": "accepted",
                              "time": now_iso()})
        send("station.connection", {"station": station, "connected": True, "time": now_iso(), "protocol": "ocpp1.6"})
        send("connector.status", {"station": station, "connector": 1, "status": "Available", "errorCode": "NoError",
                                  "time": now_iso()})
    poll(lambda: cloud.get(f"/api/v1/fleet?site={SITE}")["total"] == 2, timeout=20, what="the stations")
    add_user(cloud, "ada", "admin")
    browser = browsers(f"https://127.0.0.1:{cloud.port}")
    driver = browser.driver
    found: dict[str, list[str]] = {}

    def check(path: str) -> None:
        browser.open(path)
        problems = driver.execute_script(CHECKS)
        # Keyboard: Tab moves the focus from control to control, each outlined while it has it.
        focused = []
        body = driver.find_element("tag name", "body")
        body.click()
        for _ in range(12):
            ActionChains(driver).send_keys(Keys.TAB).perform()
            state = driver.execute_script(
                "const el = document.activeElement; const style = getComputedStyle(el);"
                "return [el.tagName, el.id || el.getAttribute('href') || el.outerHTML.slice(0, 80), style.outlineStyle,"
                " style.outlineWidth];")
            focused.append(state)
            if state[0] != "BODY" and (state[2] == "none" or state[3] == "0px"):
                problems.append(f"no visible focus on {state[0]} {state[1]}")
        if len({tuple(f[:2]) for f in focused}) < 3:
            problems.append(f"Tab reaches too little: {focused[:4]}")
        # A phone's width: nothing wider than the screen (tables scroll inside themselves).
        driver.set_window_size(390, 844)
        browser.open(path)
        wide = driver.execute_script("return document.documentElement.scrollWidth - window.innerWidth;")
        if wide > 1:
            problems.append(f"{wide}px wider than a 390 px screen")
        driver.set_window_size(1280, 1000)
        if problems:
            found[path] = problems

    for path in SIGNED_OUT:
        check(path)
    browser.sign_in("ada", PASSWORD)
    for path in PAGES:
        check(path)
    # The header on one line at 1280 px: its height is one row of links.
    browser.open("/")
    height = driver.execute_script("return document.querySelector('header.top').getBoundingClientRect().height;")
    if height > 60:
        found["header"] = [f"the header is {height}px high at 1280 px: more than one line"]
    driver.set_window_size(390, 844)
    browser.open("/fleet")
    browser.screenshot("phone-fleet.png")
    driver.set_window_size(1280, 1000)
    assert not found, "\n".join(f"{path}: {'; '.join(problems)}" for path, problems in found.items())
    peer.close()
