import io
import json
import pickle
import resource
import time
from pathlib import Path

import pytest
from botocore.awsrequest import HeadersDict
from botocore.parsers import create_parser
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from awsclient.errors import AwsError, check_response, header_and_response_to_exn, safe_xml_parser

FIXTURES = Path(__file__).parents[1] / "fixtures" / "errors"
CASES = json.loads((FIXTURES / "cases.json").read_text())


@pytest.mark.parametrize("name", sorted(CASES))
def test_captured_bodies_of_every_family(name: str) -> None:
    case = CASES[name]
    err = header_and_response_to_exn(case["head"], (FIXTURES / name).read_bytes())
    _, status, reason = case["head"].split("\r\n", 1)[0].split(" ", 2)
    assert err.http_code == int(status)
    assert err.http_message == reason
    assert err.aws_code == case["code"]
    assert err.aws_message == case["message"]
    assert err.request_id == case["request_id"]
    assert str(err) == f'HTTP {status} "{reason}". AWS Code="{case["code"]}" Message="{case["message"]}"'


def _head_fields(head: str) -> tuple[int, HeadersDict]:
    lines = head.split("\r\n")
    headers = HeadersDict()
    for line in lines[1:]:
        if line:
            name, _, value = line.partition(":")
            headers[name] = value.strip()
    return int(lines[0].split()[1]), headers


@pytest.mark.parametrize("name", sorted(n for n, c in CASES.items() if c["protocol"]))
def test_botocore_reads_the_same_code_and_message(name: str) -> None:
    case = CASES[name]
    status, headers = _head_fields(case["head"])
    body = (FIXTURES / name).read_bytes()
    parsed = create_parser(case["protocol"]).parse({"status_code": status, "headers": headers, "body": body}, None)
    ours = header_and_response_to_exn(headers, body, status=status)
    assert (ours.aws_code, ours.aws_message) == (parsed["Error"]["Code"], parsed["Error"]["Message"])
    assert ours.request_id == (parsed["ResponseMetadata"].get("RequestId") or case["request_id"])


def test_s3_extras_and_host_id_are_details() -> None:
    err = header_and_response_to_exn(
        CASES["s3-signature-mismatch.xml"]["head"], (FIXTURES / "s3-signature-mismatch.xml").read_bytes()
    )
    assert err.details["AWSAccessKeyId"] == "AKIAIOSFODNN7EXAMPLE"
    assert err.details["CanonicalRequest"].startswith("GET\n/test.txt\n")
    assert err.details["HostId"].startswith("3LhVZ9")
    query = header_and_response_to_exn(
        CASES["query-throttling.xml"]["head"], (FIXTURES / "query-throttling.xml").read_bytes()
    )
    assert query.details == {"Type": "Sender"}


def test_mapping_headers_with_status_and_standard_phrase() -> None:
    body = b'{"__type": "com.amazonaws.kinesis.v20131202#ProvisionedThroughputExceededException", "message": "x"}'
    err = header_and_response_to_exn({"Content-Type": "application/x-amz-json-1.1"}, body, status=400)
    assert (err.http_code, err.http_message, err.aws_code, err.aws_message) == (
        400,
        "Bad Request",
        "ProvisionedThroughputExceededException",
        "x",
    )
    with pytest.raises(ValueError, match="status"):
        header_and_response_to_exn({"Content-Type": "text/xml"}, b"")


def test_error_type_header_alone_and_json_code_field() -> None:
    err = header_and_response_to_exn(
        {"X-Amzn-ErrorType": "ValidationException:http://internal.amazon.com/coral/com.amazon.coral.validate/"},
        b"",
        status=400,
    )
    assert err.aws_code == "ValidationException" and err.aws_message == ""
    err = header_and_response_to_exn(
        "HTTP/1.1 409 Conflict\r\nContent-Type: application/json\r\n\r\n", b'{"code": "Conflict", "message": "busy"}'
    )
    assert (err.http_message, err.aws_code, err.aws_message) == ("Conflict", "Conflict", "busy")


def test_lxml_element_body_and_bytes_head() -> None:
    root = etree.fromstring((FIXTURES / "ec2-auth-failure.xml").read_bytes(), parser=safe_xml_parser())
    err = header_and_response_to_exn(b"HTTP/1.1 401 Unauthorized\r\n\r\n", root)
    assert (err.aws_code, err.request_id) == ("AuthFailure", "5d3a7b1c-9e2f-4a6b-8c0d-1e2f3a4b5c6d")


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"   \n",
        b"<html><body>Service Unavailable</body></html>",
        b"<Error><Code>Trunc",
        b"{not json",
        b'["a list"]',
        b'{"__type": 42, "message": ["x"]}',
        b"\xff\xfe\x00garbage",
        b"<?xml version='1.0'?><Other><Thing/></Other>",
        b"[" * 100_000,
    ],
)
def test_unparseable_bodies_still_give_http_fields(body: bytes) -> None:
    err = header_and_response_to_exn("HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/html\r\n\r\n", body)
    assert (err.http_code, err.http_message, err.aws_code, err.aws_message) == (503, "Service Unavailable", "", "")
    assert str(err) == 'HTTP 503 "Service Unavailable". AWS Code="" Message=""'


def test_unknown_status_without_reason() -> None:
    err = header_and_response_to_exn("HTTP/1.1 599\r\n\r\n", b"")
    assert (err.http_code, err.http_message) == (599, "")
    assert header_and_response_to_exn({}, b"", status=429).http_message == "Too Many Requests"


XXE = b"""<?xml version="1.0"?>
<!DOCTYPE Error [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<Error><Code>AccessDenied</Code><Message>leak: &xxe;</Message><RequestId>r1</RequestId></Error>"""


