"""A third-party signer for `python -m awsclient.conformance --signer`: botocore's SigV4Auth behind the protocol.

Reads one request (JSON) on stdin and prints it signed (JSON) on stdout, as docs/conformance.md describes.
Header mode is botocore's own `add_auth` at the case's timestamp; query mode adds the X-Amz-* parameters and
signs with botocore's canonical request, string to sign and signature. `--hard-coded-region` is a deliberate
bug (the scope always says us-east-1), for the test that a wrong signer is reported.
"""

from __future__ import annotations

import base64
import hashlib
import json
import sys
from urllib.parse import quote, unquote

from botocore.auth import S3SigV4Auth, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from freezegun import freeze_time

GENERATED = {"authorization", "x-amz-date", "x-amz-security-token", "x-amz-content-sha256"}


def encode(text: str) -> str:
    return quote(text, safe="~")


def main() -> None:
    case = json.load(sys.stdin)
    options, creds = case["options"], case["credentials"]
    body = base64.b64decode(case["body"])
    token = creds["session_token"]
    signed_token = token if token and not options["omit_session_token"] else None
    region = "us-east-1" if "--hard-coded-region" in sys.argv else case["region"]
    signer = S3SigV4Auth if case["service"] == "s3" else SigV4Auth
    credentials = Credentials(creds["access_key_id"], creds["secret_access_key"], signed_token)
    auth = signer(credentials, case["service"], region)
    headers = [(name, value) for name, value in case["headers"] if name.lower() not in GENERATED]
    host = next(value for name, value in headers if name.lower() == "host")
    request = AWSRequest(method=case["method"], url=f"http://{host}{case['path']}", data=body)
    request.params = [(unquote(k), unquote(v)) for k, _, v in (p.partition("=") for p in case["query"].split("&") if p)]
    for name, value in headers:
        request.headers[name] = value
    if options["sign_body"]:
        request.headers["X-Amz-Content-Sha256"] = hashlib.sha256(body).hexdigest()
    stamp = case["timestamp"]
    query = case["query"]
    if case["mode"] == "header":
        with freeze_time(f"{stamp[:4]}-{stamp[4:6]}-{stamp[6:8]}T{stamp[9:11]}:{stamp[11:13]}:{stamp[13:15]}Z"):
            auth.add_auth(request)
        if token and not signed_token:
            request.headers["X-Amz-Security-Token"] = token
    else:
        request.context["timestamp"] = stamp
        params = [
            ("X-Amz-Algorithm", "AWS4-HMAC-SHA256"),
            ("X-Amz-Credential", f"{creds['access_key_id']}/{auth.credential_scope(request)}"),
            ("X-Amz-Date", stamp),
            ("X-Amz-SignedHeaders", auth.signed_headers(auth.headers_to_sign(request))),
        ]
        if options["expiration_in_seconds"]:
            params.append(("X-Amz-Expires", str(options["expiration_in_seconds"])))
        if signed_token:
            params.append(("X-Amz-Security-Token", signed_token))
        request.params = [*request.params, *params]
        canonical = auth.canonical_request(request)
        signature = auth.signature(auth.string_to_sign(request, canonical), request)
        params.append(("X-Amz-Signature", signature))
        if token and not signed_token:
            params.append(("X-Amz-Security-Token", token))
        query = "&".join(filter(None, [query, *(f"{k}={encode(v)}" for k, v in params)]))
    print(
        json.dumps(
            {
                "method": case["method"],
                "path": case["path"],
                "query": query,
                "headers": [[name, value] for name, value in request.headers.items()],
                "body": base64.b64encode(body).decode("ascii"),
            }
        )
    )


if __name__ == "__main__":
    main()
