"""Writes the tricky mails of this directory (run it from here: `python make_corpus.py`). Each is a kind of mail
real clients and servers produce; tests/mail/test_corpus.py says what the hub must read from each."""

from __future__ import annotations

import base64
import quopri
from pathlib import Path

CRLF = "\r\n"


def w(name: str, data: str | bytes) -> None:
    Path(name).write_bytes(data if isinstance(data, bytes) else data.encode())


def hdr(*lines: str) -> str:
    return CRLF.join(lines) + CRLF


def b64(text: str, charset: str = "utf-8") -> str:
    return base64.b64encode(text.encode(charset)).decode()


def main() -> None:
    # koi8-r, quoted-printable body, Q-encoded From name and subject
    body = quopri.encodestring(
        "Добрый день!\nЗаказ N 15 не доставлен, верните деньги.\n".encode("koi8-r")
    ).decode()
    w(
        "koi8r_quoted_printable.eml",
        hdr(
            "From: =?koi8-r?Q?=F0=C5=D4=D2_=E9=D7=C1=CE=CF=D7?= <petr@mail.example>",
            "To: support@shop.example",
            "Subject: =?koi8-r?Q?=FA=C1=CB=C1=DA_15?=",
            "Message-ID: <c1@mail.example>",
            "Date: Tue, 02 Dec 2025 09:15:00 +0300",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=KOI8-R",
            "Content-Transfer-Encoding: quoted-printable",
        )
        + CRLF
        + body.replace("\n", CRLF),
    )
    # windows-1251, base64 body, B-encoded From name and subject
    text = "Здравствуйте.\r\nПрошу выставить счёт на ООО «Ромашка».\r\n"
    w(
        "cp1251_base64.eml",
        hdr(
            f"From: =?windows-1251?B?{b64('Анна Смирнова', 'cp1251')}?= <anna@corp.example>",
            "To: support@shop.example",
            f"Subject: =?windows-1251?B?{b64('Счёт для юрлица', 'cp1251')}?=",
            "Message-ID: <c2@corp.example>",
            "MIME-Version: 1.0",
            'Content-Type: text/plain; charset="windows-1251"',
            "Content-Transfer-Encoding: base64",
        )
        + CRLF
        + base64.encodebytes(text.encode("cp1251")).decode().replace("\n", CRLF),
    )
    # undeclared 8-bit UTF-8 in the headers and the body
    w(
        "undeclared_8bit_utf8.eml",
        hdr(
            "From: Ольга Петрова <olga@mail.example>",
            "To: support@shop.example",
            "Subject: Возврат товара",
            "Message-ID: <c3@mail.example>",
        ).encode()
        + CRLF.encode()
        + "Хочу вернуть пылесос, он шумит.\r\n".encode(),
    )
    # undeclared 8-bit windows-1251 everywhere (an old Outlook Express)
    w(
        "undeclared_8bit_cp1251.eml",
        (
            hdr(
                "From: Иван Кузнецов <ivan@old.example>",
                "To: support@shop.example",
                "Subject: Не работает доставка",
                "Message-ID: <c4@old.example>",
                "Content-Type: text/plain",
            )
            + CRLF
            + "Курьер не приехал второй день.\r\n"
        ).encode("cp1251"),
    )
    # a subject of encoded words in two charsets, folded, with plain text after them
    w(
        "rfc2047_mixed_words.eml",
        hdr(
            f'From: "=?utf-8?B?{b64("Мария")}?=" <maria@mail.example>',
            "To: support@shop.example",
            f"Subject: =?utf-8?B?{b64('Заказ ')}?=",
            f" =?koi8-r?B?{b64('настольной лампы', 'koi8-r')}?= (order 77)",
            "Message-ID: <c5@mail.example>",
            "Content-Type: text/plain; charset=utf-8",
        )
        + CRLF
        + "Лампа пришла разбитой.\r\n",
    )
    # RFC 2231: a percent-encoded file name continued over two segments
    w(
        "rfc2231_continuations.eml",
        hdr(
            "From: buh@corp.example",
            "To: support@shop.example",
            "Subject: Documents",
            "Message-ID: <c6@corp.example>",
            "MIME-Version: 1.0",
            'Content-Type: multipart/mixed; boundary="==b6=="',
        )
        + CRLF
        + "--==b6=="
        + CRLF
        + hdr("Content-Type: text/plain; charset=us-ascii")
        + CRLF
        + "Please find the contract attached."
        + CRLF
        + "--==b6=="
        + CRLF
        + hdr(
            "Content-Type: application/pdf",
            "Content-Disposition: attachment;",
            " filename*0*=utf-8''%D0%94%D0%BE%D0%B3%D0%BE%D0%B2%D0%BE%D1%80%20;",
            " filename*1*=%E2%84%96%2012.pdf",
            "Content-Transfer-Encoding: base64",
        )
        + CRLF
        + base64.b64encode(b"%PDF-1.4 fake").decode()
        + CRLF
        + "--==b6==--"
        + CRLF,
    )
    # RFC 2047 inside a quoted filename parameter (what Outlook and many webmails send)
    name = f"=?UTF-8?B?{b64('фото брака.jpg')}?="
    w(
        "rfc2047_filename.eml",
        hdr(
            "From: client@mail.example",
            "To: support@shop.example",
            "Subject: photo",
            "Message-ID: <c7@mail.example>",
            "MIME-Version: 1.0",
            "Content-Type: multipart/mixed; boundary=b7",
        )
        + CRLF
        + "--b7"
        + CRLF
        + hdr("Content-Type: text/plain; charset=utf-8")
        + CRLF
        + "Фото брака во вложении."
        + CRLF
        + "--b7"
        + CRLF
        + hdr(
            f'Content-Type: image/jpeg; name="{name}"',
            f'Content-Disposition: attachment; filename="{name}"',
            "Content-Transfer-Encoding: base64",
        )
        + CRLF
        + base64.b64encode(b"\xff\xd8\xff\xe0fakejpeg").decode()
        + CRLF
        + "--b7--"
        + CRLF,
    )
    # the declared boundary is never used (a broken generator)
    w(
        "broken_boundary.eml",
        hdr(
            "From: shop-bot@partner.example",
            "To: support@shop.example",
            "Subject: Broken boundary",
            "Message-ID: <c8@partner.example>",
            "MIME-Version: 1.0",
            'Content-Type: multipart/alternative; boundary="AAA"',
        )
        + CRLF
        + "--BBB"
        + CRLF
        + hdr("Content-Type: text/plain; charset=utf-8")
        + CRLF
        + "The order 991 is paid."
        + CRLF
        + "--BBB--"
        + CRLF,
    )
    # cut off in the middle: no closing boundary, a half-written base64 part
    w(
        "truncated_multipart.eml",
        hdr(
            "From: mobile@mail.example",
            "To: support@shop.example",
            "Subject: Sent from a train",
            "Message-ID: <c9@mail.example>",
            "MIME-Version: 1.0",
            'Content-Type: multipart/mixed; boundary="t9"',
        )
        + CRLF
        + "--t9"
        + CRLF
        + hdr("Content-Type: text/plain; charset=utf-8")
        + CRLF
        + "Где мой заказ 4411?"
        + CRLF
        + "--t9"
        + CRLF
        + hdr('Content-Type: application/octet-stream; name="scan.png"', "Content-Transfer-Encoding: base64")
        + CRLF
        + "iVBORw0KGgoAAAANSUhEUgAA",
    )
    # nested: mixed > (related > (alternative > plain, html), inline image), a CSV, a forwarded mail
    inner = (
        hdr(
            "From: old@partner.example",
            "Subject: Original question",
            "Message-ID: <orig@partner.example>",
            "Content-Type: text/plain; charset=utf-8",
        )
        + CRLF
        + "The original forwarded text."
        + CRLF
    )
    w(
        "nested_multiparts.eml",
        hdr(
            "From: Support Partner <fwd@partner.example>",
            "To: support@shop.example",
            "Subject: Fwd: Original question",
            "Message-ID: <c10@partner.example>",
            "MIME-Version: 1.0",
            "Content-Type: multipart/mixed; boundary=m1",
        )
        + CRLF
        + "preamble nobody reads"
        + CRLF
        + "--m1"
        + CRLF
        + hdr("Content-Type: multipart/related; boundary=r1")
        + CRLF
        + "--r1"
        + CRLF
        + hdr("Content-Type: multipart/alternative; boundary=a1")
        + CRLF
        + "--a1"
        + CRLF
        + hdr("Content-Type: text/plain; charset=utf-8")
        + CRLF
        + "See the forwarded question below, please answer."
        + CRLF
        + "--a1"
        + CRLF
        + hdr("Content-Type: text/html; charset=utf-8")
        + CRLF
        + '<p>See the <b>forwarded</b> question below, please answer.</p><img src="cid:logo">'
        + CRLF
        + "--a1--"
        + CRLF
        + "--r1"
        + CRLF
        + hdr(
            "Content-Type: image/png",
            "Content-ID: <logo>",
            "Content-Disposition: inline; filename=logo.png",
            "Content-Transfer-Encoding: base64",
        )
        + CRLF
        + "iVBORw0KGgo="
        + CRLF
        + "--r1--"
        + CRLF
        + "--m1"
        + CRLF
        + hdr(
            "Content-Type: text/csv; charset=utf-8; name=orders.csv",
            "Content-Disposition: attachment; filename=orders.csv",
        )
        + CRLF
        + "id;sum\r\n1;100"
        + CRLF
        + "--m1"
        + CRLF
        + hdr("Content-Type: message/rfc822")
        + CRLF
        + inner
        + "--m1--"
        + CRLF
        + "epilogue"
        + CRLF,
    )
    # huge headers: 3000 Received lines, a 150 KB References, a 60 KB unfolded header
    refs = " ".join(f"<r{n}@list.example>" for n in range(8000))
    received = CRLF.join(
        f"Received: from relay{n}.example by relay{n + 1}.example; Tue, 2 Dec 2025 10:00:00 +0000"
        for n in range(3000)
    )
    w(
        "huge_headers.eml",
        received
        + CRLF
        + hdr(
            "From: loop@relay.example",
            "To: support@shop.example",
            "Subject: Long thread",
            "Message-ID: <c11@relay.example>",
            "In-Reply-To: <r7999@list.example>",
            "References: " + refs,
            "X-Junk: " + "x" * 60000,
            "Content-Type: text/plain; charset=utf-8",
        )
        + CRLF
        + "Still waiting for the answer about the invoice."
        + CRLF,
    )
    # HTML only; the charset only in a <meta> tag; styles, a script, entities, a table
    html = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=windows-1251">'
        "<style>p{color:red}</style><script>alert(1)</script></head><body>"
        "<div>Здравствуйте,&nbsp;магазин!</div><p>Заказ&nbsp;№&nbsp;5 &mdash; где он?</p>"
        "<table><tr><td>Сумма</td><td>1&nbsp;200&nbsp;руб.</td></tr></table></body></html>"
    )
    w(
        "html_only_meta_charset.eml",
        hdr(
            "From: html@mail.example",
            "To: support@shop.example",
            "Subject: HTML only",
            "Message-ID: <c12@mail.example>",
            "MIME-Version: 1.0",
            "Content-Type: text/html",
            "Content-Transfer-Encoding: 8bit",
        ).encode()
        + CRLF.encode()
        + html.encode("cp1251"),
    )
    # junk parts: an unknown transfer encoding, broken base64, a part with no headers, unknown charsets, TNEF
    w(
        "junk_parts.eml",
        hdr(
            "From: junk@mail.example",
            "To: support@shop.example",
            "Subject: junk",
            "Message-ID: <c13@mail.example>",
            "MIME-Version: 1.0",
            "Content-Type: multipart/mixed; boundary=j",
        )
        + CRLF
        + "--j"
        + CRLF
        + hdr("Content-Type: text/plain; charset=unknown-8bit")
        + CRLF
        + "The real message: refund 300."
        + CRLF
        + "--j"
        + CRLF
        + hdr("Content-Type: application/x-junk", "Content-Transfer-Encoding: x-uuencode")
        + CRLF
        + "begin 644 a\r\n#86)C\r\n`\r\nend"
        + CRLF
        + "--j"
        + CRLF
        + hdr("Content-Type: application/octet-stream; name=bad.bin", "Content-Transfer-Encoding: base64")
        + CRLF
        + "!!!not base64 at all$$$"
        + CRLF
        + "--j"
        + CRLF
        + CRLF
        + CRLF
        + "--j"
        + CRLF
        + hdr("Content-Type: text/plain; charset=x-user-defined")
        + CRLF
        + "second text part"
        + CRLF
        + "--j"
        + CRLF
        + hdr("Content-Type: application/ms-tnef; name=winmail.dat", "Content-Transfer-Encoding: base64")
        + CRLF
        + base64.b64encode(b"\x78\x9f\x3e\x22junk").decode()
        + CRLF
        + "--j--"
        + CRLF,
    )
    # declares utf-8, the body is windows-1251
    w(
        "wrong_charset_label.eml",
        hdr(
            "From: liar@mail.example",
            "To: support@shop.example",
            f"Subject: =?utf-8?B?{b64('Неверная кодировка')}?=",
            "Message-ID: <c14@mail.example>",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: 8bit",
        ).encode()
        + CRLF.encode()
        + "Оплатил, но статус не поменялся.".encode("cp1251"),
    )
    # bare LF line endings, a UTF-7 body under an old charset alias, a Date nobody can parse
    w(
        "bare_lf_utf7.eml",
        "\n".join(
            [
                "From: utf7@mail.example",
                "To: support@shop.example",
                "Subject: utf-7",
                "Message-ID: <c15@mail.example>",
                "Date: yesterday at noon",
                "Content-Type: text/plain; charset=unicode-1-1-utf-7",
                "",
                "Hi " + "Привет".encode("utf-7").decode(),
                "",
            ]
        ),
    )
    # not a mail at all: binary noise
    w("binary_noise.eml", bytes((n * 37 + 11) % 256 for n in range(4096)))


if __name__ == "__main__":
    main()
