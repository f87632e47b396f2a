"""FakeIMDS over real sockets: IMDSv2 tokens, the metadata tree, rotating role credentials, faults."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
import urllib3
from freezegun import freeze_time

from awsfake import FakeIMDS
from awsfake.imds import InstanceValues, RunningIMDS

pytestmark = pytest.mark.timeout(30)

TTL = "X-aws-ec2-metadata-token-ttl-seconds"
TOKEN = "X-aws-ec2-metadata-token"
ROLE = "awsfake-instance-role"
CREDS_PATH = f"/latest/meta-data/iam/security-credentials/{ROLE}"


class Registry:
    """Records what FakeIMDS registers (stands in for FakeAWS until the endpoint lands on this branch)."""

    def __init__(self) -> None:
        self.added: list[dict[str, Any]] = []

    def add_credentials(self, access_key_id: str, secret_access_key: str, **kwargs: Any) -> None:
        self.added.append({"access_key_id": access_key_id, "secret_access_key": secret_access_key, **kwargs})


@pytest.fixture(scope="module")
def shared() -> Iterator[tuple[Registry, FakeIMDS, RunningIMDS]]:
    """One server for the module (starting and stopping one costs half a second); each test starts it clean."""
    registry = Registry()
    imds = FakeIMDS(registry, role_name=ROLE)
    with imds.serve() as running:
        yield registry, imds, running


@pytest.fixture
def registry(shared: tuple[Registry, FakeIMDS, RunningIMDS]) -> Registry:
    shared[0].added.clear()
    return shared[0]


@pytest.fixture
def imds(shared: tuple[Registry, FakeIMDS, RunningIMDS], registry: Registry) -> Iterator[FakeIMDS]:
    imds = shared[1]
    imds.reset()
    yield imds
    imds.check()


@pytest.fixture
def running(shared: tuple[Registry, FakeIMDS, RunningIMDS], imds: FakeIMDS) -> RunningIMDS:
    return shared[2]


@pytest.fixture
def http() -> Iterator[urllib3.PoolManager]:
    pool = urllib3.PoolManager()
    yield pool
    pool.clear()


def call(
    http: urllib3.PoolManager, running: RunningIMDS, method: str, path: str, **headers: str
) -> urllib3.BaseHTTPResponse:
    wire = {name.replace("_", "-"): value for name, value in headers.items()}
    return http.request(method, running.url + path, headers=wire, retries=False, timeout=5)


def token(http: urllib3.PoolManager, running: RunningIMDS, ttl: str = "21600") -> str:
    response = http.request("PUT", running.url + "/latest/api/token", headers={TTL: ttl}, retries=False, timeout=5)
    assert response.status == 200
    return response.data.decode()


# --- tokens -------------------------------------------------------------------------------------------------------


def test_token_put_answers_text_and_echoes_ttl(http: urllib3.PoolManager, running: RunningIMDS) -> None:
    response = http.request("PUT", running.url + "/latest/api/token", headers={TTL: "120"}, retries=False)
    assert response.status == 200
    assert response.headers["Content-Type"] == "text/plain"
    assert response.headers["Server"] == "EC2ws"
    assert response.headers[TTL] == "120"
    assert len(response.data) > 20
    read = http.request("GET", running.url + "/latest/meta-data/instance-id", headers={TOKEN: response.data.decode()})
    assert read.status == 200 and read.data == b"i-0a1b2c3d4e5f60718"
    assert 0 < int(read.headers[TTL]) <= 120


@pytest.mark.parametrize("ttl", [None, "0", "21601", "-1", "abc", "1.5", "", "\u00b2", "9" * 40])
def test_token_ttl_missing_or_out_of_range_is_400(
    http: urllib3.PoolManager, running: RunningIMDS, ttl: str | None
) -> None:
    headers = {} if ttl is None else {TTL: ttl}
    response = http.request("PUT", running.url + "/latest/api/token", headers=headers, retries=False)
    assert response.status == 400
    assert b"400 - Bad Request" in response.data and response.headers["Content-Type"] == "text/html"


@pytest.mark.parametrize("ttl", ["1", "21600"])
def test_token_ttl_bounds_are_accepted(http: urllib3.PoolManager, running: RunningIMDS, ttl: str) -> None:
    assert token(http, running, ttl)


def test_token_put_through_a_proxy_is_403(http: urllib3.PoolManager, running: RunningIMDS) -> None:
    headers = {TTL: "60", "X-Forwarded-For": "203.0.113.7"}
    response = http.request("PUT", running.url + "/latest/api/token", headers=headers, retries=False)
    assert response.status == 403


@pytest.mark.parametrize("method", ["GET", "POST", "DELETE", "HEAD"])
def test_other_methods_on_the_token_path_are_405(http: urllib3.PoolManager, running: RunningIMDS, method: str) -> None:
    response = http.request(method, running.url + "/latest/api/token", headers={TTL: "60"}, retries=False)
    assert (response.status, response.reason) == (405, "Not Allowed")
    assert response.headers["Allow"] == "OPTIONS, PUT" and response.data == b""


def test_imds_closes_each_connection(imds: FakeIMDS, http: urllib3.PoolManager, running: RunningIMDS) -> None:
    server = running.servers[-1]
    before = len(server.connections)
    for _ in range(3):
        response = call(http, running, "GET", "/latest/meta-data/instance-id")
        assert response.headers["Connection"] == "close"
        assert response.headers["Last-Modified"] == "Thu, 01 Jan 2026 00:00:00 GMT"
    assert len(server.connections) - before == 3
    assert all(c.requests == 1 for c in server.connections[before:])


def test_writes_to_metadata_are_405(http: urllib3.PoolManager, running: RunningIMDS) -> None:
    assert call(http, running, "PUT", "/latest/meta-data/instance-id").status == 405


def test_unknown_token_is_401(http: urllib3.PoolManager, running: RunningIMDS) -> None:
    response = call(http, running, "GET", "/latest/meta-data/instance-id", **{TOKEN: "AQAEAnot-a-real-token"})
    assert response.status == 401 and b"401 - Unauthorized" in response.data


def test_expired_token_is_401(http: urllib3.PoolManager, running: RunningIMDS) -> None:
    with freeze_time(datetime.now(timezone.utc), tick=True) as clock:
        short = token(http, running, "5")
        assert call(http, running, "GET", "/latest/meta-data/instance-id", **{TOKEN: short}).status == 200
        clock.tick(timedelta(seconds=6))
        assert call(http, running, "GET", "/latest/meta-data/instance-id", **{TOKEN: short}).status == 401


def test_v1_reads_work_unless_tokens_are_required(
    imds: FakeIMDS, http: urllib3.PoolManager, running: RunningIMDS
) -> None:
    assert call(http, running, "GET", "/latest/meta-data/instance-id").status == 200
    with imds.require_tokens():
        assert call(http, running, "GET", "/latest/meta-data/instance-id").status == 401
        v2 = token(http, running)
        assert call(http, running, "GET", "/latest/meta-data/instance-id", **{TOKEN: v2}).status == 200
    assert imds.tokens == "optional"
    assert call(http, running, "GET", "/latest/meta-data/instance-id").status == 200


def test_tokens_required_from_the_constructor(registry: Registry, http: urllib3.PoolManager) -> None:
    imds = FakeIMDS(registry, tokens="required")
    with imds.serve() as running:
        assert call(http, running, "GET", "/latest/meta-data/").status == 401
    with pytest.raises(ValueError, match="optional"):
        FakeIMDS(registry, tokens="sometimes")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="pending_time"):
        InstanceValues(pending_time="yesterday")


# --- the metadata tree -------------------------------------------------------------------------------------------


def crawl(http: urllib3.PoolManager, running: RunningIMDS, path: str, seen: dict[str, bytes]) -> None:
    response = call(http, running, "GET", path)
    assert response.status == 200, path
    assert response.headers["Content-Type"] == "text/plain"
    seen[path] = response.data
    if path.endswith("/"):
        for entry in response.data.decode().split("\n"):
            assert entry and entry == entry.strip()
            crawl(http, running, path + entry, seen)


def test_every_listed_entry_resolves(http: urllib3.PoolManager, running: RunningIMDS) -> None:
    seen: dict[str, bytes] = {}
    crawl(http, running, "/latest/meta-data/", seen)
    crawl(http, running, "/latest/dynamic/", seen)
    for path in [
        "/latest/meta-data/ami-id",
        "/latest/meta-data/instance-id",
        "/latest/meta-data/instance-type",
        "/latest/meta-data/hostname",
        "/latest/meta-data/local-ipv4",
        "/latest/meta-data/mac",
        "/latest/meta-data/placement/availability-zone",
        "/latest/meta-data/placement/region",
        "/latest/meta-data/iam/info",
        "/latest/meta-data/iam/security-credentials/",
        CREDS_PATH,
        "/latest/dynamic/instance-identity/document",
    ]:
        assert path in seen, path
    assert b"iam/" in seen["/latest/meta-data/"].split(b"\n")
    assert seen["/latest/meta-data/iam/security-credentials/"] == ROLE.encode()


def test_directory_without_slash_lists_too(http: urllib3.PoolManager, running: RunningIMDS) -> None:
    response = call(http, running, "GET", "/latest/meta-data/placement")
    assert response.data.decode().split("\n") == ["availability-zone", "availability-zone-id", "region"]


def test_values_come_from_instance_values(registry: Registry, http: urllib3.PoolManager) -> None:
    values = InstanceValues(
        instance_id="i-0123456789abcdef0", region="eu-west-1", local_ipv4="10.1.2.3", account_id="210987654321"
    )
    with FakeIMDS(registry, instance=values).serve() as running:

        def get(path: str) -> str:
            return str(call(http, running, "GET", "/latest/" + path).data.decode())

        assert get("meta-data/instance-id") == "i-0123456789abcdef0"
        assert get("meta-data/placement/region") == "eu-west-1"
        assert get("meta-data/placement/availability-zone") == "eu-west-1a"
        assert get("meta-data/hostname") == "ip-10-1-2-3.eu-west-1.compute.internal"
        document = json.loads(get("dynamic/instance-identity/document"))
        assert document["accountId"] == "210987654321" and document["privateIp"] == "10.1.2.3"
        assert document["instanceId"] == "i-0123456789abcdef0" and document["region"] == "eu-west-1"
        assert set(document) >= {
            "architecture",
            "availabilityZone",
            "imageId",
            "instanceType",
            "pendingTime",
            "version",
        }
        info = json.loads(get("meta-data/iam/info"))
        assert info["Code"] == "Success"
        assert info["InstanceProfileArn"] == f"arn:aws:iam::210987654321:instance-profile/{ROLE}"
        assert info["InstanceProfileId"].startswith("AIPA")
        datetime.strptime(info["LastUpdated"], "%Y-%m-%dT%H:%M:%SZ")


def test_role_credentials_document(registry: Registry, http: urllib3.PoolManager, running: RunningIMDS) -> None:
    response = call(http, running, "GET", CREDS_PATH)
    assert response.headers["Content-Type"] == "text/plain"
    text = response.data.decode()
    assert '"Code" : "Success"' in text  # IMDS's own layout
    doc = json.loads(text)
    assert list(doc) == [
        "Code",
        "LastUpdated",
        "Type",
        "AccessKeyId",
        "SecretAccessKey",
        "Token",
        "Expiration",
    ]
    assert doc["Type"] == "AWS-HMAC" and doc["AccessKeyId"].startswith("ASIA") and len(doc["AccessKeyId"]) == 20
    issued = datetime.strptime(doc["LastUpdated"], "%Y-%m-%dT%H:%M:%SZ")
    expires = datetime.strptime(doc["Expiration"], "%Y-%m-%dT%H:%M:%SZ")
    assert expires - issued == timedelta(hours=6)
    [added] = registry.added
    assert added["access_key_id"] == doc["AccessKeyId"]
    assert added["secret_access_key"] == doc["SecretAccessKey"]
    assert added["session_token"] == doc["Token"]
    assert added["expiration"] == expires.replace(tzinfo=timezone.utc).timestamp()
    assert added["arn"] == f"arn:aws:sts::123456789012:assumed-role/{ROLE}/i-0a1b2c3d4e5f60718"


@pytest.mark.parametrize(
    "path",
    [
        "/latest/meta-data/nope",
        "/latest/meta-data/instance-id/",
        "/latest/meta-data/iam/security-credentials/other-role",
        "/2009-04-04/meta-data/",
        "/latest/meta-data/../../etc/passwd",
        "/latest/meta-data/%00",
        "/latest/" + "x" * 5000,
    ],
    ids=lambda path: path[:40],
)
def test_unknown_paths_are_404(imds: FakeIMDS, http: urllib3.PoolManager, running: RunningIMDS, path: str) -> None:
    response = call(http, running, "GET", path)
    assert (response.status, response.reason) == (404, "Not Found")
    assert b"<title>404 - Not Found</title>" in response.data
    assert not imds.errors


def test_no_role_attached(registry: Registry, http: urllib3.PoolManager) -> None:
    with FakeIMDS(registry, role_name=None).serve() as running:
        assert b"iam/" not in call(http, running, "GET", "/latest/meta-data/").data.split(b"\n")
        assert call(http, running, "GET", "/latest/meta-data/iam/security-credentials/").status == 404
    assert not registry.added


# --- rotation -----------------------------------------------------------------------------------------------------


def test_credentials_rotate_from_the_lead_time_and_old_ones_stay_registered(
    imds: FakeIMDS, registry: Registry, http: urllib3.PoolManager, running: RunningIMDS
) -> None:
    start = datetime(2026, 3, 1, 12, 0, 0, tzinfo=timezone.utc)
    with freeze_time(start) as clock:
        first = json.loads(call(http, running, "GET", CREDS_PATH).data)
        clock.move_to(start + timedelta(hours=5, minutes=44))  # 16 minutes before expiry: still the first set
        assert json.loads(call(http, running, "GET", CREDS_PATH).data)["AccessKeyId"] == first["AccessKeyId"]
        clock.move_to(start + timedelta(hours=5, minutes=46))  # 14 minutes before expiry: a fresh set
        second = json.loads(call(http, running, "GET", CREDS_PATH).data)
    assert second["AccessKeyId"] != first["AccessKeyId"] and second["Token"] != first["Token"]
    assert (second["LastUpdated"], second["Expiration"]) == ("2026-03-01T17:46:00Z", "2026-03-01T23:46:00Z")
    assert [a["access_key_id"] for a in registry.added] == [first["AccessKeyId"], second["AccessKeyId"]]
    assert registry.added[0]["expiration"] == datetime(2026, 3, 1, 18, 0, tzinfo=timezone.utc).timestamp()
    assert len(imds.issued) == 2


def test_lifetime_and_lead_are_configurable_and_validated(registry: Registry, http: urllib3.PoolManager) -> None:
    with pytest.raises(ValueError, match="at least 300"):
        FakeIMDS(registry, rotation_lead=299)
    with pytest.raises(ValueError, match="longer"):
        FakeIMDS(registry, credential_lifetime=600, rotation_lead=600)
    imds = FakeIMDS(registry, credential_lifetime=3600, rotation_lead=300)
    start = datetime(2026, 3, 1, 12, 0, 0, tzinfo=timezone.utc)
    with freeze_time(start) as clock, imds.serve() as running:
        first = json.loads(call(http, running, "GET", CREDS_PATH).data)
        assert first["Expiration"] == "2026-03-01T13:00:00Z"
        clock.move_to(start + timedelta(minutes=54))
        assert json.loads(call(http, running, "GET", CREDS_PATH).data)["AccessKeyId"] == first["AccessKeyId"]
        clock.move_to(start + timedelta(minutes=56))
        assert json.loads(call(http, running, "GET", CREDS_PATH).data)["AccessKeyId"] != first["AccessKeyId"]


# --- faults -------------------------------------------------------------------------------------------------------


def test_go_down_refuses_connections_and_come_up_listens_on_the_same_port(
    imds: FakeIMDS, http: urllib3.PoolManager, running: RunningIMDS
) -> None:
    assert call(http, running, "GET", "/latest/meta-data/instance-id").status == 200
    with imds.go_down():
        started = time.monotonic()
        with pytest.raises(urllib3.exceptions.NewConnectionError):
            call(http, running, "GET", "/latest/meta-data/instance-id")
        assert time.monotonic() - started < 1
    assert call(http, running, "GET", "/latest/meta-data/instance-id").status == 200
    assert running.servers[-1].port == running.port


def test_slow_answers_wait(imds: FakeIMDS, http: urllib3.PoolManager, running: RunningIMDS) -> None:
    with imds.slow(2.0), pytest.raises(urllib3.exceptions.ReadTimeoutError):
        http.request("GET", running.url + "/latest/meta-data/instance-id", retries=False, timeout=0.2)
    started = time.monotonic()
    assert call(http, running, "GET", "/latest/meta-data/instance-id").status == 200
    assert time.monotonic() - started < 1


def test_fail_answers_errors_then_recovers(imds: FakeIMDS, http: urllib3.PoolManager, running: RunningIMDS) -> None:
    imds.fail(500, times=2)
    assert call(http, running, "GET", "/latest/meta-data/instance-id").status == 500
    assert call(http, running, "GET", "/latest/meta-data/instance-id").status == 500
    assert call(http, running, "GET", "/latest/meta-data/instance-id").status == 200
    with imds.fail(404, path="/latest/api/token", method="PUT"):
        assert http.request("PUT", running.url + "/latest/api/token", headers={TTL: "60"}).status == 404
        assert call(http, running, "GET", "/latest/meta-data/instance-id").status == 200
    assert token(http, running)
    with pytest.raises(ValueError):
        imds.fail(200)


def test_journal_records_requests(imds: FakeIMDS, http: urllib3.PoolManager, running: RunningIMDS) -> None:
    v2 = token(http, running)
    call(http, running, "GET", CREDS_PATH, **{TOKEN: v2})
    call(http, running, "GET", CREDS_PATH)
    assert [(r.method, r.path, r.status, r.token) for r in imds.journal] == [
        ("PUT", "/latest/api/token", 200, False),
        ("GET", CREDS_PATH, 200, True),
        ("GET", CREDS_PATH, 200, False),
    ]
    assert imds.credential_fetches == 2
    imds.reset()
    assert list(imds.journal) == [] and imds.credential_fetches == 0


def test_reprs_hide_secrets(imds: FakeIMDS, http: urllib3.PoolManager, running: RunningIMDS) -> None:
    doc = json.loads(call(http, running, "GET", CREDS_PATH).data)
    shown = repr(imds.issued)
    assert doc["AccessKeyId"] in shown
    assert doc["SecretAccessKey"] not in shown and doc["Token"] not in shown


def test_concurrent_reads_at_rotation_mint_one_set(imds: FakeIMDS, registry: Registry, running: RunningIMDS) -> None:
    start = datetime(2026, 3, 1, 12, 0, 0, tzinfo=timezone.utc)
    with freeze_time(start, tick=True) as clock:
        pool = urllib3.PoolManager(maxsize=16)
        first = json.loads(pool.request("GET", running.url + CREDS_PATH).data)["AccessKeyId"]
        clock.move_to(start + timedelta(hours=5, minutes=50))
        barrier = threading.Barrier(16)
        keys: list[str] = []

        def read() -> None:
            barrier.wait()
            keys.append(json.loads(pool.request("GET", running.url + CREDS_PATH, timeout=10).data)["AccessKeyId"])

        threads = [threading.Thread(target=read) for _ in range(16)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=20)
        pool.clear()
    assert len(keys) == 16 and len(set(keys)) == 1 and keys[0] != first
    assert len(registry.added) == 2 == len(imds.issued)


def test_optional_parts_appear_only_when_set(registry: Registry, http: urllib3.PoolManager) -> None:
    values = InstanceValues(
        public_ipv4="54.210.3.4", tags={"Name": "web-1", "team": "core"}, user_data="#!/bin/sh\necho hi\n"
    )
    with FakeIMDS(registry, instance=values).serve() as running:
        seen: dict[str, bytes] = {}
        crawl(http, running, "/latest/meta-data/", seen)
        assert seen["/latest/meta-data/public-ipv4"] == b"54.210.3.4"
        assert seen["/latest/meta-data/public-hostname"] == b"ec2-54-210-3-4.compute-1.amazonaws.com"
        assert seen["/latest/meta-data/tags/instance/"] == b"Name\nteam"
        assert seen["/latest/meta-data/tags/instance/Name"] == b"web-1"
        mac = values.mac
        assert seen[f"/latest/meta-data/network/interfaces/macs/{mac}/subnet-id"] == values.subnet_id.encode()
        assert seen[f"/latest/meta-data/network/interfaces/macs/{mac}/vpc-id"] == values.vpc_id.encode()
        assert seen["/latest/meta-data/placement/availability-zone-id"] == b"use1-az1"
        user_data = call(http, running, "GET", "/latest/user-data")
        assert user_data.data == b"#!/bin/sh\necho hi\n"
        assert user_data.headers["Content-Type"] == "application/octet-stream"
        assert b"user-data" in call(http, running, "GET", "/latest/").data.split(b"\n")
    with FakeIMDS(registry).serve() as running:
        listing = call(http, running, "GET", "/latest/meta-data/").data.split(b"\n")
        assert b"public-ipv4" not in listing and b"tags/" not in listing
        assert call(http, running, "GET", "/latest/user-data").status == 404
        assert call(http, running, "GET", "/latest/").data.split(b"\n") == [b"dynamic", b"meta-data"]


def test_spot_interruption_and_rebalance_notices(
    imds: FakeIMDS, http: urllib3.PoolManager, running: RunningIMDS
) -> None:
    assert call(http, running, "GET", "/latest/meta-data/spot/instance-action").status == 404
    assert call(http, running, "GET", "/latest/meta-data/events/recommendations/rebalance").status == 404
    with freeze_time(datetime(2026, 3, 1, 12, 0, 0, tzinfo=timezone.utc)):
        with imds.interrupt_spot("stop"), imds.recommend_rebalance():
            action = json.loads(call(http, running, "GET", "/latest/meta-data/spot/instance-action").data)
            assert action == {"action": "stop", "time": "2026-03-01T12:02:00Z"}
            termination = call(http, running, "GET", "/latest/meta-data/spot/termination-time").data
            assert termination == b"2026-03-01T12:02:00Z"
            rebalance = call(http, running, "GET", "/latest/meta-data/events/recommendations/rebalance").data
            assert json.loads(rebalance) == {"noticeTime": "2026-03-01T12:00:00Z"}
            assert b"spot/" in call(http, running, "GET", "/latest/meta-data/").data.split(b"\n")
        assert call(http, running, "GET", "/latest/meta-data/spot/instance-action").status == 404
    with pytest.raises(ValueError, match="terminate"):
        imds.interrupt_spot("explode")
