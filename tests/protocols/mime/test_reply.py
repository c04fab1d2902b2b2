"""The reply-only text of a message: quoted history and signature removed (pure)."""

from __future__ import annotations

import time

import pytest

from gateway.protocols.mime.reply import ReplyText, reply_text


def test_gmail_top_post_with_attribution_wrapped_over_two_lines() -> None:
    body = (
        "Sounds good, see you there.\n"
        "\n"
        "On Mon, Jan 8, 2024 at 10:02 AM Jane Example <\n"
        "jane@example.com> wrote:\n"
        "\n"
        "> Shall we meet at noon?\n"
        ">\n"
        "> Jane\n"
    )
    assert reply_text(body) == ReplyText("Sounds good, see you there.", True, False)


def test_apple_mail_attribution_on_one_line() -> None:
    body = "Yes.\n\nOn 8 Jan 2024, at 10:02, Jane Example <jane@example.com> wrote:\n\n> Coming?\n"
    assert reply_text(body).text == "Yes."


@pytest.mark.parametrize(
    "attribution",
    [
        "Am 08.01.2024 um 10:02 schrieb Jane Example <jane@example.com>:",
        "Jane Example <jane@example.com> schrieb am 08.01.2024 um 10:02:",
        "Le lun. 8 janv. 2024 à 10:02, Jane Example <jane@example.com> a écrit :",
        "Le 08/01/2024 à 10:02, Jane Example a\u00a0écrit\u00a0:",
        "El lun, 8 ene 2024 a las 10:02, Jane Example (<jane@example.com>) escribió:",
        "Op ma 8 jan. 2024 om 10:02 schreef Jane Example <jane@example.com>:",
        "Jane Example schreef op 8 jan. 2024 10:02:",
        "Jane wrote:",
    ],
)
def test_attributions_in_other_languages(attribution: str) -> None:
    body = f"Antwort.\n\n{attribution}\n> Frage?\n> Jane\n"
    result = reply_text(body)
    assert result.text == "Antwort."
    assert result.quoted_removed


def test_inline_answers_between_quoted_blocks_stay() -> None:
    body = (
        "On Mon, Jan 8, 2024 at 10:02 AM Jane <jane@example.com> wrote:\n"
        "> First question?\n"
        "\n"
        "First answer.\n"
        "\n"
        "> Second question?\n"
        "> More of it.\n"
        "\n"
        "Second answer.\n"
    )
    assert reply_text(body).text == "First answer.\n\nSecond answer."


def test_outlook_original_message_cuts_unquoted_history() -> None:
    body = (
        "Approved.\n"
        "\n"
        "-----Original Message-----\n"
        "From: Jane Example [mailto:jane@example.com]\n"
        "Sent: Monday, January 8, 2024 10:02 AM\n"
        "To: John\n"
        "Subject: Budget\n"
        "\n"
        "Please approve the budget.\n"
    )
    assert reply_text(body) == ReplyText("Approved.", True, False)


@pytest.mark.parametrize(
    "header",
    [
        (
            "________________________________\n"
            "From: Jane Example <jane@example.com>\nSent: Monday, January 8, 2024 10:02\n"
            "To: John <john@example.com>\nSubject: Budget\n"
        ),
        (
            "*From:* Jane Example <jane@example.com>\n*Sent:* Monday, January 8, 2024 10:02\n"
            "*To:* John\n*Subject:* Budget\n"
        ),
        "Von: Jane\nGesendet: Montag, 8. Januar 2024 10:02\nAn: John\nBetreff: Budget\n",
        "De : Jane\nEnvoyé : lundi 8 janvier 2024 10:02\nÀ : John\nObjet : Budget\n",
        "De: Jane\nEnviado el: lunes, 8 de enero de 2024 10:02\nPara: John\nAsunto: Budget\n",
        "Van: Jane\nVerzonden: maandag 8 januari 2024 10:02\nAan: John\nOnderwerp: Budget\n",
        "-----Ursprüngliche Nachricht-----\nVon: Jane\n",
        "-----Message d'origine-----\n",
        "---------- Forwarded message ---------\nFrom: Jane <jane@example.com>\n",
        "-------- Forwarded Message --------\n",
        "Begin forwarded message:\n\nFrom: Jane\n",
        "Anfang der weitergeleiteten Nachricht:\n",
    ],
)
def test_outlook_header_blocks_and_forward_markers(header: str) -> None:
    body = f"Approved.\n\n{header}\nPlease approve the budget.\n"
    assert reply_text(body).text == "Approved."


