"""Translations: the Dutch catalogue is complete for the dashboard, and the language switch works."""

from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from dashboard.locale_files import PoFile
from payt.middleware import SESSION_LANGUAGE_KEY

LOCALE = Path(settings.LOCALE_PATHS[0])
DASHBOARD_SOURCES = (
    "templates/dashboard/",
    "templates/base.html",
    "templates/registration/",
    "dashboard/",
    "dunning/scripts.py",
)
DEBTOR_FACING_SOURCES = (
    "templates/portal/",
    "templates/dunning/",
    "templates/invoices/",
    "templates/payments/",
    "templates/dashboard/email/",
    "dunning/content.py",
    "dunning/letters.py",
    "dunning/sms.py",
    "invoices/pdf.py",
    "payments/notifications.py",
    "payments/services.py",
    "portal/",
)


def untranslated(language: str, sources: tuple[str, ...]) -> list[str]:
    po = PoFile.read(LOCALE / language / "LC_MESSAGES" / "django.po")
    return [
        entry.msgid
        for entry in po.messages()
        if any(reference.startswith(sources) for reference in entry.references)
        and not entry.is_translated
    ]


def test_dutch_complete_for_dashboard():
    assert untranslated("nl", DASHBOARD_SOURCES) == []


@pytest.mark.parametrize("language", ["nl", "fr", "de"])
def test_debtor_facing_strings_translated(language):
    assert untranslated(language, DEBTOR_FACING_SOURCES) == []


@pytest.mark.parametrize("language", ["nl", "fr", "de"])
def test_compiled_catalogue_exists(language):
    compiled = LOCALE / language / "LC_MESSAGES" / "django.mo"
    source = LOCALE / language / "LC_MESSAGES" / "django.po"

    assert compiled.exists(), f"run `manage.py compilemessages` to create {compiled}"
    assert compiled.stat().st_size > 1000
    assert source.exists()


def test_home_in_dutch_after_switch(alice_client, seeded_alfa):
    response = alice_client.post(reverse("dashboard:language"), {"language": "nl", "next": "/"})

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert alice_client.session[SESSION_LANGUAGE_KEY] == "nl"
    content = alice_client.get(reverse("dashboard:home")).content.decode()
    assert '<html lang="nl">' in content
    assert "<dt>Openstaand</dt>" in content
    assert ">Vervallen</dt>" in content
    assert "Overzicht" in content
    assert "Ouderdom van openstaande vorderingen" in content


def test_switch_back_to_english(alice_client, seeded_alfa):
    alice_client.post(reverse("dashboard:language"), {"language": "nl"})
    alice_client.post(reverse("dashboard:language"), {"language": "en"})

    content = alice_client.get(reverse("dashboard:home")).content.decode()

    assert "Aging of open receivables" in content
    assert "<dt>Open</dt>" in content


def test_dutch_amounts_use_dutch_separators(alice_client, seeded_alfa, monkeypatch):
    from dashboard import views
    from tests.dashboard.conftest import TODAY

    monkeypatch.setattr(views, "local_today", lambda organization: TODAY)
    alice_client.post(reverse("dashboard:language"), {"language": "nl"})

    content = alice_client.get(reverse("dashboard:home")).content.decode()

    assert "€\N{NO-BREAK SPACE}2.102,15" in content


@pytest.mark.parametrize("language", ["fr", "de", "xx"])
def test_only_dutch_and_english_offered(alice_client, language):
    response = alice_client.post(reverse("dashboard:language"), {"language": language})

    assert response.status_code == 400
    assert SESSION_LANGUAGE_KEY not in alice_client.session


def test_switcher_offers_nl_and_en(alice_client):
    content = alice_client.get(reverse("dashboard:home")).content.decode()

    assert 'id="language-nl"' in content
    assert 'id="language-en"' in content
    assert 'id="language-fr"' not in content


def test_browser_asking_french_gets_english_dashboard(alice_client):
    content = alice_client.get(
        reverse("dashboard:home"), headers={"Accept-Language": "fr"}
    ).content.decode()

    assert '<html lang="en">' in content
    assert "Overview" in content


def test_login_page_follows_switch_before_login(db):
    client = Client()

    client.post(reverse("dashboard:language"), {"language": "nl", "next": reverse("login")})
    content = client.get(reverse("login")).content.decode()

    assert "Inloggen" in content


def test_unsafe_next_url_ignored(alice_client):
    response = alice_client.post(
        reverse("dashboard:language"), {"language": "nl", "next": "https://evil.example/"}
    )

    assert response["Location"] == reverse("dashboard:home")
