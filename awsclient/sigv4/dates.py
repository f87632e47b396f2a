"""Signing dates: the one rule for which date a request is signed at, and the amz-date format.

The rule (`signing_date`) is AWS's: `X-Amz-Date` when the request has one, else `Date`; either may be basic ISO 8601
(`20150830T123600Z`) or an HTTP-date, which counts as its instant in UTC (`Sun, 30 Aug 2015 14:36:00 +0200` is
`20150830T123600Z`). The signer and the verifier both apply it, so they cannot disagree on a request's date.
"""

from __future__ import annotations

import calendar
import re
import time

__all__ = ["AMZ_DATE_FORMAT", "amz_date", "amz_date_now", "parse_amz_date", "signing_date"]

AMZ_DATE_FORMAT = "%Y%m%dT%H%M%SZ"

# The shape and ranges of a real basic ISO 8601 date, ASCII digits only: what `time.strptime(value, AMZ_DATE_FORMAT)`
# accepts, less its leap seconds 60 and 61 (a signed date names a real instant, and the fuzz tests read every accepted
# date back exactly); whether the day exists in its month is checked after.
_AMZ_DATE = re.compile(
    r"([0-9]{4})(0[1-9]|1[0-2])(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3])([0-5][0-9])([0-5][0-9])Z"
).fullmatch


# The same, with days up to 28 and years from 0001 only: dates that need no calendar to be known real.
_AMZ_DATE_ANY_MONTH = re.compile(
    r"(?!0000)[0-9]{4}(?:0[1-9]|1[0-2])(?:0[1-9]|1[0-9]|2[0-8])T(?:[01][0-9]|2[0-3])[0-5][0-9][0-5][0-9]Z"
).fullmatch


def parse_amz_date(value: str) -> float:
    """Seconds since the epoch of a basic ISO 8601 date (`20150830T123600Z`); ValueError otherwise."""
    fields = _amz_date_fields(value)
    if fields is None:
        raise ValueError(f"not a basic ISO 8601 date (like 20150830T123600Z): {value!r}")
    return calendar.timegm(fields)


def _amz_date_fields(value: str) -> tuple[int, ...] | None:
    """Year, month, day, hour, minute and second of a basic ISO 8601 date; None if it is not one."""
    found = _AMZ_DATE(value)
    if found is None:
        return None
    fields = tuple(map(int, found.groups()))
    year, month, day = fields[:3]
    if year < 1 or (day > 28 and day > calendar.monthrange(year, month)[1]):
        return None
    return fields


def amz_date(epoch: float) -> str:
    """The amz-date (basic ISO 8601, UTC) of a moment given in seconds since the epoch."""
    return time.strftime(AMZ_DATE_FORMAT, time.gmtime(epoch))


def signing_date(x_amz_date: str | None, date: str | None) -> str | None:
    """The amz-date a request is signed at, from its `X-Amz-Date` and `Date` headers (None for one it lacks).

    A blank header counts as absent; None when both are. ValueError when the header that counts is not a date.
    """
    if x_amz_date and _AMZ_DATE_ANY_MONTH(x_amz_date):
        return x_amz_date  # the common case, a day every month has: no calendar needed
    value = (x_amz_date or "").strip() or (date or "").strip()
    if not value:
        return None
    if _AMZ_DATE_ANY_MONTH(value):
        return value
    converted = value if _AMZ_DATE(value) else _from_http_date(value)
    if _amz_date_fields(converted) is None:  # no such day, or a year strftime cannot write in four digits
        raise ValueError(f"date is neither basic ISO 8601 nor an HTTP-date: {value!r}")
    return converted


def _from_http_date(value: str) -> str:
    """The amz-date of an HTTP-date's instant in UTC; "" when `value` is not an HTTP-date."""
    from email.utils import parsedate_to_datetime  # here: the email package costs milliseconds to import

    try:
        return amz_date(parsedate_to_datetime(value).timestamp())
    except (TypeError, ValueError, OverflowError, OSError):
        return ""


_last_date: tuple[int, str] = (-1, "")


def amz_date_now() -> str:
    """The current time as an amz-date; read through `time.time` so freezegun controls it.

    The formatted date of the last second seen is kept, as most signatures fall in the same second as the last.
    """
    global _last_date
    second = int(time.time())
    last = _last_date
    if last[0] == second:
        return last[1]
    text = amz_date(second)
    _last_date = (second, text)
    return text