@pytest.mark.timeout(10)
def test_external_entities_are_never_resolved() -> None:
    assert b"root:" in Path("/etc/passwd").read_bytes()  # the file exists, so a resolved entity would show
    err = header_and_response_to_exn("HTTP/1.1 403 Forbidden\r\n\r\n", XXE)
    assert err.aws_code == "AccessDenied"
    assert "root:" not in err.aws_message and "root:" not in str(err) and "root:" not in repr(err.details)


def _billion_laughs() -> bytes:
    entities = ['<!ENTITY lol0 "lollollollollollollollollollol">']
    entities += [f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)]
    return (
        '<?xml version="1.0"?>\n<!DOCTYPE Error [' + "".join(entities) + "]>\n"
        "<Error><Code>Boom</Code><Message>&lol9;</Message></Error>"
    ).encode()


@pytest.mark.timeout(10)
def test_billion_laughs_is_harmless() -> None:
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.monotonic()
    err = header_and_response_to_exn("HTTP/1.1 400 Bad Request\r\n\r\n", _billion_laughs())
    assert time.monotonic() - started < 1.0
    assert len(err.aws_message) < 100 and "lollol" not in err.aws_message
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before < 50_000  # KiB


def test_check_response_passes_success_and_redirects_untouched() -> None:
    for status in (200, 204, 206, 301, 302, 307):
        stream = io.BytesIO(b"<Body/>")
        head = {"Content-Type": "text/xml"}
        assert check_response(stream, head, status=status) is head
        assert stream.tell() == 0  # the body is the caller's


class _Stream(io.BytesIO):
    status = 404


def test_check_response_raises_reads_bounded_and_leaves_stream_open() -> None:
    body = (FIXTURES / "s3-no-such-key.xml").read_bytes()
    stream = _Stream(body + b" " * (2 * 1024 * 1024))
    with pytest.raises(AwsError) as info:
        check_response(stream, {"x-amz-request-id": "8E9B2C7A1F3D4E5B"})
    assert info.value.aws_code == "NoSuchKey" and info.value.http_code == 404
    assert stream.tell() == 1024 * 1024 and not stream.closed
    head = "HTTP/1.1 304 Not Modified\r\n\r\n"
    with pytest.raises(AwsError, match='HTTP 304 "Not Modified"'):
        check_response(io.BytesIO(b""), head)


def test_errors_pickle_and_redact() -> None:
    err = AwsError(
        403, "", "ExpiredToken", "token FwoGZXIvYXdzEXAMPLE expired", "rid", {"Token": "FwoGZXIvYXdzEXAMPLE"}
    )
    again = pickle.loads(pickle.dumps(err))
    assert (again.http_message, again.aws_code, again.request_id) == ("Forbidden", "ExpiredToken", "rid")
    clean = err.redacted("FwoGZXIvYXdzEXAMPLE", None)
    assert "FwoGZXIvYXdz" not in str(clean) + repr(clean.details)
    assert err.redacted(None) is err


@pytest.mark.fuzz
@settings(max_examples=300, deadline=None)
@given(
    status=st.integers(100, 599),
    content_type=st.sampled_from(["text/xml", "application/json", "application/x-amz-json-1.1", "text/html", ""]),
    body=st.one_of(
        st.binary(max_size=300),
        st.text(max_size=300).map(str.encode),
        st.recursive(
            st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=20)),
            lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
            max_leaves=10,
        ).map(lambda doc: json.dumps(doc).encode()),
        st.lists(
            st.sampled_from(["<Error>", "</Error>", "<Code>", "</Code>", "x", "&amp;", "<!DOCTYPE a>", "]]>"])
        ).map(lambda parts: "".join(parts).encode()),
    ),
)
def test_any_body_gives_an_aws_error_and_never_raises(status: int, content_type: str, body: bytes) -> None:
    err = header_and_response_to_exn(f"HTTP/1.1 {status} Whatever\r\nContent-Type: {content_type}\r\n\r\n", body)
    assert err.http_code == status and err.http_message == "Whatever"
    assert isinstance(err.aws_code, str) and isinstance(err.aws_message, str)
    assert str(err).startswith(f'HTTP {status} "Whatever". AWS Code="')


class _SlowDownStream(io.BytesIO):
    status = 503
    reason = "Slow Down"


def test_check_response_takes_the_reason_phrase_from_the_stream() -> None:
    stream = _SlowDownStream((FIXTURES / "s3-slow-down.xml").read_bytes())
    with pytest.raises(AwsError) as info:
        check_response(stream, {"Content-Type": "application/xml"})
    assert str(info.value).startswith('HTTP 503 "Slow Down". AWS Code="SlowDown"')


def test_http_client_response_as_stream_and_headers() -> None:
    import http.client
    import socket

    body = (FIXTURES / "query-throttling.xml").read_bytes()
    raw = b"HTTP/1.1 400 Bad Request\r\nx-amzn-RequestId: q-1\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)
    left, right = socket.socketpair()
    with left, right:
        right.sendall(raw)
        response = http.client.HTTPResponse(left)
        response.begin()
        with pytest.raises(AwsError) as info:
            check_response(response, response.msg)
        response.close()
    assert (info.value.http_message, info.value.aws_code, info.value.request_id) == ("Bad Request", "Throttling", "q-1")
    pairs = header_and_response_to_exn([("X-Amzn-Query-Error", "AWS.Queue.Missing;Sender")], b"", status=400)
    assert (pairs.aws_code, pairs.details) == ("AWS.Queue.Missing", {"Type": "Sender"})
