"""SQS over the query protocol, as older SDKs speak it: a real botocore client built from a query-protocol SQS
model, and raw signed form posts. The same queues answer JSON and query requests alike.

The query model comes from two places: an older botocore's own SQS model (query protocol) when one is installed
(the Google Cloud SDK ships botocore 1.34), and one derived here from the installed JSON model by giving it the
query API's wire names (`Attribute.N.Name`, `SendMessageBatchRequestEntry.N.Id`, repeated `<Message>`).
"""

from __future__ import annotations

import copy
import gzip
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import boto3
import botocore.loaders
import botocore.session
import pytest
from botocore.exceptions import ClientError
from endpoint_helpers import NO_RETRY, client, creds, send, signed

from awsfake import DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY

pytestmark = pytest.mark.timeout(60)

NAMESPACE = "http://queue.amazonaws.com/doc/2012-11-05/"
OLDER_BOTOCORE = Path("/usr/lib/google-cloud-sdk/lib/third_party/botocore/data/sqs/2012-11-05/service-2.json")
FORM = "application/x-www-form-urlencoded; charset=utf-8"

# The query API's element names for the JSON model's maps (the lists are named for their items: XList -> X).
_MAP_ELEMENTS = {
    "QueueAttributeMap": ("Attribute", "Name", "Value"),
    "MessageSystemAttributeMap": ("Attribute", "Name", "Value"),
    "MessageBodyAttributeMap": ("MessageAttribute", "Name", "Value"),
    "MessageBodySystemAttributeMap": ("MessageSystemAttribute", "Name", "Value"),
    "TagMap": ("Tag", "Key", "Value"),
}


def derived_query_model() -> dict[str, Any]:
    """The installed JSON-protocol SQS model spoken as query: protocol, namespace, `<XResult>` wrappers and the
    query wire names."""
    model = copy.deepcopy(botocore.loaders.Loader().load_service_model("sqs", "service-2"))
    model["metadata"].update(protocol="query", protocols=["query"], xmlNamespace=NAMESPACE)
    for key in ("jsonVersion", "targetPrefix", "awsQueryCompatible"):
        model["metadata"].pop(key, None)
    for name, operation in model["operations"].items():
        if "output" in operation:
            operation["output"]["resultWrapper"] = f"{name}Result"
    for name, shape in model["shapes"].items():
        if shape["type"] == "list" and shape.get("flattened") and name.endswith("List"):
            shape["member"]["locationName"] = name[: -len("List")]
        if name in _MAP_ELEMENTS:
            element, key, value = _MAP_ELEMENTS[name]
            shape.update(locationName=element)
            shape["key"]["locationName"], shape["value"]["locationName"] = key, value
    return dict(model)


def _sources() -> list[Any]:
    older = pytest.param(
        "older-botocore",
        marks=pytest.mark.skipif(not OLDER_BOTOCORE.exists(), reason="no older botocore with a query SQS model"),
    )
    return ["derived", older]


@pytest.fixture(scope="module", params=_sources())
def data_path(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp(f"models-{request.param}")
    folder = root / "sqs" / "2012-11-05"
    folder.mkdir(parents=True)
    model = json.loads(OLDER_BOTOCORE.read_text()) if request.param == "older-botocore" else derived_query_model()
    assert model["metadata"]["protocol"] == "query"
    (folder / "service-2.json.gz").write_bytes(gzip.compress(json.dumps(model).encode()))
    return root


@pytest.fixture
def sqs(url: str, data_path: Path) -> Iterator[Any]:
    """A botocore SQS client that speaks the query protocol (models loaded from `data_path` first)."""
    core = botocore.session.get_session()
    core.set_config_variable("data_path", str(data_path))
    session = boto3.Session(
        botocore_session=core,
        aws_access_key_id=DEFAULT_ACCESS_KEY_ID,
        aws_secret_access_key=DEFAULT_SECRET_ACCESS_KEY,
        region_name="us-east-1",
    )
    query_client = session.client("sqs", endpoint_url=url, config=NO_RETRY)
    assert query_client.meta.service_model.protocol == "query"
    yield query_client


def test_query_client_round_trip(sqs: Any, url: str) -> None:
    queue = sqs.create_queue(QueueName="q1", Attributes={"VisibilityTimeout": "45"}, tags={"team": "a"})["QueueUrl"]
    assert queue == f"{url}/123456789012/q1"
    assert sqs.get_queue_url(QueueName="q1")["QueueUrl"] == queue
    assert sqs.list_queues()["QueueUrls"] == [queue]
    attributes = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["All"])["Attributes"]
    assert attributes["VisibilityTimeout"] == "45"
    assert attributes["QueueArn"] == "arn:aws:sqs:us-east-1:123456789012:q1"
    sqs.set_queue_attributes(QueueUrl=queue, Attributes={"DelaySeconds": "0", "MaximumMessageSize": "2048"})
    assert sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["MaximumMessageSize"])["Attributes"] == {
        "MaximumMessageSize": "2048"
    }
    sqs.tag_queue(QueueUrl=queue, Tags={"env": "test"})
    assert sqs.list_queue_tags(QueueUrl=queue)["Tags"] == {"team": "a", "env": "test"}
    sqs.untag_queue(QueueUrl=queue, TagKeys=["team"])
    assert sqs.list_queue_tags(QueueUrl=queue)["Tags"] == {"env": "test"}


