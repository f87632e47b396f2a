"""AWS STS: who is calling, and temporary credentials the endpoint then accepts until they expire.

There are no IAM roles to check: any well-formed role ARN may be assumed, for up to 12 hours (43200 s; AWS caps
each role at its MaxSessionDuration, 1 hour unless raised), except that a session may not chain into another
role for more than 1 hour, as on AWS. Credentials are minted in the endpoint's `Accounts`, so a client that uses
them is verified like any other.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

from awsfake.errors import Fault
from awsfake.services import Call, Result, Service

__all__ = ["STS"]

_ROLE_ARN = re.compile(
    r"^arn:(?P<partition>aws[a-z-]*):iam::(?P<account>\d{12}):role/(?:[\x21-\x7e]*/)?(?P<name>[\w+=,.@-]{1,64})$"
)
_SESSION_NAME = re.compile(r"^[\w+=,.@-]*$")
_SOURCE_IDENTITY = re.compile(r"^[\w+=,.@-]*$")
ASSUME_ROLE_RANGE = (900, 43200)
SESSION_TOKEN_RANGE = (900, 129600)
CHAINED_MAXIMUM = 3600


class STS(Service):
    """GetCallerIdentity, AssumeRole and GetSessionToken over the endpoint's key registry (`self.accounts`)."""

    name = "sts"

    def get_caller_identity(self, call: Call) -> Result:
        caller = call.caller
        return Result({"UserId": caller.user_id, "Account": caller.account_id, "Arn": caller.arn})

    def assume_role(self, call: Call) -> Result:
        params = call.params
        role_arn = _required(params, "RoleArn", "roleArn")
        session = _required(params, "RoleSessionName", "roleSessionName")
        _check_length(session, "roleSessionName", 2, 64)
        _check_pattern(session, "roleSessionName", _SESSION_NAME, r"[\w+=,.@-]*")
        _check_length(role_arn, "roleArn", 20, 2048)
        match = _ROLE_ARN.match(role_arn)
        if match is None:
            raise Fault("ValidationError", "Request ARN is invalid")  # as STS says it for AssumeRoleWithSAML
        duration = _duration(params, ASSUME_ROLE_RANGE, default=3600)
        if _is_session(call) and duration > CHAINED_MAXIMUM:
            raise Fault(
                "ValidationError",
                "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.",
            )
        account, role_name = match.group("account"), match.group("name")
        assumed_id = f"{_role_id(role_arn)}:{session}"
        assumed_arn = f"arn:{match.group('partition')}:sts::{account}:assumed-role/{role_name}/{session}"
        identity = self.accounts.mint_session(
            account_id=account, arn=assumed_arn, user_id=assumed_id, duration_seconds=duration
        )
        self.saved.touch("session", identity.access_key_id)
        body: dict[str, Any] = {
            "Credentials": _credentials(identity),
            "AssumedRoleUser": {"AssumedRoleId": assumed_id, "Arn": assumed_arn},
        }
        source = params.get("SourceIdentity")
        if source is not None:
            _check_length(str(source), "sourceIdentity", 2, 64)
            _check_pattern(str(source), "sourceIdentity", _SOURCE_IDENTITY, r"[\w+=,.@-]*")
            body["SourceIdentity"] = source
        return Result(body)

    def get_session_token(self, call: Call) -> Result:
        if _is_session(call):
            raise Fault("AccessDenied", "Cannot call GetSessionToken with session credentials", 403)
        duration = _duration(call.params, SESSION_TOKEN_RANGE, default=43200)
        caller = call.caller
        identity = self.accounts.mint_session(
            account_id=caller.account_id, arn=caller.arn, user_id=caller.user_id, duration_seconds=duration
        )
        self.saved.touch("session", identity.access_key_id)
        return Result({"Credentials": _credentials(identity)})

    def state_of(self, kind: str, key: str) -> Any:
        """Saved state (awsfake.store): the sessions minted here, so their keys still work after a restart."""
        return self.accounts.session(key)

    def restore(self, kind: str, key: str, value: Any) -> None:
        self.accounts.keep_session(value)


def _is_session(call: Call) -> bool:
    """Temporary credentials (ASIA keys) cannot get session tokens and chain roles for at most an hour."""
    return call.caller.access_key_id.startswith("ASIA") or ":assumed-role/" in call.caller.arn


def _credentials(identity: Any) -> dict[str, Any]:
    expiration = datetime.fromtimestamp(float(identity.expiration), tz=timezone.utc)
    return {
        "AccessKeyId": identity.access_key_id,
        "SecretAccessKey": identity.secret_access_key,
        "SessionToken": identity.session_token,
        "Expiration": expiration,
    }


def _role_id(role_arn: str) -> str:
    """A stable role id (AROA + 17 characters) derived from the ARN, so a role keeps one id, as on AWS."""
    digest = base64.b32encode(hashlib.sha256(role_arn.encode()).digest()).decode()
    return "AROA" + digest[:17]


def _required(params: Mapping[str, Any], name: str, member: str) -> str:
    value = params.get(name)
    if value is None:
        raise Fault(
            "ValidationError",
            f"1 validation error detected: Value null at '{member}' failed to satisfy constraint: Member must not "
            "be null",
        )
    return str(value)


def _check_length(value: str, member: str, low: int, high: int) -> None:
    if len(value) < low:
        bound = f"greater than or equal to {low}"
    elif len(value) > high:
        bound = f"less than or equal to {high}"
    else:
        return
    raise Fault(
        "ValidationError",
        f"1 validation error detected: Value '{value}' at '{member}' failed to satisfy constraint: Member must have "
        f"length {bound}",
    )


def _check_pattern(value: str, member: str, pattern: re.Pattern[str], shown: str) -> None:
    if not pattern.match(value):
        raise Fault(
            "ValidationError",
            f"1 validation error detected: Value '{value}' at '{member}' failed to satisfy constraint: Member must "
            f"satisfy regular expression pattern: {shown}",
        )


def _duration(params: Mapping[str, Any], bounds: tuple[int, int], *, default: int) -> int:
    raw = params.get("DurationSeconds")
    if raw is None:
        return default
    try:
        value = int(str(raw))
    except ValueError:
        raise Fault(
            "ValidationError", f"1 validation error detected: Value '{raw}' at 'durationSeconds' is not a number"
        ) from None
    low, high = bounds
    if value < low:
        bound = f"greater than or equal to {low}"
    elif value > high:
        bound = f"less than or equal to {high}"
    else:
        return value
    raise Fault(
        "ValidationError",
        f"1 validation error detected: Value '{value}' at 'durationSeconds' failed to satisfy constraint: Member "
        f"must have value {bound}",
    )
