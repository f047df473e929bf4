"""Parsing tricky real-world mail: charsets, undeclared 8-bit, RFC 2047/2231 names, quotes, broken structure."""

from __future__ import annotations

import base64

from connectors.email.config import check
from connectors.email.parse import fold_quotes, normalize_subject, parse_mail

LIMIT = 1_000_000


def test_koi8r_body_and_rfc2047_subject():
    raw = (
        b"From: =?koi8-r?B?8MXU0g==?= <petr@mail.example>\r\nSubject: =?koi8-r?B?98/Q0s/T?=\r\n"
        b"Message-ID: <k1@mail.example>\r\nContent-Type: text/plain; charset=koi8-r\r\n"
        b"Content-Transfer-Encoding: 8bit\r\n\r\n"
    ) + "Привет, мир".encode("koi8-r")
    mail = parse_mail(raw, max_file_bytes=LIMIT)
    assert (mail.from_name, mail.subject, mail.text) == ("Петр", "Вопрос", "Привет, мир")


def test_undeclared_8bit_windows1251_headers_and_body():
    raw = (
        b"From: a@b.example\r\nSubject: "
        + "Счёт".encode("cp1251")
        + b"\r\n\r\n"
        + "Оплата прошла".encode("cp1251")
    )
    mail = parse_mail(raw, max_file_bytes=LIMIT)
    assert mail.subject == "Счёт" and mail.text == "Оплата прошла"
    assert mail.message_id.startswith("<sha256.")  # no Message-ID: a stable one from the content


def test_rfc2231_attachment_name_and_size_limit():
    raw = (
        "From: a@b.example\r\nMessage-ID: <a1@b>\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="X"\r\n\r\n--X\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n'
        "See attached\r\n--X\r\nContent-Type: application/pdf\r\n"
        "Content-Disposition: attachment; filename*=utf-8''%D0%B4%D0%BE%D0%B3%D0%BE%D0%B2%D0%BE%D1%80.pdf\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\n" + "QUFB" * 100 + "\r\n--X--\r\n"
    ).encode()
    mail = parse_mail(raw, max_file_bytes=100)
    (part,) = mail.parts
    assert (part.name, part.content_type, part.size, part.data) == (
        "договор.pdf",
        "application/pdf",
        300,
        None,
    )


def test_html_only_mail_gives_text_and_keeps_html():
    raw = b"From: a@b.example\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>Hello<br>there</p><script>x()</script>"
    mail = parse_mail(raw, max_file_bytes=LIMIT)
    assert mail.text == "Hello\nthere" and "<p>" in mail.html


def test_quoted_history_and_signature_are_folded_but_kept():
    main, quoted = fold_quotes("Thanks!\n\nOn Mon, 1 Dec 2025 Olga wrote:\n> old text\n> more")
    assert main == "Thanks!" and "old text" in quoted
    main, quoted = fold_quotes("Спасибо\n\n-- \nИван\n+7 900")
    assert main == "Спасибо" and "Иван" in quoted
    main, quoted = fold_quotes("Ок\n01.12.2025, 10:00, Ольга пишет:\n> текст")
    assert main == "Ок" and "текст" in quoted


def test_garbage_never_raises():
    for raw in (
        b"",
        b"\x00\xff\xfe" * 100,
        b"Content-Type: multipart/mixed; boundary=\r\n\r\n--\r\n",
        b"From: <<<@@@>>>\r\n\r\nx",
    ):
        mail = parse_mail(raw, max_file_bytes=LIMIT)
        assert mail.message_id


def test_auto_reply_and_list_signs():
    for header in (
        "Auto-Submitted: auto-replied",
        "X-Autoreply: yes",
        "Precedence: bulk",
        "List-Id: <l.example>",
    ):
        mail = parse_mail(f"From: a@b.example\r\n{header}\r\n\r\nx".encode(), max_file_bytes=LIMIT)
        assert mail.automated
    assert (
        parse_mail(b"From: a@b.example\r\nAuto-Submitted: no\r\n\r\nx", max_file_bytes=LIMIT).automated
        is None
    )


def test_subject_normalization():
    assert normalize_subject("RE[2]: AW: Ответ: Fwd: Заказ 5 [#abcdefghij]") == "заказ 5"


def test_check_names_the_wrong_field_without_the_password():
    problems = check(
        [
            {
                "name": "support",
                "address": "nope",
                "imap": {"host": "h", "user": "u", "password": 5},
                "smtp": {"host": "h"},
            }
        ]
    )
    assert any(p.startswith("HUB_MAILBOXES[0].address") for p in problems)
    assert any(p.startswith("HUB_MAILBOXES[0].imap.password") for p in problems)
    assert not any("5)" in p for p in problems if "password" in p)


def test_gb2312_label_on_gbk_text_subject_and_body():
    # real mail (mail-parser's corpus): "屄" is GBK, not GB2312; Python's gb2312 codec refuses it
    words = "这是什么屄"
    subject = base64.b64encode(words.encode("gbk")).decode()
    raw = (
        f"From: a@b.example\r\nMessage-ID: <g1@b>\r\nSubject: =?gb2312?B?{subject}?=\r\n"
        "Content-Type: text/plain; charset=gb2312\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        + base64.b64encode(words.encode("gbk")).decode()
        + "\r\n"
    ).encode()
    mail = parse_mail(raw, max_file_bytes=LIMIT)
    assert (mail.subject, mail.text) == (words, words)


def test_one_broken_byte_in_declared_utf8_keeps_the_text_utf8():
    # real mail: one truncated sequence in a UTF-8 HTML body made all of it cp1251 mojibake ("РџСЂРѕС„")
    body = "Профиль. Сообщения, контакты и сообщества".encode() + b" \xd1f. " + "Не пересылайте".encode()
    raw = b"From: a@b.example\r\nMessage-ID: <u1@b>\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\n" + body
    mail = parse_mail(raw, max_file_bytes=LIMIT)
    assert mail.text.startswith("Профиль. Сообщения") and mail.text.endswith("Не пересылайте")
    assert mail.text.count("\ufffd") == 1


def test_a_wrong_utf8_label_on_cp1251_text_still_falls_back():
    raw = (
        b"From: a@b.example\r\nMessage-ID: <u2@b>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        + "Оплатил, но статус не меняется".encode("cp1251")
    )
    assert parse_mail(raw, max_file_bytes=LIMIT).text == "Оплатил, но статус не меняется"


def test_an_attachment_after_a_nested_multipart_that_reuses_the_boundary_is_kept():
    # real mail (mail-parser's mail_malformed_1): the inner multipart/alternative has the outer boundary, so the
    # outer closes early and the zip after it lands in the epilogue
    raw = (
        b"From: a@b.example\r\nMessage-ID: <n1@b>\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="B"\r\n\r\n'
        b'--B\r\nContent-Type: multipart/alternative; boundary="B"\r\n\r\n'
        b"--B\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nsee the file\r\n"
        b"--B\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>see the file</p>\r\n--B--\r\n\r\n"
        b'--B\r\nContent-Type: application/zip; name="scan.zip"\r\nContent-Transfer-Encoding: base64\r\n\r\n'
        b"UEsDBAo=\r\n--B--\r\n"
    )
    mail = parse_mail(raw, max_file_bytes=LIMIT)
    assert mail.text == "see the file"
    assert [(p.name, p.data) for p in mail.parts] == [("scan.zip", b"PK\x03\x04\n")]
