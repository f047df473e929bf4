"""MIME → what the hub stores: tolerant of what real mail does. Pure and CPU-bound: the worker runs it in a thread.

stdlib `email` with `policy.default`; text/plain preferred (the HTML is kept, sanitized later by the hub); bodies
and headers in any declared charset and in undeclared 8-bit (utf-8, else windows-1251, else latin-1); RFC 2047 /
2231 names; attachments with name, type and size; quoted history and signatures folded away from the main text
(kept in full); auto-replies, list mail and bounces (RFC 3834, RFC 3464) recognised. `parse_mail` never raises:
a mail it cannot read comes back with `parse_error` set and the raw bytes to keep."""

from __future__ import annotations

import codecs
import email
import email.header
import email.policy
import email.utils
import hashlib
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage, Message
from typing import Any


@dataclass
class Part:
    name: str
    content_type: str
    size: int
    data: bytes | None  # None when over the size limit (the entry says so)


@dataclass
class Bounce:
    original_message_id: str | None
    status: str  # "5.1.1"
    action: str  # "failed" | "delayed" | ...
    diagnostic: str
    recipient: str


@dataclass
class ParsedMail:
    message_id: str  # normalized "<id@host>", or a synthesized one from the content's hash
    from_addr: str = ""
    from_name: str = ""
    reply_to: str = ""
    to: list[str] = field(default_factory=list)
    subject: str = ""
    date: datetime | None = None
    in_reply_to: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    text: str = ""  # the main text (quoted history and signature folded away)
    quoted: str = ""  # what was folded away
    html: str | None = None
    parts: list[Part] = field(default_factory=list)
    automated: str | None = None  # why it is an auto-reply / list mail, else None
    bounce: Bounce | None = None
    parse_error: str | None = None
    headers: dict[str, str] = field(default_factory=dict)


_MSGID = re.compile(r"<[^<>\s]+>")
_FALLBACKS = ("utf-8", "windows-1251", "latin-1")


def normalize_msgid(value: str) -> str:
    value = value.strip()
    found = _MSGID.search(value)
    if found:
        return found.group(0)
    return f"<{value}>" if value and " " not in value else ""


def msgids(value: str | None) -> list[str]:
    return _MSGID.findall(value or "")


def decode_bytes(data: bytes, charset: str | None) -> str:
    """Bytes in the declared charset when Python knows it, else the first fallback that decodes cleanly."""
    if charset:
        charset = charset.strip().strip('"').lower()
        aliases = {
            "unicode-1-1-utf-7": "utf-7",
            "cp-1251": "cp1251",
            "win-1251": "cp1251",
            "x-user-defined": "",
            # labels that mailers use for the superset they really write (as browsers read them: WHATWG)
            "gb2312": "gb18030",
            "gbk": "gb18030",
            "x-gbk": "gb18030",
            "big5": "big5hkscs",
            "shift_jis": "cp932",
            "shift-jis": "cp932",
            "ks_c_5601-1987": "cp949",
            "euc-kr": "cp949",
        }
        charset = aliases.get(charset, charset)
        try:
            codecs.lookup(charset)
        except LookupError:
            charset = None
    if charset:
        try:
            return data.decode(charset)
        except (UnicodeDecodeError, LookupError):
            pass
        nearly = _nearly_decodes(data, charset)
        if nearly is not None:
            return nearly
    for candidate in _FALLBACKS:
        try:
            return data.decode(candidate)
        except UnicodeDecodeError:
            if candidate == "utf-8" and charset != "utf-8":
                nearly = _nearly_decodes(data, candidate)
                if nearly is not None:
                    return nearly
            continue
    return data.decode("latin-1", errors="replace")


