"""The dashboard in a real headless Chromium: what a person sees, with screenshots left in the test's tmp dir.

Needs Debian's `chromium` and `chromium-driver` and selenium (the `test` extra); skipped, saying why, without them.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import urllib3
from botocore.exceptions import ClientError
from console_helpers import canonical_requests, served_console
from endpoint_helpers import client

from awsfake import FakeAWS
from awsfake.server import RunningServer

CHROMIUM, DRIVER = shutil.which("chromium"), shutil.which("chromedriver")
webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed (pip install -e '.[test]')")
pytestmark = [
    pytest.mark.skipif(
        not (CHROMIUM and DRIVER), reason="no chromium/chromedriver (apt-get install chromium chromium-driver)"
    ),
    pytest.mark.timeout(120),
    pytest.mark.slow,  # a browser per test
]
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1400,1000",
)


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Any]:
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = str(CHROMIUM)
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path / 'chromium-profile'}")
    driver = webdriver.Chrome(service=Service(str(DRIVER)), options=options)
    driver.implicitly_wait(0)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def console() -> Iterator[tuple[FakeAWS, RunningServer]]:
    with served_console() as pair:
        yield pair


def _wait_for(browser: Any, predicate: Any, timeout: float = 10) -> Any:
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(browser, timeout, poll_frequency=0.1).until(predicate)


def _shot(browser: Any, tmp_path: Path, name: str) -> Path:
    path = tmp_path / f"{name}.png"
    browser.save_screenshot(str(path))
    assert path.stat().st_size > 5000, "a screenshot of a rendered page"
    return path


def _text(browser: Any, css: str) -> str:
    from selenium.webdriver.common.by import By

    return str(browser.find_element(By.CSS_SELECTOR, css).text)


def test_dashboard_requests_live_and_the_signature_debugger(
    console: tuple[FakeAWS, RunningServer], browser: Any, tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By

    fake, running = console
    s3 = client(running.url, "s3")
    s3.create_bucket(Bucket="photos")
    with canonical_requests() as signed, pytest.raises(ClientError):
        client(running.url, "sqs", secret="a-wrong-secret").list_queues()
    client_canonical = signed.seen[-1]

    browser.get(running.url + "/_awsfake/")
    rows = _text(browser, "#rows")
    assert "CreateBucket" in rows and "SignatureDoesNotMatch" in rows and "AKIDFAKEFAKEFAKE1234" in rows
    assert "POST sqs ListQueues AKIDFAKEFAKEFAKE1234 403" in rows  # the operation it named, though refused
    assert "a-wrong-secret" not in browser.page_source
    assert [r.path for r in fake.requests] == ["/photos", "/"]  # the browser's own requests are not AWS requests
    _shot(browser, tmp_path, "1-requests")

    client(running.url, "sns").create_topic(Name="appears-live")  # the page is not reloaded
    _wait_for(browser, lambda b: "CreateTopic" in _text(b, "#rows"))
    assert browser.find_elements(By.CSS_SELECTOR, "#rows tr")[0].text.split()[2:4] == ["sns", "CreateTopic"]
    _shot(browser, tmp_path, "2-live")

    browser.find_element(By.LINK_TEXT, "why?").click()
    _wait_for(browser, lambda b: "Likely cause" in b.page_source)
    assert "Likely cause: Wrong secret key" in _text(browser, "#cause")
    expected = _text(browser, "#expected-canonical")
    assert expected.startswith("POST\n/\n") and "x-amz-target:AmazonSQS.ListQueues" in expected

    box = browser.find_element(By.ID, "client-canonical")
    box.send_keys(client_canonical)
    browser.find_element(By.ID, "compare").click()
    _wait_for(browser, lambda b: _text(b, "#differences"))
    assert "identical" in _text(browser, "#differences") and "different secret key" in _text(browser, "#differences")
    assert not browser.find_elements(By.CSS_SELECTOR, "#expected-canonical .differs")
    client_sts = _wait_for(browser, lambda b: b.find_elements(By.CSS_SELECTOR, "#client-sts-view .line"))
    assert client_sts[3].text == _text(browser, "#expected-sts").split("\n")[3]  # same hash: same request
    _shot(browser, tmp_path, "3-debugger-same-request")

    # A header changed after signing: the client signed another x-amz-target than the one that arrived.
    box.clear()
    box.send_keys(client_canonical.replace("AmazonSQS.ListQueues", "AmazonSQS.ListQueueTags"))
    browser.find_element(By.ID, "compare").click()
    _wait_for(browser, lambda b: "changed after signing" in _text(b, "#differences"))
    marked = browser.find_elements(By.CSS_SELECTOR, "#expected-canonical .differs")
    assert [m.text for m in marked] == ["x-amz-target:AmazonSQS.ListQueues"]
    assert marked[0].value_of_css_property("background-color") != "rgba(0, 0, 0, 0)"
    assert "Header x-amz-target changed after signing" in _text(browser, "#differences")
    _shot(browser, tmp_path, "4-debugger-header-changed")
    print(f"screenshots in {tmp_path}")


def test_state_browser_shows_buckets_queues_and_topics(
    console: tuple[FakeAWS, RunningServer], browser: Any, tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By

    _, running = console
    s3, sqs, sns = (client(running.url, name) for name in ("s3", "sqs", "sns"))
    s3.create_bucket(Bucket="photos")
    s3.put_object(Bucket="photos", Key="cats/tom.txt", Body=b"meow", ContentType="text/plain")
    queue = sqs.create_queue(QueueName="thumbnails")["QueueUrl"]
    sqs.send_message(QueueUrl=queue, MessageBody="make a thumbnail of cats/tom.txt")
    topic = sns.create_topic(Name="uploads")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint="arn:aws:sqs:us-east-1:123456789012:thumbnails")

    browser.get(running.url + "/_awsfake/browse")
    assert "photos" in _text(browser, "#s3") and "cats/tom.txt" in _text(browser, "#s3")
    assert "thumbnails" in _text(browser, "#sqs") and "make a thumbnail of cats/tom.txt" in _text(browser, "#sqs")
    assert topic in _text(browser, "#sns") and "arn:aws:sqs:us-east-1:123456789012:thumbnails" in _text(browser, "#sns")
    link = browser.find_element(By.LINK_TEXT, "cats/tom.txt")
    _shot(browser, tmp_path, "5-state")
    download = urllib3.request("GET", link.get_attribute("href"), retries=False, timeout=10)
    assert download.data == b"meow" and "attachment" in download.headers["Content-Disposition"]
