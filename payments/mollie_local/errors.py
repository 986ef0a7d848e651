"""Errors in the JSON shape that the Mollie v2 API uses.

The mollie-api-python client reads ``status``, ``detail`` and ``field`` from
this body and raises the matching ``ResponseError`` subclass.
"""

from http import HTTPStatus

DOCUMENTATION_URL = "https://docs.mollie.com/overview/handling-errors"

# Mollie's title for 401 differs from the HTTP reason phrase.
TITLES = {
    401: "Unauthorized Request",
}


class MollieError(Exception):
    """An API error that the app returns as a Mollie-style JSON body."""

    def __init__(self, status: int, detail: str, field: str | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.field = field

    def to_json(self) -> dict:
        body = {
            "status": self.status,
            "title": TITLES.get(self.status, HTTPStatus(self.status).phrase),
            "detail": self.detail,
        }
        if self.field is not None:
            body["field"] = self.field
        body["_links"] = {
            "documentation": {"href": DOCUMENTATION_URL, "type": "text/html"},
        }
        return body


def invalid(detail: str, field: str | None = None) -> MollieError:
    """Build a 422 Unprocessable Entity error for an invalid request field."""
    return MollieError(422, detail, field)


def bad_request(detail: str, field: str | None = None) -> MollieError:
    return MollieError(400, detail, field)


def not_found(detail: str) -> MollieError:
    return MollieError(404, detail)
