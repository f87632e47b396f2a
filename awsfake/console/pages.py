"""The dashboard: server-rendered HTML (no build step), with one small script for live updates and the diff.

Pages: the recent requests (`/_awsfake/`, its table refreshed every second from `?rows=1`), one request with the
signature debugger (`/_awsfake/requests/<request id>`), the state browser (`/_awsfake/browse`) with object
downloads. Every value shown is escaped; secrets never reach a record, so none can be shown.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timezone
from html import escape
from importlib import resources
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from werkzeug.wrappers import Request, Response

from awsfake.console import api
from awsfake.console.debugger import diagnose, expected_signing, named_operation
from awsfake.console.state import snapshot, stored_object
from awsfake.doubles.journal import Record

if TYPE_CHECKING:
    from awsfake.endpoint import FakeAWS

__all__ = ["browse", "dashboard", "download", "request_detail", "static"]

_STATIC_TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8"}
_FILTERS = (("service", "service"), ("operation", "operation"), ("status", "status"))


def _page(fake: FakeAWS, title: str, body: str) -> Response:
    html = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>awsfake · {escape(title)}</title>
<link rel="icon" href="data:,"><link rel="stylesheet" href="/_awsfake/static/console.css"></head>
<body><header><strong>awsfake</strong>
<nav><a href="/_awsfake/">Requests</a><a href="/_awsfake/browse">State</a><a href="/_awsfake/health">Health</a></nav>
<span class="where">{escape(fake.url or "")} · {escape(fake.region)}</span></header>
<main><h1>{escape(title)}</h1>
{body}</main>
<script src="/_awsfake/static/console.js"></script></body></html>
"""
    return Response(html, content_type="text/html; charset=utf-8", headers={"Cache-Control": "no-store"})


def _clock(moment: float) -> str:
    return datetime.fromtimestamp(moment, tz=timezone.utc).strftime("%H:%M:%S")


def _rows(records: list[Record]) -> str:
    if not records:
        return '<tr class="empty"><td colspan="8">No requests yet.</td></tr>'
    out = []
    for r in records:
        refused = r.error is not None
        verdict = escape(r.error or "OK")
        link = f'<a href="/_awsfake/requests/{quote(r.request_id)}">{"why?" if refused else "details"}</a>'
        named = "" if r.action or not refused else named_operation(r)
        operation = escape(r.action) if r.action else f'<i title="named by the refused request">{escape(named)}</i>'
        out.append(
            f'<tr class="{"refused" if refused else "ok"}"><td>{_clock(r.time)}</td><td>{escape(r.method)}</td>'
            f"<td>{escape(r.service)}</td><td>{operation if r.action or named else '-'}</td>"
            f"<td>{escape(r.access_key_id or '-')}</td>"
            f'<td>{r.status}</td><td class="verdict">{verdict}</td><td>{link}</td></tr>'
        )
    return "\n".join(out)


def dashboard(fake: FakeAWS, request: Request) -> Response:
    """The recent requests, newest first; `?rows=1` answers only the table's rows (the script polls it)."""
    try:
        records = api.records(fake, request.args)
    except ValueError as exc:
        return api.json_response({"error": str(exc)}, status=400)
    if request.args.get("rows"):
        return Response(_rows(records), content_type="text/html; charset=utf-8", headers={"Cache-Control": "no-store"})
    inputs = "".join(
        f'<label>{label} <input name="{name}" value="{escape(request.args.get(name, ""))}" size="12"></label>'
        for label, name in _FILTERS
    )
    verified = request.args.get("verified", "")
    choices = "".join(
        f'<option value="{v}"{" selected" if v == verified else ""}>{t}</option>'
        for v, t in (("", "any"), ("true", "verified"), ("false", "refused"))
    )
    body = f"""<form class="filters" method="get">{inputs}
<label>verdict <select name="verified">{choices}</select></label>
<button>Filter</button> <button type="button" id="reset" title="POST /_awsfake/reset">Reset the fake</button>
<span id="live">live</span></form>
<table id="requests"><thead><tr><th>time (UTC)</th><th>method</th><th>service</th><th>operation</th>
<th>caller (access key id)</th><th>status</th><th>verdict</th><th></th></tr></thead>
<tbody id="rows" data-live="1">{_rows(records)}</tbody></table>"""
    return _page(fake, "Requests", body)


