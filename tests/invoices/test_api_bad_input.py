"""No input to a POST endpoint produces a 5xx: every bad body gets a 4xx JSON error."""

import json
import random

import pytest

from debtors.services import debtor_create
from payt.tenancy import tenant_context
from tests.api_support import assert_error, ubl_invoice

JSON_ENDPOINTS = ["/api/v1/debtors/", "/api/v1/invoices/", "/api/v1/payments/"]
ALL_ENDPOINTS = [*JSON_ENDPOINTS, "/api/v1/invoices/ubl"]

FIELDS = {
    "/api/v1/debtors/": [
        "kind",
        "name",
        "email",
        "phone",
        "language",
        "country",
        "kvk_number",
        "vat_number",
        "external_id",
    ],
    "/api/v1/invoices/": [
        "number",
        "external_id",
        "debtor",
        "kind",
        "issue_date",
        "due_date",
        "currency",
        "total_amount",
        "vat_amount",
        "payment_reference",
        "preceding_number",
    ],
    "/api/v1/payments/": [
        "amount",
        "date",
        "currency",
        "invoice",
        "invoice_number",
        "payment_reference",
        "reference",
        "external_id",
    ],
}

SEEDED = random.Random(20250901)
RANDOM_BYTES = [SEEDED.randbytes(size) for size in (1, 17, 512, 4096)]
HUGE = b" " * (5 * 1024 * 1024 + 1)

# (body, content type) pairs sent to every endpoint.
RAW_BODIES = [
    (b"", "application/json"),
    (b"", "application/xml"),
    (b"", ""),
    *[(content, "application/json") for content in RANDOM_BYTES],
    *[(content, "application/xml") for content in RANDOM_BYTES],
    *[(content, "application/octet-stream") for content in RANDOM_BYTES],
    (b"[]", "application/json"),
    (b"[1, 2, 3]", "application/json"),
    (b'[{"name": "Koper"}]', "application/json"),
    (b"null", "application/json"),
    (b"42", "application/json"),
    (b'"text"', "application/json"),
    (b"true", "application/json"),
    (b"{", "application/json"),
    (b'{"name": NaN}', "application/json"),
    (b'{"amount": Infinity}', "application/json"),
    (b'{"name": "\xff\xfe"}', "application/json"),
    (b"[" * 100_000, "application/json"),
    (b'{"a":' * 50_000, "application/json"),
    (b'{"amount": 1' + b"0" * 5000 + b"}", "application/json"),
    (b'{"total_amount": 1e999999, "amount": 1e999999}', "application/json"),
    ('{"name": "Kóper"}'.encode("utf-16"), "application/json"),
    (b'{"name": "Koper"}', "application/json; charset=bz2_codec"),
    (b"name=Koper&amount=10", "application/x-www-form-urlencoded"),
    (
        b'--x\r\nContent-Disposition: form-data; name="name"\r\n\r\nKoper\r\n--x--\r\n',
        "multipart/form-data; boundary=x",
    ),
    (b'{"name": "Koper"}', "text/plain"),
    (b'{"name": "Koper"}', "application/json" + "x" * 300),
    # Above Django's DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MiB) but below the API's 5 MiB limit.
    (b'{"name": "' + b"x" * (3 * 1024 * 1024) + b'", "amount": "1"}', "application/json"),
    (HUGE, "application/json"),
    (HUGE, "application/xml"),
    (b"<?xml version='1.0'?><a>" + b"<b>" * 10_000 + b"</a>", "application/xml"),
    (
        b"<Invoice xmlns='urn:oasis:names:specification:ubl:schema:xsd:Invoice-2'/>",
        "application/xml",
    ),
    (ubl_invoice(amount="1" + "0" * 30), "application/xml"),
    (ubl_invoice(amount="NaN"), "application/xml"),
    (ubl_invoice(number="A\u0001B"), "text/xml"),
]


def _raw_id(case) -> str:
    body, content_type = case
    return f"{content_type or 'no-type'}:{body[:12]!r}:{len(body)}"


@pytest.fixture
def debtor_id(org_alfa) -> str:
    with tenant_context(org_alfa):
        return str(debtor_create(organization=org_alfa, name="Koper BV").pk)


@pytest.mark.parametrize("endpoint", ALL_ENDPOINTS)
@pytest.mark.parametrize("case", RAW_BODIES, ids=[_raw_id(case) for case in RAW_BODIES])
def test_raw_body_gets_4xx(alfa_api, endpoint, case):
    body, content_type = case
    response = alfa_api.generic("POST", endpoint, body, content_type=content_type)
    assert 400 <= response.status_code < 500, (endpoint, case[1], response.status_code)
    assert_error(response, response.status_code)


def _json_payloads(endpoint: str, debtor_id: str) -> list:
    fields = FIELDS[endpoint]
    payloads = [
        {field: None for field in fields},
        {field: "x" * 100_000 for field in fields},
        {field: "\u0000" for field in fields},
        {field: [] for field in fields},
        {field: {"nested": {"deep": [1, 2]}} for field in fields},
        {field: -1 for field in fields},
        {field: True for field in fields},
        {field: 10**40 for field in fields},
        {field: "9999-99-99" for field in fields},
        {field: "😀" * 50 for field in fields},
    ]
    # One field at a time broken on an otherwise plausible body.
    base = {
        "/api/v1/debtors/": {"name": "Koper BV"},
        "/api/v1/invoices/": {
            "number": "B-1",
            "debtor": debtor_id,
            "issue_date": "2025-09-01",
            "total_amount": "10.00",
        },
        "/api/v1/payments/": {"amount": "10.00", "date": "2025-09-01", "invoice_number": "NOPE"},
    }[endpoint]
    for field in fields:
        for value in (None, "x" * 10_000, "\u0000", ["a"], {"a": 1}, "-0.001", "2025-02-29T25:00"):
            payloads.append({**base, field: value})
    return payloads


@pytest.mark.parametrize("endpoint", JSON_ENDPOINTS)
def test_json_payload_table_gets_4xx(alfa_api, debtor_id, endpoint):
    failures = []
    for payload in _json_payloads(endpoint, debtor_id):
        response = alfa_api.generic("POST", endpoint, json.dumps(payload), content_type="application/json")
        if response.status_code in (200, 201):
            # Some one-field changes are still valid input, such as the phone "-0.001".
            continue
        if not (400 <= response.status_code < 500 and "error" in response.json()):
            failures.append((str(payload)[:120], response.status_code))
    assert failures == []


@pytest.mark.parametrize("endpoint", ALL_ENDPOINTS)
def test_wrong_body_type_gets_415(alfa_api, endpoint):
    content_type = "application/json" if endpoint.endswith("ubl") else "application/xml"
    response = alfa_api.generic("POST", endpoint, b"{}", content_type=content_type)
    assert_error(response, 415, "Content-Type")