def _nearly_decodes(data: bytes, charset: str) -> str | None:
    """The text in a multi-byte charset that a stray broken byte or two spoil (a truncated sequence): kept in that
    charset with a replacement mark there, rather than the whole mail read as another charset's mojibake."""
    try:
        text = data.decode(charset, errors="replace")
    except LookupError:
        return None
    broken = text.count("\ufffd")
    high = sum(1 for b in data if b > 127)
    return text if broken * 50 <= high else None


def _decode_words(raw: str) -> str:
    """RFC 2047 encoded words decoded ourselves (through decode_bytes: its charset aliases and fallbacks)."""
    try:
        chunks = email.header.decode_header(raw)
    except Exception:
        return ""
    out = []
    for chunk, charset in chunks:
        out.append(decode_bytes(chunk, charset) if isinstance(chunk, bytes) else chunk)
    return "".join(out)


def _fix_8bit(value: str) -> str:
    """A header with raw 8-bit bytes arrives as surrogate escapes: decode them as utf-8, else windows-1251."""
    if not any("\udc80" <= ch <= "\udcff" for ch in value):
        return value
    raw = value.encode("utf-8", "surrogateescape")
    return decode_bytes(raw, None)


def _header(msg: Message, name: str) -> str:
    try:
        value = msg.get(name)
    except Exception:
        value = None
        for key, raw in msg.raw_items() if hasattr(msg, "raw_items") else msg.items():
            if key.lower() == name.lower():
                value = raw
                break
    if value is None:
        return ""
    try:
        text = str(value)
    except Exception:
        text = ""
    if "\ufffd" in text:
        # raw 8-bit bytes in a header: policy.default replaced them; decode the raw value ourselves
        for key, raw in msg.raw_items():
            if key.lower() == name.lower() and isinstance(raw, str):
                # encoded words in a charset Python reads strictly (gb2312 for GBK text): decode them ourselves
                text = raw if "=?" not in raw else (_decode_words(raw) or text)
                break
    return _fix_8bit(text).replace("\r", "").replace("\n", " ").strip()


def _header_all(msg: Message, name: str) -> list[str]:
    try:
        values = msg.get_all(name) or []
        return [_fix_8bit(str(v)) for v in values]
    except Exception:
        return [_header(msg, name)] if _header(msg, name) else []


def _part_text(part: Message) -> str:
    try:
        payload = part.get_payload(decode=True)
    except Exception:
        payload = None
    if payload is None:
        raw = part.get_payload()
        return raw if isinstance(raw, str) else ""
    try:
        charset = part.get_content_charset()
    except Exception:
        charset = None
    return decode_bytes(payload, charset)


def _filename(part: Message) -> str:
    try:
        name = part.get_filename()
    except Exception:
        name = None
    if name is None:
        try:
            name = part.get_param("name")
            if isinstance(name, tuple):  # RFC 2231 (charset, language, value)
                name = email.utils.collapse_rfc2231_value(name)
        except Exception:
            name = None
    return _fix_8bit(str(name)) if name else ""


def _automated(msg: Message) -> str | None:
    auto = _header(msg, "Auto-Submitted").lower()
    if auto and auto != "no":
        return f"Auto-Submitted: {auto}"
    for name in ("X-Autoreply", "X-Autorespond", "X-Autoresponder"):
        if _header(msg, name):
            return name
    precedence = _header(msg, "Precedence").lower()
    if precedence in ("bulk", "list", "junk", "auto_reply"):
        return f"Precedence: {precedence}"
    for name in ("List-Id", "List-Unsubscribe", "X-Loop"):
        if _header(msg, name):
            return name
    return None


def _is_report(msg: Message) -> bool:
    ctype = msg.get_content_type()
    if ctype != "multipart/report":
        return False
    report = (msg.get_param("report-type") or "").lower() if hasattr(msg, "get_param") else ""
    if report == "delivery-status":
        return True
    return any(p.get_content_type() == "message/delivery-status" for p in msg.walk())