def test_query_client_messages(sqs: Any) -> None:
    queue = sqs.create_queue(QueueName="msgs")["QueueUrl"]
    attribute = {"color": {"DataType": "String", "StringValue": "blue"}}
    # botocore checks MD5OfMessageBody and MD5OfMessageAttributes against what it sent
    sent = sqs.send_message(QueueUrl=queue, MessageBody="hello", MessageAttributes=attribute)
    batch = sqs.send_message_batch(
        QueueUrl=queue,
        Entries=[{"Id": "a", "MessageBody": "one"}, {"Id": "b", "MessageBody": "two", "MessageAttributes": attribute}],
    )
    assert sorted(e["Id"] for e in batch["Successful"]) == ["a", "b"]
    assert batch.get("Failed", []) == []
    received = sqs.receive_message(
        QueueUrl=queue, MaxNumberOfMessages=10, AttributeNames=["All"], MessageAttributeNames=["All"]
    )["Messages"]
    assert [m["Body"] for m in received] == ["hello", "one", "two"]
    assert received[0]["MessageId"] == sent["MessageId"]
    assert received[0]["MessageAttributes"] == {"color": {"DataType": "String", "StringValue": "blue"}}
    assert received[0]["Attributes"]["ApproximateReceiveCount"] == "1"
    deleted = sqs.delete_message_batch(
        QueueUrl=queue,
        Entries=[{"Id": "x", "ReceiptHandle": received[0]["ReceiptHandle"]}, {"Id": "y", "ReceiptHandle": "bogus"}],
    )
    assert [e["Id"] for e in deleted["Successful"]] == ["x"]
    failed = deleted["Failed"]
    assert failed[0]["Id"] == "y" and failed[0]["Code"] == "ReceiptHandleIsInvalid" and failed[0]["SenderFault"]
    sqs.change_message_visibility(QueueUrl=queue, ReceiptHandle=received[2]["ReceiptHandle"], VisibilityTimeout=0)
    sqs.delete_message(QueueUrl=queue, ReceiptHandle=received[1]["ReceiptHandle"])
    sqs.purge_queue(QueueUrl=queue)
    sqs.delete_queue(QueueUrl=queue)


def test_query_client_errors_carry_query_codes(sqs: Any) -> None:
    with pytest.raises(ClientError) as missing:
        sqs.get_queue_url(QueueName="missing")
    assert missing.value.response["Error"]["Code"] == "AWS.SimpleQueueService.NonExistentQueue"
    assert missing.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    sqs.create_queue(QueueName="q")
    with pytest.raises(ClientError) as exists:
        sqs.create_queue(QueueName="q", Attributes={"DelaySeconds": "5"})
    assert exists.value.response["Error"]["Code"] == "QueueAlreadyExists"


def test_json_and_query_see_the_same_queues(sqs: Any, url: str) -> None:
    json_client = client(url, "sqs")
    queue = json_client.create_queue(QueueName="shared")["QueueUrl"]
    sqs.send_message(QueueUrl=queue, MessageBody="from query")
    assert json_client.receive_message(QueueUrl=queue)["Messages"][0]["Body"] == "from query"


def _form_post(url: str, form: str, path: str = "/") -> Any:
    body = form.encode()
    headers = signed(url, "POST", path, service="sqs", body=body, headers={"Content-Type": FORM})
    return send(url, "POST", path, headers, body)


def _xml(data: bytes) -> ElementTree.Element:
    return ElementTree.fromstring(data)