def request_detail(fake: FakeAWS, request: Request, request_id: str) -> Response:
    record = next((r for r in reversed(list(fake.requests)) if r.request_id == request_id), None)
    if record is None:
        return _page(fake, "Request not found", "<p>No such request in the journal (it may have been reset).</p>")
    facts = [
        ("time (UTC)", datetime.fromtimestamp(record.time, tz=timezone.utc).strftime("%Y-%m-%d %H:%M:%S")),
        ("request", f"{record.method} {record.path}"),
        ("service · operation", f"{record.service} · {record.action or '-'}"),
        ("region", record.region or "-"),
        ("caller (access key id)", record.access_key_id or "-"),
        ("status", str(record.status)),
        ("verdict", record.error or "OK"),
        ("message", _message(record)),
        ("request id", record.request_id),
    ]
    rows = "".join(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in facts)
    body = f'<table class="facts">{rows}</table>'
    if record.error is not None:
        body += _debugger(record)
    return _page(fake, f"{record.service} {record.action or record.method} — {record.error or 'OK'}", body)


def _message(record: Record) -> str:
    """The error message; its canonical request and string to sign, when it quotes them, are in the debugger."""
    if expected_signing(record) is not None and "\n\n" in record.message:
        return record.message.split("\n\n", 1)[0] + " (the expected signing strings are below)"
    return record.message or "-"


def _debugger(record: Record) -> str:
    diagnosis = diagnose(record)
    reasons = "".join(f"<li>{escape(r)}</li>" for r in diagnosis.reasons)
    html = f'<section id="cause"><h2>Likely cause: {escape(diagnosis.cause)}</h2><ul>{reasons}</ul></section>'
    signing = expected_signing(record)
    if signing is None:
        return html
    canonical, to_sign = signing
    return (
        html
        + f"""<section id="debugger" data-expected-sts="{escape(to_sign)}">
<h2>Signature debugger</h2>
<div class="columns">
<div><h3>What the fake expected</h3>
<h4>Canonical request</h4>{_numbered("expected-canonical", canonical)}
<h4>String to sign</h4>{_numbered("expected-sts", to_sign)}</div>
<div><h3>What the client signed</h3>
<p class="hint">The signature only hashes it: paste the client's canonical request (boto3:
<code>boto3.set_stream_logger("botocore.auth")</code>; AWS CLI: <code>--debug</code>, after "CanonicalRequest:").</p>
<textarea id="client-canonical" rows="12" spellcheck="false" placeholder="GET&#10;/&#10;..."></textarea>
<button type="button" id="compare">Compare</button>
<div id="client-view"></div>
<ul id="differences"></ul></div>
</div></section>"""
    )


def _numbered(element_id: str, text: str) -> str:
    lines = "".join(
        f'<span class="line" data-n="{n}">{escape(line) or "&nbsp;"}</span>' for n, line in enumerate(text.split("\n"))
    )
    return f'<pre id="{element_id}" class="signing">{lines}</pre>'


def browse(fake: FakeAWS, request: Request) -> Response:
    state = snapshot(fake)
    parts = [
        _buckets(state.get("s3", {})),
        _queues(state.get("sqs", {})),
        _topics(state.get("sns", {})),
        _tables(state.get("dynamodb", {})),
    ]
    return _page(fake, "State", "\n".join(parts))


def _buckets(s3: dict[str, Any]) -> str:
    groups = []
    for bucket in s3.get("buckets", []):
        name = bucket["name"]
        rows = (
            f'<tr><td><a href="/_awsfake/objects/{quote(name)}/{quote(o["key"])}" download>{escape(o["key"])}</a>'
            f"</td><td>{o['size']}</td><td>{escape(o['content_type'])}</td><td>{escape(o['last_modified'])}</td></tr>"
            for o in bucket["objects"]
        )
        heading = f'<h3 class="bucket">{escape(name)} <small>{escape(bucket["region"])}</small></h3>'
        groups.append(heading + _table(("key", "bytes", "type", "modified"), rows, "empty"))
    return _section("s3", "S3 buckets", groups, "No buckets.")


