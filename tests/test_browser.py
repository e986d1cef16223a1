"""End to end in headless Chromium (Selenium): the app served by uvicorn on loopback over a small
store; the dashboard, an article and its report (clicking a source highlights its statements),
search, upload through the form, and a hostile article that must stay inert.

Skipped only when /usr/bin/chromium or /usr/bin/chromedriver is not installed (``make test``
installs both). On a failure
the test leaves a screenshot and the page source in ``$CLAIMLEDGER_ARTIFACTS`` (default: a
``claimledger-browser`` directory under the system temp directory).
"""

from __future__ import annotations

import functools
import os
import re
import socket
import tempfile
import threading
import time
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
MISSING = [path for path in (CHROMIUM, CHROMEDRIVER) if not os.path.exists(path)]
pytestmark = [
    pytest.mark.skipif(bool(MISSING), reason=f"{' and '.join(MISSING)} not installed "
                       "(make test installs Debian's chromium and chromium-driver)"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
]
ARTIFACTS = Path(os.environ.get("CLAIMLEDGER_ARTIFACTS",
                                Path(tempfile.gettempdir()) / "claimledger-browser"))
WAIT = 15  # seconds, for anything the page does after a click or a submit

PORT_STORY = ("Port reopens after storm\n\nThe harbour minister, Ada Quist, said the port would "
              "reopen on Monday. Officials, speaking on condition of anonymity, said repairs had "
              "cost more than 12% of the annual budget. Ada Quist said the repairs were worth "
              "every cent.")
DAM_STORY = ("Dam inspection delayed\n\nEngineers said the inspection would be delayed by a week. "
             "A spokesman for the water board, Tomas Reyl, said the dam was safe.")
HOSTILE = (
    "Harbour row <script>window.__pwned=1;document.title='pwned'</script> deepens\n\n"
    "The mayor, Lena Ortiz, said the deal was fair <img src=x "
    "onerror=\"window.__pwned=2;document.title='pwned';alert(2)\"> and final. Critics said "
    "<a href=\"javascript:alert(3)\">the contract</a> proved nothing."
)


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def server(tmp_path_factory, analyzer):
    """The app on 127.0.0.1 and a free port, in a uvicorn thread; yields its base URL."""
    import uvicorn

    from claimledger.corpus import tables
    from claimledger.corpus.identity import article_id
    from claimledger.corpus.store import Store
    from claimledger.model import Meta
    from claimledger.web import create_app

    db = str(tmp_path_factory.mktemp("browser") / "store.duckdb")
    rows = []
    for text, outlet, published in ((PORT_STORY, "Harbour Times", "2026-03-02"),
                                    (DAM_STORY, "Valley Post", "2026-03-03")):
        title = text.split("\n", 1)[0]
        info = tables.ArticleInfo(input=title, title=title, outlet=outlet, published=published)
        ledger = analyzer.analyze(text, Meta(title=title, outlet=outlet, published=published))
        rows.append(tables.rows_of(article_id(text), info, ledger))
    with Store(db) as store:
        store.write(rows)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(create_app(db), log_level="warning", lifespan="on")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(10)
    sock.close()


@pytest.fixture(scope="module")
def driver(tmp_path_factory):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    profile = tmp_path_factory.mktemp("chromium-profile")
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", f"--user-data-dir={profile}",
                 "--window-size=1280,1000"):
        options.add_argument(flag)
    options.unhandled_prompt_behavior = "ignore"  # an alert stays open, for the test to see
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    d = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    d.set_page_load_timeout(30)
    yield d
    d.quit()


def shoot_on_failure(test):
    """Save a screenshot and the page source of the failing test's browser, then re-raise."""
    @functools.wraps(test)
    def run(*args, **kwargs):
        try:
            return test(*args, **kwargs)
        except Exception:
            d = kwargs.get("driver")
            if d is not None:
                ARTIFACTS.mkdir(parents=True, exist_ok=True)
                stem = ARTIFACTS / test.__name__
                try:
                    d.switch_to.default_content()
                    d.save_screenshot(str(stem.with_suffix(".png")))
                    stem.with_suffix(".html").write_text(d.page_source, encoding="utf-8")
                    print(f"screenshot: {stem.with_suffix('.png')}")
                except Exception as exc:  # noqa: BLE001 - the test's own failure matters more
                    print(f"no screenshot: {exc}")
            raise
    return run


def wait(d, condition, timeout: float = WAIT):
    """Wait for ``condition``; elements of a page that is being replaced are simply retried."""
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait

    ignored = (NoSuchElementException, StaleElementReferenceException)
    return WebDriverWait(d, timeout, ignored_exceptions=ignored).until(condition)


def arrived(d, pattern: str) -> bool:
    """Whether the browser is on a page whose URL matches ``pattern``, fully loaded."""
    return bool(re.search(pattern, d.current_url)) and d.execute_script(
        "return document.readyState") == "complete"


