"""Shared plumbing of the REST API views: bounded request bodies, parsers, base mixin.

Every request body is read through ``read_body``, which rejects bodies above
``API_MAX_BODY_BYTES`` with 413 before anything is parsed. The parsers here
read the raw request stream themselves: DRF 3.18 hands subclasses of its own
``JSONParser`` a copy of ``request.body``, and Django raises RequestDataTooBig,
which the API turns into a 500, when that copy exceeds ``DATA_UPLOAD_MAX_MEMORY_SIZE``.
"""

import json
import uuid
from decimal import Decimal

from django.http import JsonResponse
from django.urls import Resolver404, resolve
from django.utils.http import parse_header_parameters
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from rest_framework import serializers, status
from rest_framework.exceptions import ParseError
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.parsers import BaseParser, get_encoding
from rest_framework.renderers import JSONRenderer

from payt.api_errors import DomainError, error_body

API_MAX_BODY_BYTES = 5 * 1024 * 1024
_READ_CHUNK_BYTES = 64 * 1024
_METHODS_WITH_BODY = ("POST", "PUT", "PATCH")
# Part of the request that a rejection without a field of its own is about.
_FIELD_OF_STATUS = {
    status.HTTP_401_UNAUTHORIZED: "Authorization",
    status.HTTP_405_METHOD_NOT_ALLOWED: "method",
    status.HTTP_406_NOT_ACCEPTABLE: "Accept",
}


def _body_too_large(size_text: str) -> DomainError:
    return DomainError(
        f"The request body is {size_text} bytes and the maximum is "
        f"{API_MAX_BODY_BYTES} bytes (5 MiB); "
        "send a smaller document.",
        code="too_large",
        field="body",
        status_code=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
    )


def _declared_length(parser_context: dict | None) -> int | None:
    request = (parser_context or {}).get("request")
    if request is None:
        return None
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return None


