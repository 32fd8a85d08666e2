"""Two-factor sign-in in headless Chromium, with pyotp as the independent authenticator app: an administrator requires
it for a role over the API; a user of that role is held on the set-up page until the app's code confirms the key the
page shows; from then on the password alone leads to the code page, where a wrong code and a code used once already
are refused; the requirement reaches a user signed in before it; an administrator removes a lost authenticator."""

from __future__ import annotations

import time
import urllib.parse

import pyotp
from selenium.webdriver.common.by import By

from browser import PASSWORD, add_user


def password_step(browser, user: str) -> None:
    browser.open("/login")
    browser.driver.find_element(By.ID, "user").send_keys(user)
    browser.driver.find_element(By.ID, "password").send_keys(PASSWORD)
    browser.driver.find_element(By.ID, "sign-in").click()


def enter(browser, field: str, button: str, code: str) -> None:
    browser.driver.find_element(By.ID, field).send_keys(code)
    browser.driver.find_element(By.ID, button).click()


def test_a_role_requires_two_factor_sign_in_and_each_code_is_good_once(make_cloud, browsers):
    cloud = make_cloud()
    add_user(cloud, "olga", "operator")
    add_user(cloud, "vic", "viewer")
    status, body = cloud.api("PUT", "/api/v1/two-factor", {"roles": ["operator"]})
    assert status == 200 and body == {"roles": ["operator"]}, body
    status, body = cloud.api("PUT", "/api/v1/two-factor", {"roles": ["operator", "wizard"]})
    assert status == 400 and "wizard" in body["detail"], body

    browser = browsers(f"https://127.0.0.1:{cloud.port}")
    password_step(browser, "olga")
    browser.wait(lambda d: d.find_elements(By.ID, "enroll"), "the set-up page")
    # Nothing else opens until it is set up.
    browser.open("/fleet")
    assert browser.path().startswith("/account/two-factor") and browser.driver.find_elements(By.ID, "enroll")
    secret = browser.driver.find_element(By.ID, "tfa-secret").text.replace(" ", "")
    link = urllib.parse.urlparse(browser.driver.find_element(By.ID, "tfa-link").get_attribute("href"))
    assert link.scheme == "otpauth" and link.netloc == "totp" and urllib.parse.unquote(link.path) == "/Gridside:olga"
    assert urllib.parse.parse_qs(link.query)["secret"] == [secret]
    app = pyotp.TOTP(secret)
    enter(browser, "enroll-code", "confirm-two-factor", "000000" if app.now() != "000000" else "111111")
    browser.wait(lambda d: d.find_elements(By.CSS_SELECTOR, "p.problem"), "the wrong code refused")
    enter(browser, "enroll-code", "confirm-two-factor", app.now())
    browser.wait(lambda d: d.find_elements(By.ID, "logout"), "signed in once set up")
    used = app.now()
    browser.sign_out()

    # From now on: the password, then the app's code, each code good once.
    password_step(browser, "olga")
    browser.wait(lambda d: d.find_elements(By.ID, "check-code"), "the code page")
    browser.open("/sessions")
    assert browser.path().startswith("/login/code"), "half signed in opens nothing else"
    enter(browser, "code", "check-code", used)
    browser.wait(lambda d: d.find_elements(By.CSS_SELECTOR, "p.problem"), "the used code refused")
    following = app.at(time.time() + 30)  # the next step's code: within the one step either side taken
    enter(browser, "code", "check-code", following)
    browser.wait(lambda d: d.find_elements(By.ID, "logout"), "signed in with the code")
    browser.sign_out()

    # A user signed in before their role came to require it is held at the set-up page at the next page.
    password_step(browser, "vic")
    browser.wait(lambda d: d.find_elements(By.ID, "logout"), "the viewer signed in with the password alone")
    assert cloud.api("PUT", "/api/v1/two-factor", {"roles": ["operator", "viewer"]})[0] == 200

    def held(d):
        d.get(browser.base_url + "/fleet")
        return d.find_elements(By.ID, "enroll")

    browser.wait(held, "the viewer held at the set-up page", timeout=15)
    browser.driver.find_element(By.ID, "cancel-sign-in").click()
    browser.wait(lambda d: d.find_elements(By.ID, "sign-in"), "signed out")

    # A lost phone: an administrator removes the authenticator, and the role makes the user set up a new one.
    assert cloud.api("DELETE", "/api/v1/users/olga/two-factor")[0] == 204
    assert cloud.api("DELETE", "/api/v1/users/nobody/two-factor")[0] == 404
    viewer_token = cloud.create_token("viewer")
    assert cloud.api("GET", "/api/v1/two-factor", None, viewer_token)[0] == 403
    password_step(browser, "olga")
    browser.wait(lambda d: d.find_elements(By.ID, "enroll"), "the set-up page again")
    assert browser.driver.find_element(By.ID, "tfa-secret").text.replace(" ", "") != secret
    assert "two-factor sign-in removed" in cloud.log_text()
