"""The portal rate limit behind reverse proxies: X-Forwarded-For counts only with PAYT_TRUSTED_PROXY_COUNT."""

import os
import subprocess
import sys

import pytest
from django.test import RequestFactory

from portal import ratelimit

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.5"
UNKNOWN_TOKEN_URL = f"/p/{'y' * 43}/"


def request_from(remote_addr: str, forwarded_for: str | None = None):
    headers = {} if forwarded_for is None else {"HTTP_X_FORWARDED_FOR": forwarded_for}
    return RequestFactory().get("/p/code/", REMOTE_ADDR=remote_addr, **headers)


@pytest.mark.parametrize(
    ("proxy_count", "forwarded_for", "expected"),
    [
        (0, "198.51.100.1", PROXY),
        (1, "198.51.100.1", "198.51.100.1"),
        (1, "6.6.6.6, 198.51.100.1", "198.51.100.1"),
        (2, "6.6.6.6, 198.51.100.1, 10.0.0.9", "198.51.100.1"),
        (1, " 2001:DB8::1 ", "2001:db8::1"),
        (2, "198.51.100.1", PROXY),
        (1, "", PROXY),
        (1, "not-an-address", PROXY),
        (1, "198.51.100.1,", "198.51.100.1"),
    ],
)
def test_client_ip_with_trusted_proxies(settings, proxy_count, forwarded_for, expected):
    settings.PAYT_TRUSTED_PROXY_COUNT = proxy_count

    assert ratelimit.client_ip(request_from(PROXY, forwarded_for)) == expected


def test_client_ip_without_header(settings):
    settings.PAYT_TRUSTED_PROXY_COUNT = 1

    assert ratelimit.client_ip(request_from(PROXY)) == PROXY


def test_behind_proxy_each_debtor_counted(client, alfa_debtor, settings, monkeypatch):
    settings.PAYT_TRUSTED_PROXY_COUNT = 1
    monkeypatch.setattr(ratelimit, "FAILURE_LIMIT", 2)
    for _ in range(2):
        client.get(UNKNOWN_TOKEN_URL, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.7")

    guesser = client.get(alfa_debtor.home_url, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.7")
    other_debtor = client.get(alfa_debtor.home_url, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.8")

    assert guesser.status_code == 429
    assert other_debtor.status_code == 200


def test_spoofed_header_ignored_by_default(client, alfa_debtor, monkeypatch):
    monkeypatch.setattr(ratelimit, "FAILURE_LIMIT", 2)
    for attempt in range(2):
        client.get(UNKNOWN_TOKEN_URL, REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_FOR=f"198.51.100.{attempt}")

    blocked = client.get(alfa_debtor.home_url, REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_FOR="198.51.100.99")

    assert blocked.status_code == 429


def test_spoofed_left_entry_ignored_behind_proxy(client, alfa_debtor, settings, monkeypatch):
    settings.PAYT_TRUSTED_PROXY_COUNT = 1
    monkeypatch.setattr(ratelimit, "FAILURE_LIMIT", 2)
    for attempt in range(2):
        client.get(
            UNKNOWN_TOKEN_URL, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=f"198.51.100.{attempt}, 203.0.113.7"
        )

    blocked = client.get(
        alfa_debtor.home_url, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.99, 203.0.113.7"
    )

    assert blocked.status_code == 429


def test_negative_proxy_count_rejected():
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "payt.settings", "PAYT_TRUSTED_PROXY_COUNT": "-1"}

    result = subprocess.run(
        [sys.executable, "-c", "from django.conf import settings; settings.INSTALLED_APPS"],
        capture_output=True,
        text=True,
        env=environment,
        check=False,
    )

    assert result.returncode != 0
    assert "PAYT_TRUSTED_PROXY_COUNT=-1 is negative" in result.stderr