def csp_errors(d) -> list[str]:
    """Messages of the browser console that report a Content-Security-Policy violation."""
    return [e["message"] for e in d.get_log("browser")
            if "Content Security Policy" in e["message"] or "Refused to" in e["message"]]


def open_report(d):
    """Switch into the article page's report frame, once its sources are there."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec

    wait(d, ec.frame_to_be_available_and_switch_to_it((By.ID, "report")))
    wait(d, ec.presence_of_element_located((By.CSS_SELECTOR, "button[data-pick]")))


def assert_no_alert(d):
    from selenium.common.exceptions import NoAlertPresentException

    with pytest.raises(NoAlertPresentException):
        d.switch_to.alert.text  # noqa: B018 - reading it is the check


# --------------------------------------------------------------------------- scenarios


@shoot_on_failure
def test_dashboard(server, driver):
    from selenium.webdriver.common.by import By

    driver.get_log("browser")
    driver.get(server + "/")
    assert driver.title == "Dashboard — claimledger"
    assert driver.find_element(By.TAG_NAME, "h1").text == "Corpus"
    outlets = [e.text for e in driver.find_elements(By.CSS_SELECTOR, ".outlets tbody td:first-child")]
    assert outlets == ["Harbour Times", "Valley Post"]
    # The stylesheet is applied (served from /static under the CSP): bars have widths.
    seg = driver.find_element(By.CSS_SELECTOR, ".outlets .seg.s-named")
    assert seg.size["width"] > 10
    assert seg.value_of_css_property("background-color") == "rgba(0, 114, 178, 1)"
    sources = [e.text for e in driver.find_elements(By.CSS_SELECTOR, ".top-sources .srcname")]
    assert sources[0] == "Ada Quist"
    assert csp_errors(driver) == []


@shoot_on_failure
def test_clicking_a_source_highlights_its_statements(server, driver):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    driver.get(server + "/articles?outlet=Harbour+Times")
    driver.find_element(By.LINK_TEXT, "Port reopens after storm").click()
    assert driver.find_element(By.ID, "article-title").text == "Port reopens after storm"
    sources = [e.text for e in driver.find_elements(By.CSS_SELECTOR, ".sources .srcname")]
    assert sources == ["Ada Quist", "Officials"]
    open_report(driver)
    body = driver.find_element(By.TAG_NAME, "body")
    assert "focus" not in body.get_attribute("class").split()
    pick = driver.find_element(By.CSS_SELECTOR, 'button[data-pick="S1"]')
    assert "Ada Quist" in pick.text
    pick.click()
    wait(driver, lambda d: "focus" in d.find_element(By.TAG_NAME, "body").get_attribute("class"))
    assert pick.get_attribute("aria-pressed") == "true"
    lit = driver.find_elements(By.CSS_SELECTOR, ".article .content.hl")
    # Ada Quist's two statements, and nothing of the officials'.
    assert {e.get_attribute("data-attr") for e in lit} == {"A1", "A3"}
    assert all("S1" in e.get_attribute("data-source").split() for e in lit)
    assert "the port would reopen on Monday" in " ".join(e.text for e in lit)
    mentions = driver.find_elements(By.CSS_SELECTOR, ".article .hl-src")
    assert mentions and all("S1" in m.get_attribute("data-mention").split() for m in mentions)
    # The report's own stylesheet applies under the served policy: mentions turn yellow.
    assert mentions[0].value_of_css_property("background-color") == "rgba(255, 233, 138, 1)"
    rows = driver.find_elements(By.CSS_SELECTOR, "table.attrs tbody tr.hl[data-attr]")
    assert {r.get_attribute("data-attr") for r in rows} == {"A1", "A3"}
    # A mention in the text picks its source too; Escape clears.
    driver.find_element(By.CSS_SELECTOR, '.article [data-mention~="S2"]').click()
    wait(driver, lambda d: {e.get_attribute("data-attr") for e in
                            d.find_elements(By.CSS_SELECTOR, ".article .content.hl")} == {"A2"})
    body.send_keys(Keys.ESCAPE)
    wait(driver, lambda d: not d.find_elements(By.CSS_SELECTOR, ".hl, .hl-src"))
    driver.switch_to.default_content()
    assert csp_errors(driver) == []


@shoot_on_failure
def test_search(server, driver):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import Select

    driver.get(server + "/")
    box = driver.find_element(By.ID, "quick-q")
    box.send_keys("said", Keys.ENTER)
    wait(driver, lambda d: arrived(d, "/search"))
    titles = [e.text for e in driver.find_elements(By.CSS_SELECTOR, ".hit-title a")]
    assert sorted(titles) == ["Dam inspection delayed", "Port reopens after storm"]
    assert driver.find_element(By.CSS_SELECTOR, ".hit mark").text.lower() == "said"
    Select(driver.find_element(By.ID, "outlet")).select_by_visible_text("Valley Post")
    driver.find_element(By.CSS_SELECTOR, "form.search button[type=submit]").click()
    wait(driver, lambda d: arrived(d, r"outlet=Valley\+Post"))
    titles = [e.text for e in driver.find_elements(By.CSS_SELECTOR, ".hit-title a")]
    assert titles == ["Dam inspection delayed"]
    driver.get(server + "/search?q=budget")
    driver.find_element(By.ID, "tab-claims").click()
    wait(driver, lambda d: arrived(d, "scope=claims"))
    claims = [e.text for e in driver.find_elements(By.CSS_SELECTOR, ".results .claim-text")]
    assert claims == ["repairs had cost more than 12% of the annual budget"]


@shoot_on_failure
def test_upload_a_file_through_the_form(server, driver, tmp_path):
    from selenium.webdriver.common.by import By

    story = tmp_path / "ferry.txt"
    story.write_text("Ferry fares to rise\n\nThe transport minister, Ines Molnar, said ferry "
                     "fares would rise by 8% in April.", encoding="utf-8")
    driver.get(server + "/upload")
    driver.find_element(By.ID, "u-file").send_keys(str(story))
    driver.find_element(By.ID, "u-outlet").send_keys("Island News")
    driver.find_element(By.ID, "u-submit").click()
    wait(driver, lambda d: arrived(d, r"/articles/[0-9a-f]{32}$"))
    assert driver.find_element(By.ID, "article-title").text == "Ferry fares to rise"
    assert "Island News" in driver.find_element(By.CSS_SELECTOR, ".article-head .meta").text
    open_report(driver)
    picks = [e.text for e in driver.find_elements(By.CSS_SELECTOR, "button[data-pick]")]
    assert any("Ines Molnar" in p for p in picks)
    driver.switch_to.default_content()
    # Too large (3 MB, the limit is 2): the browser gets the error page, not a reset connection.
    big = tmp_path / "big.txt"
    big.write_text("The minister said it was fine. " * 100_000, encoding="utf-8")
    driver.get(server + "/upload")
    driver.find_element(By.ID, "u-file").send_keys(str(big))
    driver.find_element(By.ID, "u-submit").click()
    wait(driver, lambda d: d.find_element(By.TAG_NAME, "h1").text == "Error 413")
    assert "limit" in driver.find_element(By.CSS_SELECTOR, ".error-message").text


@shoot_on_failure
def test_hostile_article_is_stored_shown_and_inert(server, driver):
    from selenium.webdriver.common.by import By

    driver.get_log("browser")
    driver.get(server + "/upload")
    area = driver.find_element(By.ID, "u-text")
    # Typed, not pasted: set the value directly so that newlines and quotes arrive intact.
    driver.execute_script("arguments[0].value = arguments[1];", area, HOSTILE)
    driver.find_element(By.ID, "u-outlet").send_keys("<b>Bold</b> Outlet")
    driver.find_element(By.ID, "u-submit").click()
    wait(driver, lambda d: arrived(d, r"/articles/[0-9a-f]{32}$"))
    article_url = driver.current_url
    time.sleep(0.5)  # give any injected handler (img onerror) the time to fire

    def inert_here():
        assert_no_alert(driver)
        assert driver.execute_script("return window.__pwned === undefined")
        assert driver.title != "pwned"
        assert driver.find_elements(By.CSS_SELECTOR, "img") == []
        assert driver.find_elements(By.CSS_SELECTOR, 'a[href^="javascript"]') == []
        assert driver.find_elements(By.XPATH, "//script[contains(., '__pwned')]") == []

    inert_here()
    assert driver.title.endswith("— claimledger")
    h1 = driver.find_element(By.ID, "article-title").text
    assert h1 == "Harbour row <script>window.__pwned=1;document.title='pwned'</script> deepens"
    assert "<b>Bold</b> Outlet" in driver.find_element(By.CSS_SELECTOR, ".article-head .meta").text
    open_report(driver)
    inert_here()
    text = driver.find_element(By.ID, "article").text
    assert "<script>window.__pwned=1;document.title='pwned'</script>" in text
    assert "<img src=x onerror=\"window.__pwned=2;document.title='pwned';alert(2)\">" in text
    assert '<a href="javascript:alert(3)">the contract</a>' in text
    driver.find_element(By.CSS_SELECTOR, "button[data-pick]").click()  # the report's script runs
    wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, ".article .hl"))
    inert_here()
    driver.switch_to.default_content()
    # The payload is searchable and shown as text in results and on source pages too.
    for url in (server + "/search?q=__pwned", server + "/search?q=pwned&scope=claims",
                server + "/", server + "/articles", article_url):
        driver.get(url)
        time.sleep(0.2)
        inert_here()
    driver.get(server + "/search?q=onerror")
    assert "<img src=x onerror=" in driver.find_element(By.CSS_SELECTOR, ".snippet").text
    assert csp_errors(driver) == []
