"""Our corpus of tricky mails (tests/mail/corpus, written by make_corpus.py there): each goes through the real parse
path without a crash and gives the text, names and parts a person would read; then all of them through Dovecot,
the IMAP worker and ingest into the timeline."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from mail_helpers import MailHub, mailbox_config

from connectors.email.inbound import UNKNOWN_SENDER
from connectors.email.parse import parse_mail
from hub.domain import IdentityKind, dedupe_key
from hub.identities import make_identity

CORPUS = Path(__file__).parent / "corpus"

# file -> what must be read from it: subject, sender's name, words of the main text, attachment names
EXPECTED: dict[str, dict] = {
    "koi8r_quoted_printable.eml": {
        "subject": "Заказ 15",
        "from_name": "Петр Иванов",
        "text": ["Добрый день!", "верните деньги"],
    },
    "cp1251_base64.eml": {
        "subject": "Счёт для юрлица",
        "from_name": "Анна Смирнова",
        "text": ["ООО «Ромашка»"],
    },
    "undeclared_8bit_utf8.eml": {
        "subject": "Возврат товара",
        "from_name": "Ольга Петрова",
        "text": ["пылесос"],
    },
    "undeclared_8bit_cp1251.eml": {
        "subject": "Не работает доставка",
        "from_name": "Иван Кузнецов",
        "text": ["Курьер не приехал"],
    },
    "rfc2047_mixed_words.eml": {
        "subject": "Заказ настольной лампы (order 77)",
        "from_name": "Мария",
        "text": ["разбитой"],
    },
    "rfc2231_continuations.eml": {"text": ["contract attached"], "parts": ["Договор № 12.pdf"]},
    "rfc2047_filename.eml": {"text": ["Фото брака"], "parts": ["фото брака.jpg"]},
    "broken_boundary.eml": {"text": ["The order 991 is paid."], "parts": []},
    "truncated_multipart.eml": {"text": ["Где мой заказ 4411?"], "parts": ["scan.png"]},
    "nested_multiparts.eml": {
        "subject": "Fwd: Original question",
        "text": ["please answer", "original forwarded text"],
        "parts": ["logo.png", "orders.csv"],
        "html": "<b>forwarded</b>",
    },
    "huge_headers.eml": {"text": ["Still waiting"], "in_reply_to": ["<r7999@list.example>"]},
    "html_only_meta_charset.eml": {
        "text": ["Здравствуйте, магазин!", "Заказ № 5 — где он?", "1 200 руб."],
        "absent": ["alert(1)", "color:red", "&nbsp;"],
    },
    "junk_parts.eml": {
        "text": ["refund 300", "second text part"],
        "parts": ["application.x-junk", "bad.bin", "winmail.dat"],
    },
    "wrong_charset_label.eml": {"subject": "Неверная кодировка", "text": ["Оплатил, но статус"]},
    "bare_lf_utf7.eml": {"subject": "utf-7", "text": ["Hi Привет"]},
    "binary_noise.eml": {"error": "not a mail"},
}


def test_every_mail_of_the_corpus_has_expectations_and_the_script_writes_them(tmp_path):
    assert sorted(p.name for p in CORPUS.glob("*.eml")) == sorted(EXPECTED)
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_corpus", CORPUS / "make_corpus.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    here = os.getcwd()
    os.chdir(tmp_path)
    try:
        module.main()
    finally:
        os.chdir(here)
    for name in EXPECTED:
        assert (tmp_path / name).read_bytes() == (CORPUS / name).read_bytes(), name


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_the_parser_reads_each_mail_sensibly(name):
    expected = EXPECTED[name]
    mail = parse_mail((CORPUS / name).read_bytes(), max_file_bytes=1_000_000)
    assert mail.message_id
    if "error" in expected:
        assert expected["error"] in (mail.parse_error or "")
        return
    assert mail.parse_error is None
    assert "\ufffd" not in mail.text + mail.subject + mail.from_name  # nothing lost to a wrong charset
    for key in ("subject", "from_name"):
        if key in expected:
            assert getattr(mail, key) == expected[key]
    for words in expected["text"]:
        assert words in mail.text
    for words in expected.get("absent", ()):
        assert words not in mail.text
    if "parts" in expected:
        assert [p.name for p in mail.parts] == expected["parts"]
    if "html" in expected:
        assert expected["html"] in (mail.html or "")
    if "in_reply_to" in expected:
        assert mail.in_reply_to == expected["in_reply_to"]


async def test_the_whole_corpus_through_dovecot_reaches_the_timeline(tmp_path, dovecot, smtp):
    from hub.store.sqlite import open_sqlite_store

    for name in sorted(EXPECTED):
        dovecot.deliver("support", (CORPUS / name).read_bytes())
    store = await open_sqlite_store(tmp_path / "hub.db")
    overrides = {"mailboxes": [mailbox_config(dovecot.port, smtp[1])], "files_dir": tmp_path / "files"}
    hub = MailHub(tmp_path, store, overrides)
    try:
        await hub.start()
        state = await hub.synced(last_uid=len(EXPECTED), within=60)
        assert state.last_uid == len(EXPECTED) and state.last_error is None
        for name, expected in EXPECTED.items():
            if "error" in expected:
                # no Message-ID, and Dovecot serves it with CRLF line ends: found through its unknown sender
                unknown = make_identity(IdentityKind.email, UNKNOWN_SENDER)
                owner = (await store.identities.owners([unknown]))[unknown]
                (entry,) = await store.timeline.page(owner, limit=10)
                assert "could not be read" in entry.text
                assert [a.name for a in entry.attachments] == ["original.eml"] and entry.attachments[0].url
                continue
            mail = parse_mail((CORPUS / name).read_bytes(), max_file_bytes=1_000_000)
            entry = await store.timeline.get_by_dedupe_key(dedupe_key("email", mail.message_id))
            assert entry is not None, name
            for words in expected["text"]:
                assert words in entry.text, (name, entry.text)
            if "parts" in expected:
                assert [a.name for a in entry.attachments] == expected["parts"], name
    finally:
        await hub.stop()
        await store.close()