def test_a_from_line_alone_is_text() -> None:
    body = "From: the desk of John\nI approve.\n"
    assert reply_text(body) == ReplyText("From: the desk of John\nI approve.", False, False)


def test_attribution_without_quotes_or_date_is_text() -> None:
    body = "On Monday I asked them.\nThey wrote:\nno reply yet.\n"
    assert reply_text(body) == ReplyText(body.strip(), False, False)


def test_html_converted_history_without_quote_marks_is_cut() -> None:
    body = (
        "Thanks!\n\nOn Mon, Jan 8, 2024 at 10:02 AM Jane <jane@example.com> wrote:\n"
        "Here is the file.\n"
    )
    assert reply_text(body) == ReplyText("Thanks!", True, False)


def test_rfc3676_signature_delimiter() -> None:
    body = "See attached.\n\n-- \nJohn Example\nACME Corp\n"
    assert reply_text(body) == ReplyText("See attached.", False, True)


def test_signature_before_the_quote_and_mobile_lines() -> None:
    body = (
        "Fine by me.\n\nSent from my iPhone\n\n"
        "On Jan 8, 2024, at 10:02, Jane <jane@example.com> wrote:\n\n> Ok?\n"
    )
    assert reply_text(body) == ReplyText("Fine by me.", True, True)


@pytest.mark.parametrize(
    "line",
    [
        "Get Outlook for iOS<https://aka.ms/o0ukef>",
        "Sent from my Galaxy",
        "Von meinem iPhone gesendet",
        "Envoyé de mon iPhone",
        "Enviado desde mi iPhone",
        "Verzonden vanaf mijn iPhone",
    ],
)
def test_mobile_signatures(line: str) -> None:
    assert reply_text(f"Ok.\n\n{line}\n") == ReplyText("Ok.", False, True)


def test_a_sentence_beginning_like_a_mobile_line_in_the_middle_stays() -> None:
    body = "Sent from my iPhone was the old default.\nI changed it.\n"
    assert reply_text(body).text == body.strip()


def test_whole_message_quoted_falls_back_to_the_full_text() -> None:
    body = "> only a quote\n> nothing new\n"
    assert reply_text(body) == ReplyText("> only a quote\n> nothing new", False, False)
    forward = "---------- Forwarded message ---------\nFrom: Jane\nSubject: x\n\nHello\n"
    assert reply_text(forward).text == forward.strip()
    signature_only = "-- \nJohn\n"
    assert reply_text(signature_only).text == "-- \nJohn"


def test_html_text_is_used_without_plain_text_and_crlf_is_normalised() -> None:
    assert reply_text(None, "Yes.\r\n\r\n> Q?\r\n").text == "Yes."
    assert reply_text("  \n", "Yes.").text == "Yes."
    assert reply_text(None) == ReplyText("", False, False)


def test_huge_hostile_bodies_finish_in_bounded_time() -> None:
    """5 MB of lines built to make a backtracking matcher explode: each takes about a
    second here (the limit leaves room for a loaded machine; an explosion takes hours)."""
    size = 5 * 1024 * 1024
    bodies = [
        "On " * (size // 3),  # one endless line
        ("On Mon, 1 Jan 2024 " + "a" * 300 + "\n") * (size // 320),  # near-attributions
        ("From: x\n" + "Sent: y\n" * 5) * (size // 48),  # Outlook blocks w/o Subject
        (">" * 1000 + "\n" + "x\n") * (size // 1004),  # alternating quotes
        (" " * 399 + "wrote:\n\n") * (size // 407),  # long weak attributions
    ]
    for body in bodies:
        started = time.perf_counter()
        result = reply_text(body)
        assert result.text
        assert time.perf_counter() - started < 15.0, body[:40]
