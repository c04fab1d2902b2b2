"""A real headless Chromium (Debian's chromium + chromedriver, driven by Selenium) and the
gateway on a real socket in a thread of its own, for the web console's browser tests.

Screenshots of every step go to ``test-artifacts/console/<test>/`` (git-ignored); a failing
test adds ``failure.png``, the page's HTML and the browser's console log there.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar

import uvicorn
from fastapi import FastAPI
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

from gateway.server import server_options
from gateway.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "console"
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
# No network but loopback, nothing fetched in the background, a profile of its own.
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--no-proxy-server",
    "--disable-extensions",
    "--disable-default-apps",
    "--window-size=1280,900",
    "--lang=en-US",
)
T = TypeVar("T")


def ensure_chromium() -> None:
    """Install Chromium and ChromeDriver when missing (scripts/chromium.sh; idempotent)."""
    if Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists():
        return
    subprocess.run(
        ["bash", str(ROOT / "scripts" / "chromium.sh"), "install"], check=True, timeout=600
    )


class LiveGateway:
    """The app on a free loopback port, served by uvicorn with the gateway's own options
    (``gateway.server``) in a thread with its own event loop."""

    def __init__(self, app: FastAPI, settings: Settings) -> None:
        self.app = app
        self.settings = settings
        self.loop = asyncio.new_event_loop()
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        options = {
            **server_options(settings),
            "timeout_graceful_shutdown": 1,
            "log_level": "warning",
        }
        options.pop("loop", None)  # the thread's own loop runs it
        self.server = uvicorn.Server(uvicorn.Config(app, lifespan="on", **options))
        self.thread = threading.Thread(target=self._serve, name="gateway", daemon=True)

    def _serve(self) -> None:
        self.loop.run_until_complete(self.server.serve(sockets=[self.sock]))

    def start(self) -> None:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the gateway did not start")
            time.sleep(0.02)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(15)
        self.sock.close()
        self.loop.close()

    def call(self, coro: Coroutine[Any, Any, T], timeout: float = 30) -> T:
        """Run ``coro`` on the gateway's loop (its services live there); its result."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)


class Console:
    """A Chromium session on the console, with waits and numbered screenshots."""

    def __init__(self, base_url: str, artifacts: Path) -> None:
        self.base_url = base_url
        self.artifacts = artifacts
        self.step = 0
        self.profile = tempfile.mkdtemp(prefix="mailgate-chromium-")
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={self.profile}"):
            options.add_argument(flag)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        self.driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
        self.driver.set_page_load_timeout(20)
        self.driver.set_script_timeout(20)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.driver.quit()
        shutil.rmtree(self.profile, ignore_errors=True)

    # -- steps -------------------------------------------------------------------------------

    def shot(self, name: str) -> Path:
        """A screenshot of this step: ``NN-name.png``."""
        self.step += 1
        path = self.artifacts / f"{self.step:02d}-{re.sub(r'[^a-z0-9-]+', '-', name)}.png"
        self.driver.save_screenshot(str(path))
        return path

    def keep_failure(self) -> None:
        """What a failing test leaves for a person: the screen, the page, the console log."""
        with contextlib.suppress(Exception):
            self.driver.save_screenshot(str(self.artifacts / "failure.png"))
        with contextlib.suppress(Exception):
            (self.artifacts / "failure.html").write_text(self.driver.page_source)
        with contextlib.suppress(Exception):
            (self.artifacts / "browser-console.log").write_text(
                "\n".join(str(entry) for entry in self.browser_log())
            )

    def open(self, path: str) -> None:
        self.driver.get(self.base_url + path)

    def go(self, fragment: str) -> None:
        """Navigate inside the console (``#/page``), as a click on a link would."""
        self.driver.execute_script("location.hash = arguments[0]", fragment)

    def sign_in(self, token: str) -> None:
        self.open("/ui/")
        self.type("#token", token)
        self.click("#sign-in button[type=submit]")
        self.wait_css("#add-account")

    # -- elements ----------------------------------------------------------------------------

    def wait(self, condition, what: str, within: float = 10.0) -> Any:
        try:
            # A page re-rendered under the search is searched again.
            return WebDriverWait(
                self.driver,
                within,
                poll_frequency=0.05,
                ignored_exceptions=(StaleElementReferenceException,),
            ).until(lambda d: condition(d))
        except TimeoutException:
            raise AssertionError(f"within {within} s: {what}") from None

    def wait_css(self, css: str, within: float = 10.0) -> WebElement:
        """The first element matching ``css`` once it is there and shown."""

        def shown(driver):
            found = driver.find_elements(By.CSS_SELECTOR, css)
            return found[0] if found and found[0].is_displayed() else None

        return self.wait(shown, f"{css} shown", within)

    def wait_text(self, css: str, text: str, within: float = 10.0) -> WebElement:
        """The first element matching ``css`` whose text contains ``text``."""

        def has_text(driver):
            for element in driver.find_elements(By.CSS_SELECTOR, css):
                if text in element.text:
                    return element
            return None

        return self.wait(has_text, f"{css} containing {text!r}", within)

    def find(self, css: str, within: float = 10.0) -> WebElement:
        """The first element matching ``css`` once there (shown or not: an option, say)."""
        return self.wait(
            lambda d: (d.find_elements(By.CSS_SELECTOR, css) or [None])[0], f"{css} present", within
        )

    def find_all(self, css: str) -> list[WebElement]:
        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def click(self, css: str) -> None:
        def clicked(driver):
            self.wait_css(css).click()
            return True

        self.wait(clicked, f"a click on {css}")

    def type(self, css: str, text: str, *, clear: bool = True) -> None:
        element = self.wait_css(css)
        if clear:
            element.clear()
        element.send_keys(text)

    def browser_log(self) -> list[dict]:
        return self.driver.get_log("browser")


def artifacts_dir(test_name: str) -> Path:
    """A fresh ``test-artifacts/console/<test>/``."""
    directory = ARTIFACTS / re.sub(r"[^A-Za-z0-9_.-]+", "-", test_name)
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    return directory