def _queues(sqs: dict[str, Any]) -> str:
    groups = []
    for queue in sqs.get("queues", []):
        rows = (
            f'<tr><td>{escape(m["message_id"])}</td><td class="body">{escape(m["body"])}</td>'
            f"<td>{escape(m['sent'])}</td><td>{m['receive_count']}</td></tr>"
            for m in queue["messages"]
        )
        heading = f'<h3 class="queue">{escape(queue["name"])} <small>{escape(queue["region"])}</small></h3>'
        groups.append(heading + _table(("message id", "body", "sent", "receives"), rows, "no messages"))
    return _section("sqs", "SQS queues", groups, "No queues.")


def _topics(sns: dict[str, Any]) -> str:
    groups = []
    for topic in sns.get("topics", []):
        rows = (
            f"<tr><td>{escape(s['protocol'])}</td><td>{escape(s['endpoint'])}</td>"
            f"<td>{'confirmed' if s['confirmed'] else 'pending'}</td></tr>"
            for s in topic["subscriptions"]
        )
        heading = f'<h3 class="topic">{escape(topic["arn"])}</h3>'
        groups.append(heading + _table(("protocol", "endpoint", "state"), rows, "no subscriptions"))
    published = f"<p>{sns.get('published', 0)} message(s) published.</p>"
    return _section("sns", "SNS topics", groups, "No topics.", published)


def _tables(dynamodb: dict[str, Any]) -> str:
    rows = [
        f'<tr><td class="table">{escape(t["name"])}</td><td>{escape(t["region"])}</td>'
        f"<td>{escape(t['account'])}</td><td>{t['items']}</td></tr>"
        for t in dynamodb.get("tables", [])
    ]
    groups = [_table(("table", "region", "account", "items"), rows, "")] if rows else []
    return _section("dynamodb", "DynamoDB tables", groups, "No tables.")


def _section(anchor: str, title: str, groups: list[str], none: str, tail: str = "") -> str:
    """One service's part of the state browser: its groups (a bucket, a queue...), or `none` when it has none."""
    return f'<section id="{anchor}"><h2>{title}</h2>{"".join(groups) or f"<p>{none}</p>"}{tail}</section>'


def _table(columns: tuple[str, ...], rows: Iterable[str], empty: str) -> str:
    """A table of already-escaped `rows` under `columns`; a row saying `empty` when there are none."""
    body = "".join(rows) or f'<tr><td colspan="{len(columns)}">{empty}</td></tr>'
    head = "".join(f"<th>{column}</th>" for column in columns)
    return f"<table><thead><tr>{head}</tr></thead>{body}</table>"


def download(fake: FakeAWS, request: Request, bucket: str, key: str) -> Response:
    found = stored_object(fake, bucket, key)
    if found is None:
        return api.json_response({"error": f"no object {key!r} in bucket {bucket!r}"}, status=404)
    data, content_type = found
    filename = quote(key.rsplit("/", 1)[-1] or "object")
    disposition = f"attachment; filename*=UTF-8''{filename}"
    headers = {"Content-Disposition": disposition, "Content-Length": str(len(data))}
    return Response(data.stream(), content_type=content_type, headers=headers)


def static(fake: FakeAWS, request: Request, name: str) -> Response:
    suffix = name[name.rfind(".") :] if "." in name else ""
    if suffix not in _STATIC_TYPES or "/" in name:
        return api.json_response({"error": "no such file"}, status=404)
    try:
        data = resources.files("awsfake.console").joinpath("static").joinpath(name).read_bytes()
    except FileNotFoundError:
        return api.json_response({"error": "no such file"}, status=404)
    return Response(data, content_type=_STATIC_TYPES[suffix])