def test_raw_form_posts_get_query_xml(url: str) -> None:
    created = _form_post(url, "Action=CreateQueue&QueueName=q1&Version=2012-11-05")
    assert created.status == 200
    assert created.headers["Content-Type"] == "text/xml"
    root = _xml(created.data)
    assert root.tag == f"{{{NAMESPACE}}}CreateQueueResponse"
    queue_url = root.findtext(f"{{{NAMESPACE}}}CreateQueueResult/{{{NAMESPACE}}}QueueUrl")
    assert queue_url == f"{url}/123456789012/q1"
    assert root.findtext(f"{{{NAMESPACE}}}ResponseMetadata/{{{NAMESPACE}}}RequestId")
    # an older SDK posts to the queue's own URL and names no QueueUrl; boto 2 sends an unnumbered AttributeName
    sent = _form_post(url, "Action=SendMessage&MessageBody=hi&Version=2012-11-05", "/123456789012/q1")
    assert sent.status == 200 and _xml(sent.data).tag == f"{{{NAMESPACE}}}SendMessageResponse"
    got = _form_post(url, "Action=GetQueueAttributes&AttributeName=All", "/123456789012/q1")
    attributes = {
        a.findtext(f"{{{NAMESPACE}}}Name"): a.findtext(f"{{{NAMESPACE}}}Value")
        for a in _xml(got.data).iter(f"{{{NAMESPACE}}}Attribute")
    }
    assert attributes["ApproximateNumberOfMessages"] == "1"


def test_raw_form_errors_are_query_error_responses(url: str) -> None:
    missing = _form_post(url, "Action=GetQueueUrl&QueueName=nope&Version=2012-11-05")
    assert missing.status == 400
    root = _xml(missing.data)
    assert root.tag == f"{{{NAMESPACE}}}ErrorResponse"
    assert root.findtext(f"{{{NAMESPACE}}}Error/{{{NAMESPACE}}}Code") == "AWS.SimpleQueueService.NonExistentQueue"
    assert root.findtext(f"{{{NAMESPACE}}}Error/{{{NAMESPACE}}}Type") == "Sender"
    unknown = _form_post(url, "Action=Frobnicate&Version=2012-11-05")
    assert unknown.status == 400
    assert _xml(unknown.data).findtext(f"{{{NAMESPACE}}}Error/{{{NAMESPACE}}}Code") == "InvalidAction"


def test_form_post_with_a_wrong_secret_is_refused_in_query_xml(url: str) -> None:
    body = b"Action=ListQueues&Version=2012-11-05"
    headers = signed(
        url, "POST", "/", service="sqs", body=body, headers={"Content-Type": FORM}, credentials=creds(secret="wrong")
    )
    refused = send(url, "POST", "/", headers, body)
    assert refused.status == 403
    code = _xml(refused.data).findtext(f"{{{NAMESPACE}}}Error/{{{NAMESPACE}}}Code")
    assert code == "SignatureDoesNotMatch"


def _signed_get(url: str, path: str, credentials: Any = None) -> Any:
    """A query-protocol GET as older SDKs and hand-written scripts send it: parameters in the URL, no Content-Type."""
    headers = signed(url, "GET", path, service="sqs", **({"credentials": credentials} if credentials else {}))
    return send(url, "GET", path, headers)


def test_signed_get_with_an_action_is_answered_in_query_xml(url: str) -> None:
    client(url, "sqs").create_queue(QueueName="by-get")
    listed = _signed_get(url, "/?Action=ListQueues&Version=2012-11-05")
    assert listed.status == 200 and listed.headers["Content-Type"] == "text/xml"
    root = _xml(listed.data)
    assert root.tag == f"{{{NAMESPACE}}}ListQueuesResponse"
    assert root.findtext(f"{{{NAMESPACE}}}ListQueuesResult/{{{NAMESPACE}}}QueueUrl") == f"{url}/123456789012/by-get"
    # to the queue's own URL too
    attributes = _signed_get(url, "/123456789012/by-get?Action=GetQueueAttributes&AttributeName.1=All")
    assert _xml(attributes.data).tag == f"{{{NAMESPACE}}}GetQueueAttributesResponse"


def test_signed_get_with_a_wrong_secret_is_refused_in_query_xml(url: str) -> None:
    refused = _signed_get(url, "/?Action=ListQueues&Version=2012-11-05", creds(secret="wrong"))
    assert refused.status == 403
    root = _xml(refused.data)
    assert root.tag == f"{{{NAMESPACE}}}ErrorResponse"
    assert root.findtext(f"{{{NAMESPACE}}}Error/{{{NAMESPACE}}}Code") == "SignatureDoesNotMatch"
