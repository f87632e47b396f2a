"""AWS errors as plain values: the `Fault` type and one constructor per error that more than one module raises.

A `Fault` is raised by the request reader, auth and services, and rendered only by a protocol family
(`awsfake.families`). Each shared AWS text is written once, here; an error only one service raises is written
where that service raises it. `Fault.service` names the service (its catalogue name) whose family renders the
fault, when it was raised before the pipeline knew the service (auth learns it from the credential scope).
"""

from __future__ import annotations

__all__ = [
    "S3_MISMATCH",
    "Fault",
    "access_denied",
    "entity_too_large",
    "incomplete_body",
    "internal_error",
    "invalid_action",
    "invalid_argument",
    "invalid_request",
    "invalid_uri",
    "malformed_xml",
    "method_not_allowed",
    "no_such_key",
    "not_emulated",
    "not_implemented",
    "redact",
    "s3_signature_mismatch",
    "serialization",
    "short_body",
    "unsupported_auth_mechanism",
]

from awsfake.doubles.redact import REDACTED


class Fault(Exception):
    """AWS's code, message and status, plus the extra elements some errors carry (in order).

    `sender` is the query family's `<Type>`: True for Sender (the caller's fault), False for Receiver.
    `headers` are sent with the error; `service` (see the module) picks the family that renders it.
    """

    def __init__(
        self,
        code: str,
        message: str,
        status: int = 400,
        *,
        extras: dict[str, str] | None = None,
        sender: bool = True,
        headers: dict[str, str] | None = None,
        service: str | None = None,
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status
        self.extras = dict(extras or {})
        self.sender = sender
        self.headers = dict(headers or {})
        self.service = service

    def replace(
        self, *, message: str | None = None, extras: dict[str, str] | None = None, service: str | None = None
    ) -> Fault:
        """A copy with some fields changed (faults are shared values: a renderer never edits one in place)."""
        return Fault(
            self.code,
            self.message if message is None else message,
            self.status,
            extras=self.extras if extras is None else extras,
            sender=self.sender,
            headers=self.headers,
            service=self.service if service is None else service,
        )


def redact(text: str, secret: str | None) -> str:
    """`text` with every occurrence of `secret` (as sent, or percent-encoded) replaced by a marker."""
    if not secret:
        return text
    from urllib.parse import quote

    for form in (quote(secret, safe="~"), secret):
        text = text.replace(form, REDACTED)
    return text


# ---------------------------------------------------------------- shared by every family


def internal_error() -> Fault:
    return Fault("InternalError", "We encountered an internal error. Please try again.", 500, sender=False)


def invalid_action(action: str) -> Fault:
    """The query family's answer to an action the service does not have."""
    return Fault("InvalidAction", f"The action {action} is not valid for this web service.")


# ---------------------------------------------------------------- S3's own (REST-XML) texts


def not_implemented(header: str | None = None) -> Fault:
    extras = {"Header": header} if header else None
    return Fault(
        "NotImplemented", "A header you provided implies functionality that is not implemented", 501, extras=extras
    )


def method_not_allowed(method: str, resource_type: str) -> Fault:
    return Fault(
        "MethodNotAllowed",
        "The specified method is not allowed against this resource.",
        405,
        extras={"Method": method, "ResourceType": resource_type},
    )


def incomplete_body() -> Fault:
    """The body ended before its framing said it would."""
    return Fault("IncompleteBody", "The request body terminated unexpectedly")


def short_body() -> Fault:
    """The body is shorter than the length the client declared for it."""
    return Fault(
        "IncompleteBody", "You did not provide the number of bytes specified by the Content-Length HTTP header"
    )


def entity_too_large(max_size: int, proposed: int | None = None) -> Fault:
    extras = {"ProposedSize": str(proposed)} if proposed is not None else {}
    extras["MaxSizeAllowed"] = str(max_size)
    return Fault("EntityTooLarge", "Your proposed upload exceeds the maximum allowed size", extras=extras)


def no_such_key(key: str) -> Fault:
    return Fault("NoSuchKey", "The specified key does not exist.", 404, extras={"Key": key})


def invalid_uri() -> Fault:
    return Fault("InvalidURI", "Couldn't parse the specified URI.")


def invalid_request(message: str, service: str | None = None) -> Fault:
    return Fault("InvalidRequest", message, service=service)


def invalid_argument(message: str, name: str, value: str, service: str | None = None) -> Fault:
    return Fault("InvalidArgument", message, extras={"ArgumentName": name, "ArgumentValue": value}, service=service)


def access_denied(message: str = "Access Denied") -> Fault:
    return Fault("AccessDenied", message, 403)


def not_emulated(service: str, operation: str) -> Fault:
    """An operation neither the fake nor moto emulates, said plainly, with the way out."""
    message = (
        f"awsfake verified this request but does not emulate {service} {operation} (moto does not either): "
        f"answer it in your test with fake.stub({service!r}, {operation!r}, body=...)"
    )
    return Fault("NotImplemented", message, 501, sender=False)


def serialization(message: str = "Start of structure or map found where not expected.") -> Fault:
    """A JSON or CBOR body that is not the structure the operation takes."""
    return Fault("SerializationException", message)


def malformed_xml() -> Fault:
    return Fault(
        "MalformedXML",
        "The XML you provided was not well-formed or did not validate against our published schema",
    )


def unsupported_auth_mechanism(service: str | None = None) -> Fault:
    return invalid_request(
        "The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.", service
    )


S3_MISMATCH = (
    "The request signature we calculated does not match the signature you provided. Check your key and signing method."
)


def s3_signature_mismatch(extras: dict[str, str] | None = None, service: str | None = None) -> Fault:
    return Fault("SignatureDoesNotMatch", S3_MISMATCH, 403, extras=extras, service=service)
