"""The hostile HTML report in a real headless Chromium: nothing runs, nothing is fetched."""

from __future__ import annotations

import importlib.util
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from dast.report.interface import OutputFormat
from dast.report.writer import write_reports

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--window-size=1280,2000",
)

# Chromium's own start page loads these (data: is no network) while the test runs; not the report's.
BROWSER_INTERNAL = ("chrome://", "chrome-untrusted://", "chrome-search://", "devtools://", "data:")

pytestmark = pytest.mark.engine


def _hostile_module() -> ModuleType:
    # tests/ is not a package; load the shared builder by path.
    path = Path(__file__).resolve().parents[1] / "unit" / "hostile.py"
    spec = importlib.util.spec_from_file_location("dast_test_hostile", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[object]:
    if not CHROMIUM.exists() or not CHROMEDRIVER.exists():
        pytest.skip("headless Chromium not installed: apt-get install -y chromium chromium-driver")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path / 'profile'}")
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    # Leave any alert open so the test can see it, instead of selenium dismissing it silently.
    options.unhandled_prompt_behavior = "ignore"
    driver = webdriver.Chrome(options=options, service=Service(str(CHROMEDRIVER)))
    try:
        yield driver
    finally:
        driver.quit()


def test_hostile_report_is_inert_in_chromium(browser: object, tmp_path: Path) -> None:
    from selenium.common.exceptions import NoAlertPresentException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.remote.webdriver import WebDriver

    assert isinstance(browser, WebDriver)
    hostile = _hostile_module()
    record = hostile.hostile_record()
    (report,) = write_reports(record, (OutputFormat.HTML,), tmp_path / "out")
    url = report.resolve().as_uri()

    browser.get_log("performance")  # drain what the start page (chrome://new-tab-page) fetched
    browser.get(url)
    # Open every instance list, so payloads inside <details> are laid out too.
    for summary in browser.find_elements(By.CSS_SELECTOR, "details > summary"):
        summary.click()

    with pytest.raises(NoAlertPresentException):
        browser.switch_to.alert.text  # noqa: B018 - reading it is what raises
    assert browser.title == f"DAST report: {record.target.url}"
    assert browser.execute_script("return typeof window.__pwned") == "undefined"
    assert browser.execute_script("return document.scripts.length") == 0

    # The risk filter works without JavaScript: unticking High hides the High findings.
    high = browser.find_elements(By.CSS_SELECTOR, ".finding.risk-high")
    assert high and all(el.is_displayed() for el in high)
    browser.find_element(By.CSS_SELECTOR, "label[for='show-risk-high']").click()
    assert not any(el.is_displayed() for el in high)

    from_page, anywhere = [], set()
    for entry in browser.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            request_url = message["params"]["request"]["url"]
            if message["params"].get("documentURL") == url:
                from_page.append(request_url)
            if not request_url.startswith(BROWSER_INTERNAL):
                anywhere.add(request_url)
    # The only request is the document itself: no image, style sheet, font or beacon.
    assert from_page == [url]
    assert anywhere == {url}
