"""The OpenAPI schema of the REST API renders without errors or warnings."""

from django.core.management import call_command


def test_schema_endpoint_renders(client, db):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in (
        "/api/v1/debtors/",
        "/api/v1/invoices/",
        "/api/v1/invoices/ubl",
        "/api/v1/payments/{id}/",
    ):
        assert path in paths


def test_schema_has_no_warnings(db, tmp_path):
    # --fail-on-warn raises on any warning, for example a serializer the generator cannot read.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
