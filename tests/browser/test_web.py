"""The web page in a real browser: Debian's chromium driven headless through chromedriver (selenium).

The app runs under uvicorn on a free loopback port in a thread, over the demo corpus indexed with
the FakeEncoder. Screenshots go to artifacts/. The draft check's classifier is replaced by a fixed
result here (with hash vectors its findings would mean nothing); its real behaviour is tested with
api.checking, and this test checks the page: the request it sends and the side-by-side rendering.
"""
from __future__ import annotations

import shutil
import sys
import types
from pathlib import Path

import pytest

from api.app import create_app
from api.settings import Settings
from search.encoder import FakeEncoder
from tests.servers import running

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts"
CHROME_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--no-first-run", "--disable-dev-shm-usage", "--window-size=1280,1000")

webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed (pip install -e '.[dev]')")
if not (shutil.which("chromium") and shutil.which("chromedriver")):
    pytest.skip("chromium or chromedriver is missing (apt-get install -y chromium chromium-driver)",
                allow_module_level=True)

from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions as EC  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

CHECK_RESULT = {"summary": {"duplicate": 0, "overlap": 0, "conflict": 1, "none": 1,
                            "findings": {"duplicate": 0, "overlap": 0, "conflict": 1}}, "clauses": [
    {"number": "5.1", "text": "护理员与失能老年人的配比不应低于1:5。", "label": "conflict", "findings": [
        {"kind": "conflict", "clause_id": "MZ-T-9901-2023:5.2.2", "doc_id": "MZ-T-9901-2023",
         "doc_number": "MZ/T 9901-2023", "doc_title": "养老机构服务质量基本规范（示例）", "clause_number": "5.2.2",
         "text": "护理员与失能老年人的配比不应低于1:3", "path": "", "similarity": 0.97,
         "reasons": [{"type": "quantity", "draft": "1:5", "existing": "1:3"}], "authority": "higher",
         "probability": 0.9}]},
    {"number": "5.2", "text": "养老机构应设置休闲区。", "label": "none", "findings": []}]}


@pytest.fixture(scope="module")
def checked_drafts():
    """Stand-in for api.checking.run_check (see the module docstring); records what the page sent."""
    seen: list[tuple[str, str]] = []
    module = sys.modules.get("api.checking")
    if module is None:
        try:
            import api.checking as module  # type: ignore[no-redef]
        except ImportError:
            module = types.ModuleType("api.checking")
            sys.modules["api.checking"] = module
    saved = getattr(module, "run_check", None)

    def run_check(data, encoder, draft_path, display_name, status="current", index=None, **options):  # type: ignore[no-untyped-def]
        seen.append((display_name, draft_path.read_text(encoding="utf-8")))
        return {**CHECK_RESULT, "draft": display_name}

    module.run_check = run_check
    yield seen
    if saved is not None:
        module.run_check = saved


@pytest.fixture(scope="module")
def server(demo_index, checked_drafts):
    with running(create_app(Settings(data_dir=demo_index.root), encoder=FakeEncoder())) as (host, port):
        yield f"http://{host}:{port}"


@pytest.fixture(scope="module")
def browser():
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium")
    for flag in CHROME_FLAGS:
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=shutil.which("chromedriver")), options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


def wait(driver, condition, seconds: float = 15):  # type: ignore[no-untyped-def]
    return WebDriverWait(driver, seconds).until(condition)


def shot(driver, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    driver.save_screenshot(str(ARTIFACTS / f"web-{name}.png"))


def test_search_then_open_the_document(server, browser):
    browser.get(server + "/")
    box = browser.find_element(By.ID, "q")
    box.send_keys("护理员配比")
    browser.find_element(By.ID, "search-button").click()
    wait(browser, EC.presence_of_element_located((By.CSS_SELECTOR, "#results li.hit")))
    first = browser.find_element(By.CSS_SELECTOR, "#results li.hit")
    assert first.get_attribute("data-clause-id") == "MZ-T-9901-2023:5.2.2"
    assert first.find_elements(By.CSS_SELECTOR, ".snippet mark")   # highlighted terms
    assert "q=%E6%8A%A4" in browser.current_url   # the query is kept in the address
    shot(browser, "search")
    first.find_element(By.CSS_SELECTOR, "a.title").click()
    wait(browser, EC.url_contains("/documents/MZ-T-9901-2023"))
    assert "MZ/T 9901-2023" in browser.find_element(By.TAG_NAME, "h1").text
    target = browser.find_element(By.ID, "MZ-T-9901-2023:5.2.2")
    assert browser.execute_script("return document.querySelector(':target') === arguments[0]", target)
    assert browser.find_element(By.CSS_SELECTOR, ".rel-replaces a").get_attribute("href").endswith(
        "/documents/MZ-T-9901-2016")
    shot(browser, "document")


def test_check_a_pasted_draft(server, browser, checked_drafts):
    browser.get(server + "/check")
    draft = "5.1 护理员与失能老年人的配比不应低于1:5。\n5.2 养老机构应设置休闲区。"
    browser.find_element(By.ID, "draft-text").send_keys(draft)
    browser.find_element(By.ID, "check-button").click()
    wait(browser, EC.presence_of_element_located((By.CSS_SELECTOR, "#check-results tbody tr")))
    rows = browser.find_elements(By.CSS_SELECTOR, "#check-results tbody tr")
    assert len(rows) == 2
    left, right = rows[0].find_elements(By.TAG_NAME, "td")
    assert "1:5" in left.text and "冲突" in right.text and "MZ/T 9901-2023" in right.text and "1:3" in right.text
    assert "冲突 1 条" in browser.find_element(By.ID, "check-summary").text and "上位规定" in right.text
    assert checked_drafts[-1] == ("草案.txt", draft)
    shot(browser, "check")


def test_gap_chart(server, browser):
    browser.get(server + "/gaps")
    wait(browser, EC.presence_of_element_located((By.CSS_SELECTOR, "#gaps-chart svg g.domain")))
    domains = browser.find_elements(By.CSS_SELECTOR, "#gaps-chart svg g.domain")
    assert len(domains) == 16 and browser.find_elements(By.CSS_SELECTOR, "#gaps-chart rect.bar-missing")
    shot(browser, "gaps")


def test_api_docs_list_the_operations(server, browser):
    """/docs renders the OpenAPI 3.1 document offline: the operations are listed, no error shown."""
    browser.get(server + "/docs")
    wait(browser, EC.presence_of_element_located((By.CSS_SELECTOR, ".opblock")))
    paths = {e.text for e in browser.find_elements(By.CSS_SELECTOR, ".opblock-summary-path")}
    assert {"/api/search", "/api/check", "/sparql"} <= paths
    assert not browser.find_elements(By.CSS_SELECTOR, ".errors-wrapper")
    assert "Unable to render" not in browser.page_source
    shot(browser, "docs")
