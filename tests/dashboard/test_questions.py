"""Answering a debtor's question: status, timeline, e-mail in the debtor's language."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from dashboard.services import question_answer
from debtors.models import TimelineEvent, TimelineKind
from debtors.services import debtor_create
from payt.tenancy import tenant_context
from portal.models import Question, QuestionStatus


def answer_url(question) -> str:
    return reverse("dashboard:question_answer", args=[question.pk])


def reload(question) -> Question:
    with tenant_context(question.organization):
        return Question.objects.select_related("answered_by").get(pk=question.pk)


def answer_events(question) -> list[TimelineEvent]:
    with tenant_context(question.organization):
        return list(TimelineEvent.objects.filter(debtor=question.debtor, kind=TimelineKind.ANSWER))


@pytest.fixture
def question(debtor_alfa, seeded_alfa, make_question):
    return make_question(
        debtor_alfa, invoice=seeded_alfa["A-31"], text="Pourquoi la TVA est-elle de 21 % ?"
    )


def test_list_shows_waiting_question(bob_client, question):
    content = bob_client.get(reverse("dashboard:questions")).content.decode()

    assert "Pourquoi la TVA est-elle de 21 % ?" in content
    assert answer_url(question) in content


def test_answer_marks_question_answered(
    bob_client, bob, question, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = bob_client.post(
            answer_url(question), {"answer": "Le taux normal néerlandais est 21 %."}
        )

    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard:questions")
    answered = reload(question)
    assert answered.status == QuestionStatus.ANSWERED
    assert answered.answer == "Le taux normal néerlandais est 21 %."
    assert answered.answered_by == bob
    assert answered.answered_at is not None


def test_answer_recorded_on_timeline(bob_client, question, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        bob_client.post(answer_url(question), {"answer": "Le taux normal est 21 %."})

    events = answer_events(question)
    assert len(events) == 1
    assert events[0].invoice_id == question.invoice_id
    assert events[0].data["question_id"] == str(question.pk)
    assert "Le taux normal est 21 %." in events[0].summary


def test_answer_emailed_in_debtor_language(
    bob_client, question, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        bob_client.post(answer_url(question), {"answer": "Le taux normal est 21 %."})

    assert len(mailoutbox) == 1
    email = mailoutbox[0]
    assert email.to == ["admin@jansen.example"]
    assert email.extra_headers["Content-Language"] == "fr"
    assert email.subject == "Réponse à votre question à Alfa Installaties BV"
    assert "Le taux normal est 21 %." in email.body
    assert "Pourquoi la TVA est-elle de 21 % ?" in email.body
    assert "Vous nous avez posé une question sur la facture A-31\N{NO-BREAK SPACE}:" in email.body
    assert "/p/" in email.body


def test_answer_emailed_in_dutch(
    bob_client, org_alfa, make_question, mailoutbox, django_capture_on_commit_callbacks
):
    with tenant_context(org_alfa):
        debtor = debtor_create(
            organization=org_alfa, name="Visser BV", email="info@visser.example", language="nl"
        )
    dutch_question = make_question(debtor, text="Klopt dit bedrag?")

    with django_capture_on_commit_callbacks(execute=True):
        bob_client.post(answer_url(dutch_question), {"answer": "Ja, dat klopt."})

    assert mailoutbox[0].subject == "Antwoord op uw vraag aan Alfa Installaties BV"
    assert "Ons antwoord:" in mailoutbox[0].body


def test_mail_waits_for_commit(
    bob_client, question, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        bob_client.post(answer_url(question), {"answer": "Later."})

    assert mailoutbox == []
    assert len(callbacks) == 1


def test_empty_answer_rejected(bob_client, question, mailoutbox):
    response = bob_client.post(answer_url(question), {"answer": "   "})

    assert response.status_code == 400
    assert reload(question).status == QuestionStatus.OPEN
    assert mailoutbox == []


def test_second_answer_rejected(
    bob_client, alice_client, question, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        bob_client.post(answer_url(question), {"answer": "First answer."})

    response = alice_client.post(answer_url(question), {"answer": "Second answer."})

    assert response.status_code == 400
    assert "already been answered" in response.content.decode()
    assert reload(question).answer == "First answer."
    assert len(answer_events(question)) == 1


def test_answer_without_debtor_email(
    bob_client, org_alfa, make_question, mailoutbox, django_capture_on_commit_callbacks
):
    with tenant_context(org_alfa):
        debtor = debtor_create(organization=org_alfa, name="No Mail BV", language="nl")
    silent = make_question(debtor, text="Hallo?")

    with django_capture_on_commit_callbacks(execute=True):
        response = bob_client.post(answer_url(silent), {"answer": "Hallo."}, follow=True)

    assert reload(silent).status == QuestionStatus.ANSWERED
    assert mailoutbox == []
    assert "No e-mail was sent" in response.content.decode()


def test_answer_get_not_allowed(bob_client, question):
    assert bob_client.get(answer_url(question)).status_code == 405


def test_service_rejects_answered_question(bob, question):
    question_answer(question=question, answer="Once.", user=bob)

    with pytest.raises(ValidationError):
        question_answer(question=question, answer="Twice.", user=bob)

    assert reload(question).answer == "Once."


def test_answered_question_listed_as_answered(
    bob_client, question, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        bob_client.post(answer_url(question), {"answer": "Done."})

    content = bob_client.get(reverse("dashboard:questions")).content.decode()

    assert "No questions are waiting." in content
    assert "Answered by bob@alfa.example" in content
