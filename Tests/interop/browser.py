"""A real headless Chromium (Debian's chromium and chromium-driver) driven with selenium, for the dashboard tests."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException, WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

ARTIFACTS = Path(os.environ.get("GRIDSIDE_TEST_ARTIFACTS", Path(__file__).resolve().parents[2] / ".build" / "test-artifacts"))


def chromium_paths() -> tuple[str, str]:
    browser = shutil.which("chromium") or "/usr/bin/chromium"
    driver = shutil.which("chromedriver") or "/usr/bin/chromedriver"
    for path in (browser, driver):
        if not Path(path).exists():
            raise RuntimeError(f"{path} is missing: apt-get install chromium chromium-driver (make test does)")
    return browser, driver


class Browser:
    """One headless Chromium window on the cloud's HTTPS port (its self-signed certificate accepted)."""

    def __init__(self, base_url: str, accept_language: str = "en-GB,en"):
        browser, driver = chromium_paths()
        options = Options()
        options.binary_location = browser
        for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--ignore-certificate-errors",
                         "--window-size=1280,1000", "--disable-gpu"):
            options.add_argument(argument)
        options.add_experimental_option("prefs", {"intl.accept_languages": accept_language})
        self.driver = webdriver.Chrome(service=Service(driver), options=options)
        self.driver.set_page_load_timeout(30)
        self.base_url = base_url.rstrip("/")

    def open(self, path: str) -> None:
        self.driver.get(self.base_url + path)

    def sign_in(self, user: str, password: str) -> None:
        self.open("/login")
        self.driver.find_element(By.ID, "user").send_keys(user)
        self.driver.find_element(By.ID, "password").send_keys(password)
        self.driver.find_element(By.ID, "sign-in").click()
        self.wait(lambda d: d.find_elements(By.ID, "logout"), "signed in")

    def sign_out(self) -> None:
        """Signs out and waits for the sign-in page: opening another page before would still carry the session."""
        self.driver.find_element(By.ID, "logout").click()
        self.wait(lambda d: d.find_elements(By.ID, "sign-in") and not d.find_elements(By.ID, "logout"), "signed out")

    def wait(self, condition, what: str, timeout: float = 10.0):
        # A page that reloads itself (a running campaign's), or one a form's answer replaces, may replace an element
        # between finding and reading it: Chromium then says "Node with given id does not belong to the document" (a
        # plain WebDriverException). Each is read again at the next poll; a condition never met still times out.
        return WebDriverWait(
            self.driver, timeout, poll_frequency=0.05,
            ignored_exceptions=(NoSuchElementException, StaleElementReferenceException, WebDriverException),
        ).until(condition, message=f"waiting for {what}")

    def text(self) -> str:
        return self.driver.find_element(By.TAG_NAME, "body").text

    def path(self) -> str:
        return self.driver.current_url.removeprefix(self.base_url)

    def screenshot(self, name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        target = ARTIFACTS / name
        self.driver.save_screenshot(str(target))
        return target

    def close(self) -> None:
        self.driver.quit()


PASSWORD = "correct horse battery"


def add_user(cloud, user: str, role: str, *extra: str) -> None:
    """Adds a dashboard user to a test cloud with the CLI (password PASSWORD, read from standard input)."""
    import subprocess

    from cloud import cloud_binary

    result = subprocess.run(
        [str(cloud_binary()), "user", "add", user, "--role", role, "--password-stdin", *extra, "--config",
         str(cloud.config_path)], input=PASSWORD + "\n", capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
