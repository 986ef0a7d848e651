"""API error bodies: always JSON, always naming the field and the reason.

Shape: ``{"error": {"code": ..., "message": ..., "fields": {field: [reason, ...]}}}``.
Unexpected exceptions are logged and returned as 400/500 JSON instead of an
HTML page; the domain services raise ``DomainError`` for rejected input.
"""

import logging

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

logger = logging.getLogger(__name__)


class DomainError(Exception):
    """A rejected request: carries an HTTP status, a stable code and the field it concerns."""

    status_code = status.HTTP_400_BAD_REQUEST

    def __init__(self, message: str, *, code: str, field: str | None = None, status_code: int | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.field = field
        if status_code is not None:
            self.status_code = status_code


def error_body(code: str, message: str, fields: dict | None = None) -> dict:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def _flatten(detail) -> dict:
    if isinstance(detail, dict):
        fields = {}
        for key, value in detail.items():
            _collect_reasons(fields, str(key), value)
        return fields
    if isinstance(detail, list):
        return {"non_field_errors": [str(item) for item in detail]}
    return {"non_field_errors": [str(detail)]}


def _collect_reasons(fields: dict, path: str, value) -> None:
    """Add the reasons of ``value`` under ``path``; a nested object or list gets keys such as ``lines[0].quantity``."""
    if isinstance(value, dict):
        # DRF reports the errors of a list of objects as a dict keyed by the item's index.
        for key, inner in value.items():
            _collect_reasons(fields, f"{path}[{key}]" if isinstance(key, int) else f"{path}.{key}", inner)
    elif isinstance(value, list) and any(isinstance(item, (dict, list)) for item in value):
        for index, item in enumerate(value):
            if item:
                _collect_reasons(fields, f"{path}[{index}]", item)
    else:
        reasons = value if isinstance(value, list) else [value]
        fields.setdefault(path, []).extend(str(reason) for reason in reasons)


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        fields = {exc.field: [exc.message]} if exc.field else {}
        return Response(error_body(exc.code, exc.message, fields), status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
    if isinstance(exc, Http404):
        return Response(error_body("not_found", "Not found."), status=status.HTTP_404_NOT_FOUND)
    if isinstance(exc, PermissionDenied):
        return Response(error_body("permission_denied", "Permission denied."), status=status.HTTP_403_FORBIDDEN)

    response = drf_exception_handler(exc, context)
    if response is None:
        logger.exception("Unhandled API error in %s", context.get("view").__class__.__name__)
        return Response(
            error_body("server_error", "The request could not be processed; it was logged."),
            status=status.HTTP_500_INTERNAL_SERVER_ERROR,
        )

    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten(exc.detail)
        first_field, reasons = next(iter(fields.items()))
        message = f"{first_field}: {reasons[0]}"
        response.data = error_body("invalid", message, fields)
    else:
        code = getattr(exc, "default_code", "error")
        response.data = error_body(code, str(getattr(exc, "detail", exc)))
    return response