def _bounce(msg: Message, raw: bytes) -> Bounce:
    status, action, diagnostic, recipient, original = "", "", "", "", None
    for part in msg.walk():
        ctype = part.get_content_type()
        if ctype == "message/delivery-status":
            blocks = part.get_payload()
            fields: list[Message] = blocks if isinstance(blocks, list) else []
            if not fields:
                text = _part_text(part)
                fields = [email.message_from_string(b) for b in re.split(r"\r?\n\r?\n", text) if b.strip()]
            for block in fields:
                status = status or _header(block, "Status")
                action = action or _header(block, "Action")
                diagnostic = diagnostic or _header(block, "Diagnostic-Code")
                recipient = (
                    recipient or _header(block, "Final-Recipient") or _header(block, "Original-Recipient")
                )
        elif (
            ctype in ("message/rfc822", "text/rfc822-headers", "message/rfc822-headers") and original is None
        ):
            inner = part.get_payload()
            if isinstance(inner, list) and inner:
                original = normalize_msgid(_header(inner[0], "Message-ID")) or None
            else:
                found = re.search(r"(?im)^message-id:\s*(<[^>\s]+>)", _part_text(part))
                original = found.group(1) if found else None
    if original is None:
        found = re.findall(rb"(?im)^message-id:\s*(<[^>\s]+>)", raw)
        own = normalize_msgid(_header(msg, "Message-ID")).encode()
        others = [f for f in found if f != own]
        original = others[0].decode("latin-1") if others else None
    recipient = recipient.split(";", 1)[-1].strip()
    return Bounce(original, status or "5.0.0", (action or "failed").lower(), diagnostic[:500], recipient)


# quoted history: what starts it (the first line that matches ends the main text)
_QUOTE_HEADERS = re.compile(
    r"^\s*("
    r"On .{0,200}wrote:\s*$|"  # Gmail, Apple Mail
    r"Le .{0,200}a écrit\s*:\s*$|Am .{0,200}schrieb.{0,100}:\s*$|"
    r".{0,200}(пишет|написал|написала|написал\(а\))\s*:\s*$|"  # Yandex, Mail.ru, Gmail RU
    r"-{2,}\s*(Original Message|Исходное сообщение|Пересылаемое сообщение|Forwarded message)\s*-{2,}|"
    r"(From|От|Von|De)\s*:\s.+$"  # Outlook's header block
    r")",
    re.IGNORECASE,
)
_SIGNATURE = re.compile(r"^(-- ?|--|__+|Sent from my .{0,40}|Отправлено с .{0,60})$")


