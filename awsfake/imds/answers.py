"""IMDS's answers as the real service words them: text/plain bodies, `Server: EC2ws`, small XHTML error pages."""

from __future__ import annotations

from http import HTTPStatus

from werkzeug.wrappers import Response

__all__ = ["error", "status_line", "text", "token_path_refusal"]


def _headers(response: Response) -> Response:
    """What every IMDS answer carries. IMDS closes each connection after one answer."""
    response.headers["Server"] = "EC2ws"
    response.headers["Accept-Ranges"] = "none"
    response.headers["Connection"] = "close"
    return response


def token_path_refusal(method: str) -> Response:
    """Other methods on the token path: IMDS answers 405 "Not Allowed" with an empty body (OPTIONS is allowed)."""
    response = _headers(Response(b"", status="200 OK" if method == "OPTIONS" else "405 Not Allowed"))
    response.content_type = "text/plain"
    response.headers["Allow"] = "OPTIONS, PUT"
    return response


def status_line(status: int) -> str:
    """ "404 Not Found", as IMDS spells it (werkzeug's own status lines are upper case)."""
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"{status} Error"


def text(body: str, status: int = 200) -> Response:
    """Every IMDS answer is text/plain, JSON documents included."""
    return _headers(Response(body, status=status_line(status), content_type="text/plain"))


def error(status: int, *, allow: str | None = None) -> Response:
    """IMDS's error page: a small XHTML document titled with the status."""
    title = status_line(status).replace(" ", " - ", 1)
    page = (
        '<?xml version="1.0" encoding="iso-8859-1"?>\n'
        '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN"\n'
        '\t"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">\n'
        '<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="en" lang="en">\n'
        f" <head>\n  <title>{title}</title>\n </head>\n <body>\n  <h1>{title}</h1>\n </body>\n</html>\n"
    )
    response = _headers(Response(page, status=status_line(status), content_type="text/html"))
    if allow is not None:
        response.headers["Allow"] = allow
    return response
