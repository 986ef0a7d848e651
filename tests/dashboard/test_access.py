"""Who may open which dashboard page: login, membership, role, tenant."""

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from payt.tenancy import tenant_context
from portal.models import Question, QuestionStatus
from tests.conftest import PASSWORD

PAGE_NAMES = [
    "home",
    "invoices",
    "debtors",
    "questions",
    "settings",
    "users",
    "organization_create",
]
ADMIN_PAGE_NAMES = ["settings", "users", "organization_create"]


@pytest.mark.parametrize("name", PAGE_NAMES)
def test_pages_require_login(db, name):
    url = reverse(f"dashboard:{name}")

    response = Client().get(url)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={url}"


def test_object_pages_require_login(seeded_alfa, debtor_alfa, make_question):
    question = make_question(debtor_alfa)
    urls = [
        reverse("dashboard:invoice", args=[seeded_alfa["A-1"].pk]),
        reverse("dashboard:debtor", args=[debtor_alfa.pk]),
        reverse("dashboard:question", args=[question.pk]),
    ]
    for url in urls:
        assert Client().get(url).status_code == 302


def test_answer_requires_login(debtor_alfa, make_question):
    question = make_question(debtor_alfa)

    response = Client().post(
        reverse("dashboard:question_answer", args=[question.pk]), {"answer": "Hi"}
    )

    assert response.status_code == 302
    assert _question_status(question) == QuestionStatus.OPEN


def test_user_without_membership_gets_403(db):
    User.objects.create_user(username="loner@example.com", password=PASSWORD)
    client = Client()
    client.login(username="loner@example.com", password=PASSWORD)

    response = client.get(reverse("dashboard:home"))

    assert response.status_code == 403
    assert b"not a member of any organisation" in response.content


@pytest.mark.parametrize("name", PAGE_NAMES[:4])
def test_read_only_member_can_read(reader_client, name):
    assert reader_client.get(reverse(f"dashboard:{name}")).status_code == 200


def test_read_only_member_cannot_answer(reader_client, debtor_alfa, make_question):
    question = make_question(debtor_alfa)

    response = reader_client.post(
        reverse("dashboard:question_answer", args=[question.pk]), {"answer": "Hi"}
    )

    assert response.status_code == 403
    assert _question_status(question) == QuestionStatus.OPEN


def test_read_only_list_hides_answer_form(reader_client, debtor_alfa, make_question):
    make_question(debtor_alfa)

    response = reader_client.get(reverse("dashboard:questions"))

    assert b"Send answer" not in response.content


@pytest.mark.parametrize("name", ADMIN_PAGE_NAMES)
def test_read_only_member_cannot_post_admin_pages(reader_client, name):
    assert reader_client.post(reverse(f"dashboard:{name}"), {}).status_code == 403


@pytest.mark.parametrize("name", ADMIN_PAGE_NAMES)
def test_controller_cannot_open_admin_pages(bob_client, name):
    assert bob_client.get(reverse(f"dashboard:{name}")).status_code == 403
    assert bob_client.post(reverse(f"dashboard:{name}"), {}).status_code == 403


@pytest.mark.parametrize("name", ADMIN_PAGE_NAMES)
def test_admin_opens_admin_pages(alice_client, name):
    assert alice_client.get(reverse(f"dashboard:{name}")).status_code == 200


def test_outsider_gets_404_for_objects(charlie_client, seeded_alfa, debtor_alfa, make_question):
    question = make_question(debtor_alfa)
    urls = [
        reverse("dashboard:invoice", args=[seeded_alfa["A-1"].pk]),
        reverse("dashboard:debtor", args=[debtor_alfa.pk]),
        reverse("dashboard:question", args=[question.pk]),
    ]
    for url in urls:
        assert charlie_client.get(url).status_code == 404, url


def test_outsider_answer_changes_nothing(charlie_client, debtor_alfa, make_question, mailoutbox):
    question = make_question(debtor_alfa)

    response = charlie_client.post(
        reverse("dashboard:question_answer", args=[question.pk]), {"answer": "Pay up, says Bravo."}
    )

    assert response.status_code == 404
    with tenant_context(debtor_alfa.organization):
        question = Question.objects.get(pk=question.pk)
    assert question.status == QuestionStatus.OPEN
    assert question.answer == ""
    assert mailoutbox == []


def test_outsider_lists_show_nothing_of_alfa(
    charlie_client, seeded_alfa, debtor_alfa, make_question
):
    make_question(debtor_alfa, text="Alfa-only question")

    pages = {
        name: charlie_client.get(reverse(f"dashboard:{name}")).content for name in PAGE_NAMES[:4]
    }

    assert b"Jansen Techniek" not in pages["debtors"]
    assert b"A-NOT" not in pages["invoices"]
    assert b"Alfa-only question" not in pages["questions"]
    assert b"aging-table" in pages["home"]
    assert b"2.102,15" not in pages["home"]
    assert b"2,102.15" not in pages["home"]


def test_login_page_renders(db):
    response = Client().get(reverse("login"))

    assert response.status_code == 200
    assert b'name="username"' in response.content


def test_login_then_home(alice):
    client = Client()

    response = client.post(
        reverse("login"), {"username": alice.username, "password": PASSWORD}, follow=True
    )

    assert response.redirect_chain[-1][0] == reverse("dashboard:home")
    assert b"aging-table" in response.content


def _question_status(question) -> str:
    with tenant_context(question.organization):
        return Question.objects.get(pk=question.pk).status




def test_forbidden_page_says_why(reader_client):
    response = reader_client.post(reverse("dashboard:settings"), {})

    assert response.status_code == 403
    content = response.content.decode()
    assert "Only administrators of this organisation may open this page." in content
    assert 'href="/"' in content