def read_body(stream, parser_context: dict | None) -> bytes:
    """Read the request body, raising 413 once it passes ``API_MAX_BODY_BYTES``.

    The declared Content-Length is checked first, so an oversized upload is
    rejected without reading it, and the count while reading catches a wrong header.
    """
    declared = _declared_length(parser_context)
    if declared is not None and declared > API_MAX_BODY_BYTES:
        raise _body_too_large(str(declared))

    chunks = []
    size = 0
    while True:
        chunk = stream.read(min(_READ_CHUNK_BYTES, API_MAX_BODY_BYTES + 1 - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
        if size > API_MAX_BODY_BYTES:
            raise _body_too_large(f"more than {API_MAX_BODY_BYTES}")
    return b"".join(chunks)


def _reject_constant(name: str):
    raise ValueError(f"{name} is not a valid JSON number")


class JsonBodyParser(BaseParser):
    """JSON parser with a size limit. Numbers with a fraction become ``Decimal``, never float."""

    media_type = "application/json"

    def parse(self, stream, media_type=None, parser_context=None):
        body = read_body(stream, parser_context)
        try:
            encoding = get_encoding(parser_context or {})
        except ParseError as error:
            raise DomainError(str(error.detail), code="unsupported_charset", field="Content-Type") from None
        try:
            return json.loads(body.decode(encoding), parse_float=Decimal, parse_constant=_reject_constant)
        except (ValueError, RecursionError) as error:
            # Deeply nested arrays raise RecursionError. ValueError also covers invalid UTF-8.
            raise DomainError(
                f"The request body is not valid JSON ({error}); send one JSON object.",
                code="invalid_json",
                field="body",
            ) from None


class XmlBodyParser(BaseParser):
    """Return the body unchanged as bytes, so an XML document keeps its exact bytes."""

    media_type = "application/xml"

    def parse(self, stream, media_type=None, parser_context=None) -> bytes:
        return read_body(stream, parser_context)


class TextXmlBodyParser(XmlBodyParser):
    media_type = "text/xml"


class ApiPagination(LimitOffsetPagination):
    default_limit = 100
    max_limit = 500


def media_type_of(request) -> str:
    """Return the request's media type without parameters, lower-case ('' when absent)."""
    return parse_header_parameters(request.content_type or "")[0].strip().lower()


def _has_no_body(request) -> bool:
    """Return whether the request declares no body: no chunked transfer and a Content-Length of 0 or none."""
    if "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower():
        return False
    return _declared_length({"request": request}) == 0


class ApiViewMixin:
    """Defaults of every API view: JSON responses, bounded JSON bodies, UUID lookups.

    Put it after ``TenantApiViewMixin`` in the bases. A request with a body
    whose Content-Type no parser of the view accepts gets 415 naming the
    header, before its body is read. A request that declares no body is
    accepted whatever its Content-Type and parsed as no fields.
    """

    renderer_classes = [JSONRenderer]
    parser_classes = [JsonBodyParser]
    pagination_class = ApiPagination

    def handle_exception(self, exc):
        response = super().handle_exception(exc)
        error = response.data.get("error") if isinstance(response.data, dict) else None
        field = _FIELD_OF_STATUS.get(response.status_code)
        if error is not None and field and not error["fields"]:
            error["fields"] = {field: [error["message"]]}
        return response

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        # A method the view does not handle gets its 405 from dispatch instead.
        if request.method in _METHODS_WITH_BODY and hasattr(self, request.method.lower()):
            self._check_media_type(request)

    def _check_media_type(self, request) -> None:
        accepted = [parser.media_type for parser in self.get_parsers()]
        media_type = media_type_of(request)
        if media_type in accepted:
            return
        if _has_no_body(request):
            # curl -X POST without -d sends neither a body nor a Content-Type, and
            # Python's wsgiref server (runserver) then reports text/plain. DRF reads an
            # empty body as no fields, so the serializer names what is missing.
            return
        received = repr(request.content_type[:100]) if media_type else "missing"
        raise DomainError(
            f"Content-Type {received} is not supported here; send the body as {' or '.join(accepted)}.",
            code="unsupported_media_type",
            field="Content-Type",
            status_code=status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
        )

    def get_object(self):
        """Return the object named by the URL's id within ``get_queryset()``, or raise 404.

        An id that is not a UUID is simply not found: it never reaches the
        database, where it would raise a validation error.
        """
        raw_id = self.kwargs[self.lookup_url_kwarg or self.lookup_field]
        try:
            object_id = uuid.UUID(raw_id)
        except ValueError:
            object_id = None
        found = self.get_queryset().filter(pk=object_id).first() if object_id else None
        if found is None:
            raise DomainError(
                f"No {self._object_label()} with id {raw_id[:100]!r} exists; ids are UUIDs from the list endpoint.",
                code="not_found",
                field="id",
                status_code=status.HTTP_404_NOT_FOUND,
            )
        self.check_object_permissions(self.request, found)
        return found

    def _object_label(self) -> str:
        return self.get_queryset().model._meta.verbose_name


@csrf_exempt
def api_not_found(request, path: str = "") -> JsonResponse:
    """Return a JSON 404 for an unknown URL under the API prefix, in place of an HTML page."""
    message = f"No API endpoint at {request.path[:200]!r}; the endpoints are listed at /api/schema/."
    if not request.path.endswith("/") and _resolves(request.path + "/"):
        message = f"No API endpoint at {request.path[:200]!r}; add the trailing slash: {request.path[:200]}/"
    return JsonResponse(error_body("not_found", message, {"path": [message]}), status=status.HTTP_404_NOT_FOUND)


def _resolves(path: str) -> bool:
    try:
        match = resolve(path)
    except Resolver404:
        return False
    return match.func is not api_not_found


class ErrorDetailSerializer(serializers.Serializer):
    """Documentation of the error body built by ``payt.api_errors``."""

    code = serializers.CharField(help_text="Stable machine-readable reason, for example invalid or duplicate_number.")
    message = serializers.CharField(help_text="Human-readable sentence naming the value and what to do next.")
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Reasons per rejected field or header.",
    )


class ErrorSerializer(serializers.Serializer):
    error = ErrorDetailSerializer()


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    """OpenAPI description of ``payt.api_auth.ApiKeyAuthentication``."""

    target_class = "payt.api_auth.ApiKeyAuthentication"
    name = "apiKey"

    def get_security_definition(self, auto_schema):
        return build_bearer_security_scheme_object(header_name="Authorization", token_prefix="Bearer")