def fold_quotes(text: str) -> tuple[str, str]:
    """(main text, folded part): the reply above the quoted history and the signature; the rest kept aside."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    cut = len(lines)
    for i, line in enumerate(lines):
        if i == 0:
            continue  # a mail never starts with its own quote header (a forward's body does: keep it)
        if _QUOTE_HEADERS.match(line) or _SIGNATURE.match(line.rstrip()):
            cut = i
            break
        if line.startswith(">") and all(not rest.strip() or rest.startswith(">") for rest in lines[i:]):
            cut = i
            break
    main = "\n".join(lines[:cut]).strip()
    if not main:  # only quotes (a bare forward): show everything
        return text.strip(), ""
    return main, "\n".join(lines[cut:]).strip()


def _html_to_text(html: str) -> str:
    text = re.sub(r"(?is)<(script|style|head)\b.*?</\1>", "", html)
    text = re.sub(r"(?i)<br\s*/?>|</p>|</div>|</tr>|</li>|</h\d>", "\n", text)
    text = re.sub(r"(?s)<[^>]+>", "", text)
    import html as html_module

    text = html_module.unescape(text)
    text = re.sub(r"[ \t\xa0]+", " ", text)
    return re.sub(r"\n\s*\n+", "\n\n", text).strip()


def _date(msg: Message) -> datetime | None:
    value = _header(msg, "Date")
    if not value:
        return None
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if parsed is None:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except (OverflowError, ValueError):
        return None


def _address(msg: Message, name: str) -> tuple[str, str]:
    value = _header(msg, name)
    if not value:
        return "", ""
    display, addr = email.utils.parseaddr(value)
    if "@" not in addr:
        found = re.search(r"[\w.+'-]+@[\w-]+(\.[\w-]+)+", value)
        addr = found.group(0) if found else ""
    return display.strip().strip('"')[:200], addr.strip().lower()[:254]


def _addresses(msg: Message, name: str) -> list[str]:
    values = _header_all(msg, name)
    return [a.lower() for _n, a in email.utils.getaddresses(values) if "@" in a][:50]


def synthesized_id(raw: bytes) -> str:
    """A stable Message-ID for a mail that has none (the same bytes, the same id: a resync does not duplicate)."""
    return f"<sha256.{hashlib.sha256(raw).hexdigest()[:40]}@hub.invalid>"


def parse_mail(raw: bytes, *, max_file_bytes: int) -> ParsedMail:
    try:
        return _parse(raw, max_file_bytes)
    except Exception as exc:  # a mail no parser understands is still kept (raw) for an agent
        return ParsedMail(
            message_id=synthesized_id(raw),
            parse_error=f"{type(exc).__name__}: {exc}"[:300],
        )


_CONTROL = frozenset(range(32)) - {9, 10, 12, 13}
_BOUNDARY_LINE = re.compile(r"(?m)^--([^\s][^\r\n]{0,69}?)(?:--)?[ \t]*\r?$")


def _binary(raw: bytes) -> bool:
    """Mostly control bytes: not text in any charset (a stray file in the folder, a corrupt spool)."""
    sample = raw[:8192]
    return bool(sample) and sum(b in _CONTROL for b in sample) > len(sample) // 20


def _repair_multipart(msg: Any) -> None:
    """A multipart whose declared boundary never occurs (a broken generator): split it at the boundary its parts
    do use, when there is one; otherwise the body is read as text (in the walk below)."""
    if msg.get_content_maintype() != "multipart" or msg.is_multipart():
        return
    payload = msg.get_payload()
    if not isinstance(payload, str):
        return
    found = _BOUNDARY_LINE.search(payload)
    if found is None:
        return
    boundary = found.group(1)
    fixed = email.message_from_string(
        f'Content-Type: {msg.get_content_type()}; boundary="{boundary}"\r\n\r\n{payload}',
        policy=email.policy.default,
    )
    if fixed.is_multipart():
        msg.set_payload(fixed.get_payload())
        msg.set_boundary(boundary)


def _repair_epilogue(msg: Any) -> None:
    """Parts after a multipart's closing delimiter (a nested multipart that reuses its parent's boundary closes the
    parent early: the attachments that follow land in the epilogue): parsed and attached, not silently dropped."""
    for part in list(msg.walk()):
        epilogue = part.epilogue if part.is_multipart() else None
        boundary = part.get_boundary() if epilogue else None
        if not boundary or f"--{boundary}" not in epilogue:
            continue
        chunks = re.split(rf"(?m)^--{re.escape(boundary)}(?:--)?[ \t]*\r?$", epilogue)
        added = False
        for chunk in chunks[1:]:
            body = chunk.lstrip("\r\n")
            if not re.match(r"[\w-]+:", body):
                continue
            sub = email.message_from_bytes(
                body.encode("utf-8", "surrogateescape"), policy=email.policy.default
            )
            if sub.keys():
                part.attach(sub)
                added = True
        if added:
            part.epilogue = ""


def _parse(raw: bytes, max_file_bytes: int) -> ParsedMail:
    msg: Any = email.message_from_bytes(raw, policy=email.policy.default)
    if not msg.keys() and _binary(raw):
        raise ValueError("not a mail: no headers, binary content")
    _repair_multipart(msg)
    _repair_epilogue(msg)
    message_id = normalize_msgid(_header(msg, "Message-ID")) or synthesized_id(raw)
    from_name, from_addr = _address(msg, "From")
    if not from_addr:
        from_name, from_addr = _address(msg, "Sender")
    _reply_name, reply_to = _address(msg, "Reply-To")
    parsed = ParsedMail(
        message_id=message_id[:500],
        from_addr=from_addr,
        from_name=from_name,
        reply_to=reply_to,
        to=_addresses(msg, "To") + _addresses(msg, "Cc") + _addresses(msg, "Delivered-To"),
        subject=_header(msg, "Subject")[:998],
        date=_date(msg),
        in_reply_to=msgids(_header(msg, "In-Reply-To"))[:20],
        references=msgids(_header(msg, "References"))[-50:],
        automated=_automated(msg),
    )
    for name in ("Auto-Submitted", "Precedence", "List-Id", "X-Mailer", "User-Agent"):
        value = _header(msg, name)
        if value:
            parsed.headers[name] = value[:300]
    if _is_report(msg):
        parsed.bounce = _bounce(msg, raw)
        parsed.automated = parsed.automated or "delivery report"
    elif (from_addr.startswith(("mailer-daemon@", "postmaster@"))) and "delivery" in parsed.subject.lower():
        # a bounce without the RFC 3464 structure (some old MTAs): still not a customer's message
        parsed.automated = parsed.automated or f"bounce from {from_addr}"
    plain: list[str] = []
    html: list[str] = []
    for part in msg.walk():
        if part.is_multipart():
            continue
        ctype = part.get_content_type()
        try:
            disposition = part.get_content_disposition()
        except Exception:
            disposition = None
        name = _filename(part)
        if ctype in ("message/delivery-status", "text/rfc822-headers"):
            continue
        if (
            disposition != "attachment"
            and not name
            and (ctype == "text/plain" or ctype.startswith("multipart/"))
        ):
            # (a multipart that is not one here: its body could not be split, read it as text)
            plain.append(_part_text(part))
        elif disposition != "attachment" and not name and ctype == "text/html":
            html.append(_part_text(part))
        else:
            try:
                data = part.get_payload(decode=True)
            except Exception:
                data = None
            if data is None:
                payload = part.get_payload()
                data = (
                    payload.as_bytes()
                    if isinstance(payload, Message)
                    else (payload[0].as_bytes() if isinstance(payload, list) and payload else b"")
                )
            if not name:
                name = "message.eml" if ctype == "message/rfc822" else ctype.replace("/", ".")
            parsed.parts.append(
                Part(
                    name=name[:255],
                    content_type=ctype,
                    size=len(data),
                    data=data if len(data) <= max_file_bytes else None,
                )
            )
    html_text = "\n".join(html) if html else None
    body = "\n".join(p for p in plain if p.strip()) if plain else ""
    if not body.strip() and html_text:
        body = _html_to_text(html_text)
    parsed.text, parsed.quoted = fold_quotes(body)
    parsed.html = html_text
    return parsed


_SUBJECT_PREFIX = re.compile(
    r"^\s*((re|fwd?|aw|wg|sv|vs|tr|antw|ответ|отв|пересл|rif)\s*(\[\d+\]|\(\d+\))?\s*[:：]\s*)+",
    re.IGNORECASE,
)
_REF = re.compile(r"\[#([a-z2-7]{10})\]")


def normalize_subject(subject: str) -> str:
    """The subject without reply / forward prefixes (Re:, Fwd:, AW:, Ответ:, RE[2]:) and the hub's [#ref]."""
    value = _REF.sub("", subject or "")
    previous = None
    while previous != value:
        previous = value
        value = _SUBJECT_PREFIX.sub("", value).strip()
    return re.sub(r"\s+", " ", value).strip().lower()


def subject_ref(subject: str) -> str | None:
    found = _REF.search(subject or "")
    return found.group(1) if found else None


def as_email(msg: EmailMessage) -> bytes:
    return msg.as_bytes()
