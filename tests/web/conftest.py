"""Browser tests: the demo coordination in the test database, a real server process on a
loopback port, and Chromium driven by Selenium. Skipped where Chromium is not installed."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.request import urlopen

import pytest

from logipool.db import Base

ROOT = Path(__file__).resolve().parents[2]
SHOTS = Path(os.environ.get("LOGIPOOL_SCREENSHOTS", ROOT / "build" / "screenshots"))
AXE = Path(__file__).with_name("axe-4.11.0.min.js")
DEMO_PASSWORD = "logipool-demo"
DOMAIN = "coordination-aubagne.example"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _empty(app) -> None:
    with app.extensions["logipool.db"].write_engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())


@pytest.fixture(scope="module")
def demo_data(_app):
    """The demo coordination, as `logipool demo` loads it (last month invoiced, this month to come)."""
    from logipool.db import get_session
    from logipool.services.demo import load_demo

    _empty(_app)
    with _app.app_context():
        session = get_session()
        load_demo(session)
        session.commit()
    yield
    _empty(_app)


@pytest.fixture(scope="module")
def server(demo_data, database_url, tmp_path_factory):
    """A real logipool server process (gunicorn, as `logipool serve`) on a free loopback port."""
    port = _free_port()
    env = dict(os.environ, LOGIPOOL_DATABASE_URL=database_url, LOGIPOOL_SECRET_KEY="browser-tests",
               LOGIPOOL_LOG_LEVEL="WARNING", PYTHONPATH=str(ROOT))
    instance = tmp_path_factory.mktemp("server")
    proc = subprocess.Popen(
        [sys.executable, "-c", "from logipool.cli import main; main()", "serve", "--host", "127.0.0.1",
         "--port", str(port), "--workers", "2"],
        cwd=instance, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://localhost:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            with urlopen(f"{base}/livez", timeout=1):
                break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise RuntimeError("the server did not start: " + proc.stderr.read().decode()[-2000:]) from None
            time.sleep(0.2)
    yield base
    proc.send_signal(signal.SIGINT)  # gunicorn's quick shutdown
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _chromedriver() -> str | None:
    return shutil.which("chromedriver")


@pytest.fixture(scope="session")
def browser():
    if _chromedriver() is None or not (shutil.which("chromium") or shutil.which("chromium-browser")):
        pytest.skip("Chromium and chromium-driver are not installed (.ci/run installs them)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or shutil.which("chromium-browser")
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1280,900", "--lang=fr-FR"):
        options.add_argument(arg)
    options.add_experimental_option("prefs", {"download.default_directory": "/dev/null"})
    # on Linux Chromium takes its own language (how it draws date fields: jj/mm/aaaa) from the
    # environment, as a French person's desktop sets it (Debian's chromium-l10n has the words)
    french = dict(os.environ, LANGUAGE="fr_FR:fr", LANG="fr_FR.UTF-8")
    driver = webdriver.Chrome(service=Service(_chromedriver(), env=french), options=options)
    driver.implicitly_wait(0)
    yield driver
    driver.quit()


@pytest.fixture
def person(browser, server):
    """A fresh browser session (no cookie) on the server."""
    browser.delete_all_cookies()
    browser.set_window_size(1280, 900)
    return Person(browser, server)


class Person:
    """What a person does in the browser, read by labels, roles and visible text."""

    def __init__(self, driver, base: str):
        self.driver, self.base = driver, base

    def open(self, path: str) -> None:
        self.driver.get(self.base + path)

    @property
    def text(self) -> str:
        """The page's visible text, read again if the page was replaced while reading it."""
        from selenium.common.exceptions import StaleElementReferenceException
        from selenium.webdriver.common.by import By

        for _ in range(20):
            try:
                return self.driver.find_element(By.TAG_NAME, "body").text
            except StaleElementReferenceException:
                continue
        return self.driver.find_element(By.TAG_NAME, "body").text

    def field(self, label: str):
        """The input whose <label> reads ``label`` (exactly, before any marker)."""
        from selenium.webdriver.common.by import By

        for element in self.driver.find_elements(By.TAG_NAME, "label"):
            if element.text.replace("*", "").strip() == label:
                return self.driver.find_element(By.ID, element.get_attribute("for"))
        raise AssertionError(f"no field labelled {label!r} on {self.driver.current_url}")

    def fill(self, label: str, value: str) -> None:
        element = self.field(label)
        if element.get_attribute("type") in ("datetime-local", "date"):
            # typing into date inputs depends on the locale: set the value as the form submits it
            self.driver.execute_script("arguments[0].value = arguments[1]", element, value)
        else:
            element.clear()
            element.send_keys(value)

    def press(self, text: str, within=None) -> None:
        from selenium.webdriver.common.by import By

        scope = within or self.driver
        for button in scope.find_elements(By.TAG_NAME, "button"):
            if button.text.strip() == text or button.text.strip().startswith(text):
                button.click()
                self._settle(button)
                return
        raise AssertionError(f"no button {text!r} on {self.driver.current_url}")

    def _settle(self, element, timeout: float = 3) -> None:
        """Wait until what was clicked is replaced (a new page, or an htmx swap of its part);
        a control that stays in place (nothing to replace) is waited for at most ``timeout``."""
        from selenium.common.exceptions import TimeoutException
        from selenium.webdriver.support import expected_conditions
        from selenium.webdriver.support.ui import WebDriverWait

        try:
            WebDriverWait(self.driver, timeout).until(expected_conditions.staleness_of(element))
        except TimeoutException:
            pass

    def wait_for(self, text: str, element_id: str = "main", timeout: float = 10):
        """The element once it shows ``text`` (htmx swaps fragments in asynchronously)."""
        from selenium.webdriver.support.ui import WebDriverWait

        WebDriverWait(self.driver, timeout).until(
            lambda d: text in d.find_element("id", element_id).text)
        return self.driver.find_element("id", element_id)

    def follow(self, text: str) -> None:
        from selenium.webdriver.common.by import By

        self.driver.find_element(By.PARTIAL_LINK_TEXT, text).click()

    def sign_in(self, local: str, password: str = DEMO_PASSWORD) -> None:
        self.open("/signin")
        self.fill("Adresse e-mail", f"{local}@{DOMAIN}")
        self.fill("Mot de passe", password)
        self.press("Se connecter")

    def check_accessibility(self) -> list[dict]:
        """axe-core's serious and critical violations on the current page (served to tests only)."""
        self.driver.execute_script(AXE.read_text())
        result = self.driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "axe.run(document, {resultTypes: ['violations']}).then(r => done(r.violations));")
        return [{"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
                for v in result if v["impact"] in ("serious", "critical")]

    def screenshot(self, name: str) -> None:
        """The page at desktop (1280 px) and phone (360 px) width, with its accessibility checked."""
        SHOTS.mkdir(parents=True, exist_ok=True)
        problems = self.check_accessibility()
        assert problems == [], f"{name}: {problems}"
        for width in (1280, 360):
            self.driver.set_window_size(width, 900)
            height = self.driver.execute_script("return document.documentElement.scrollHeight")
            self.driver.set_window_size(width, min(max(height + 140, 600), 4000))
            self.driver.save_screenshot(str(SHOTS / f"{name}-{width}.png"))
        self.driver.set_window_size(1280, 900)
