"""A forgotten password, in the browser, through the real cloud and a real SMTP server (aiosmtpd): the link is
mailed in the user's language to the address the account has, the same answer is given for a login that does not
exist, the link sets a new password once, and the old password no longer signs in."""

from __future__ import annotations

import re

from browser import PASSWORD, add_user
from support import poll
from test_notifications import MailHandler


def test_a_mailed_link_sets_a_new_password_once(make_cloud, browsers):
    from aiosmtpd.controller import Controller
    from selenium.webdriver.common.by import By

    from meters import free_port

    handler, port = MailHandler(), free_port()
    server = Controller(handler, hostname="127.0.0.1", port=port)
    server.start()
    try:
        cloud = make_cloud(overrides={
            "smtp": {"host": "127.0.0.1", "port": port, "security": "none", "from": "noreply@gridside.test"}})
        add_user(cloud, "greta", "viewer", "--language", "de", "--email", "greta@fleet.test")
        browser = browsers(f"https://127.0.0.1:{cloud.port}")

        def ask(login: str) -> str:
            browser.open("/login")
            browser.driver.find_element(By.ID, "forgot").click()
            browser.wait(lambda d: d.find_elements(By.ID, "ask-reset"), "the reset form")
            browser.driver.find_element(By.ID, "login").send_keys(login)
            browser.driver.find_element(By.ID, "send-link").click()
            browser.wait(lambda d: d.find_elements(By.ID, "reset-asked"), "the answer")
            return browser.driver.find_element(By.ID, "reset-asked").text

        # A login nobody has gets the same answer, and no mail.
        assert ask("nobody") == ask("greta@fleet.test")
        poll(lambda: len(handler.mails) == 1, timeout=20, what="the reset mail")
        _sender, recipients, message = handler.mails[0]
        assert recipients == ["greta@fleet.test"] and "Passwort zurücksetzen" in message["Subject"]
        text = message.get_body(preferencelist=("plain",)).get_content()
        link = re.search(r"https://\S+/password-reset/[0-9a-f]{64}", text).group(0)
        assert link.startswith(f"https://127.0.0.1:{cloud.port}/"), "links are built on http.public_url"

        # The link: a mismatch is refused without spending it; then the new password is set and the old one fails.
        path = link.split(f":{cloud.port}", 1)[1]
        browser.open(path)
        browser.driver.find_element(By.ID, "password").send_keys("a-new-password-1")
        browser.driver.find_element(By.ID, "repeated").send_keys("another-password")
        browser.driver.find_element(By.ID, "set-password").click()
        browser.wait(lambda d: "do not match" in d.page_source, "the mismatch refused")
        browser.open(path)
        browser.driver.find_element(By.ID, "password").send_keys("a-new-password-1")
        browser.driver.find_element(By.ID, "repeated").send_keys("a-new-password-1")
        browser.driver.find_element(By.ID, "set-password").click()
        browser.wait(lambda d: d.find_elements(By.ID, "reset-done"), "the sign-in page, the password set")
        browser.sign_in("greta", "a-new-password-1")
        assert browser.path() == "/"
        browser.sign_out()
        browser.open("/login")
        browser.driver.find_element(By.ID, "user").send_keys("greta")
        browser.driver.find_element(By.ID, "password").send_keys(PASSWORD)
        browser.driver.find_element(By.ID, "sign-in").click()
        browser.wait(lambda d: "failed=1" in d.current_url, "the old password refused")

        # Used once.
        browser.open(path)
        browser.driver.find_element(By.ID, "password").send_keys("a-third-password")
        browser.driver.find_element(By.ID, "repeated").send_keys("a-third-password")
        browser.driver.find_element(By.ID, "set-password").click()
        browser.wait(lambda d: "not valid" in d.page_source, "the spent link refused")
    finally:
        server.stop()
