"""What arrives from Telegram, as the hub's InboundMessage: messages (text, media, contacts), edits, /start deep
links and button presses (callback queries)."""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import PurePosixPath
from typing import Any

import aiohttp
from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import CallbackQuery, Chat, Message, User

from hub.actions.ingest import IngestResult, edit_inbound, ingest, link_identity
from hub.context import Hub
from hub.domain import Attachment, Identity, IdentityKind
from hub.files import FileStore
from hub.identities import InvalidIdentity, make_identity
from hub.inbound import InboundMessage
from hub.links import verify_client_link
from hub.queries import entries as entry_queries

log = logging.getLogger(__name__)

CHANNEL = "telegram"

# what a customer sends (kept); anything else in a message is a service message (joins, pins, ...) and is ignored
_USER_CONTENT = frozenset(
    {
        "text", "animation", "audio", "document", "photo", "sticker", "video", "video_note", "voice", "contact",
        "dice", "game", "poll", "venue", "location", "story", "paid_media", "live_photo", "checklist", "invoice",
    }
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class BotContext:
    """One configured bot, as the inbound handlers need it."""

    name: str
    bot: Bot
    groups: bool


def thread_key(bot_name: str, chat_id: int) -> str:
    return f"{bot_name}:{chat_id}"


def message_provider_id(bot_name: str, chat_id: int, message_id: int) -> str:
    return f"{bot_name}:{chat_id}:{message_id}"


def callback_provider_id(bot_name: str, callback_id: str) -> str:
    return f"{bot_name}:cb:{callback_id}"


def redact(text: str, bot: Bot) -> str:
    """Error texts can carry request URLs, which hold the bot token: never log or store it."""
    return text.replace(bot.token, "<token>")


def accepts_chat(ctx: BotContext, chat: Chat) -> bool:
    """Private chats always; groups only when the bot is configured with `groups`; never channels."""
    if chat.type == "private":
        return True
    return ctx.groups and chat.type in ("group", "supergroup")


def display_name(user: User) -> str:
    name = " ".join(part for part in (user.first_name, user.last_name) if part).strip()
    return name or (user.username or "")


def telegram_identity(user: User) -> Identity:
    return make_identity(IdentityKind.telegram, user.id)


def contact_phone(phone_number: str, default_region: str) -> Identity | None:
    """Telegram sends the phone in international form, usually without the '+'."""
    raw = phone_number.strip()
    if raw and not raw.startswith(("+", "00")):
        raw = "+" + raw
    try:
        return make_identity(IdentityKind.phone, raw, default_region)
    except InvalidIdentity:
        log.info("ignoring a shared contact with an unusable phone number %r", phone_number)
        return None


def start_payload(text: str) -> str | None:
    """The payload of '/start <payload>' (or '/start@bot <payload>'); None for any other text."""
    parts = text.split(maxsplit=1)
    if not parts or not (parts[0] == "/start" or parts[0].startswith("/start@")):
        return None
    return parts[1].strip() if len(parts) > 1 else ""


def _meta(
    ctx: BotContext, chat: Chat, message_id: int | None, update_id: int | None, **extra: Any
) -> dict[str, Any]:
    info: dict[str, Any] = {"bot": ctx.name, "chat_id": chat.id, "chat_type": chat.type}
    if message_id is not None:
        info["message_id"] = message_id
    if update_id is not None:
        info["update_id"] = update_id
    info.update(extra)
    return {"telegram": info}


# --- messages -----------------------------------------------------------------------------------------------------


async def handle_message(
    hub: Hub, ctx: BotContext, message: Message, *, link_secret: str, update_id: int | None = None
) -> IngestResult | None:
    """A new message: store it (once), with its files fetched into the attachment store."""
    user = message.from_user
    if user is None or user.is_bot or not accepts_chat(ctx, message.chat):
        return None
    if message.content_type not in _USER_CONTENT:
        return None  # a service message (someone joined, a pin, ...)
    provider_id = message_provider_id(ctx.name, message.chat.id, message.message_id)
    if await entry_queries.by_provider_id(hub, CHANNEL, provider_id) is not None:
        return None  # a redelivered update: nothing to do, and no file to fetch again

    telegram = telegram_identity(user)
    identities: list[Identity] = [telegram]
    extra: dict[str, Any] = {}
    text = message.text or message.caption or ""

    payload = start_payload(message.text or "") if message.chat.type == "private" else None
    if payload is not None:
        text = "/start"  # the signed token is not for the timeline
        if payload:
            extra["start_link"] = await _follow_link(hub, payload, telegram, link_secret)

    if message.contact is not None:
        contact = message.contact
        phone = contact_phone(contact.phone_number, hub.settings.default_region)
        own = contact.user_id is not None and contact.user_id == user.id
        if phone is not None and own:
            # the user's own number: it decides the client (a caller or an email sender with that phone)
            identities.insert(0, phone)
        name = " ".join(p for p in (contact.first_name, contact.last_name) if p)
        extra["contact"] = {
            "phone": phone.value if phone else contact.phone_number,
            "name": name,
            "user_id": contact.user_id,
            "own": own,
        }
        if not text:
            text = (
                f"📱 {name}, {phone.value if phone else contact.phone_number}"
                if name
                else f"📱 {contact.phone_number}"
            )

    attachments = await fetch_attachments(hub, ctx.bot, message)
    if not text and not attachments:
        text = describe(message)

    return await ingest(
        hub,
        InboundMessage(
            channel=CHANNEL,
            provider_message_id=provider_id,
            thread_key=thread_key(ctx.name, message.chat.id),
            identities=tuple(identities),
            display_name=display_name(user),
            text=text,
            attachments=tuple(attachments),
            occurred_at=message.date,
            language=user.language_code,
            raw=_meta(ctx, message.chat, message.message_id, update_id, **extra),
        ),
    )


async def _follow_link(hub: Hub, payload: str, identity: Identity, secret: str) -> str:
    """A /start deep link signed for a client: the Telegram user joins that client (before the message is stored)."""
    client_id = verify_client_link(secret, payload)
    if client_id is None:
        log.info("ignoring a /start payload that is not a valid signed client link")
        return "invalid"
    try:
        owner = await link_identity(hub, client_id, identity)
    except ValueError:
        log.info("a signed /start link names client %s, which no longer exists", client_id)
        return "unknown_client"
    return "linked" if owner == client_id else "merge_suggested"


def describe(message: Message) -> str:
    """A line of text for a message that has neither text nor a file we keep (a sticker, a location, ...)."""
    if message.sticker is not None:
        return f"[sticker] {message.sticker.emoji or ''}".strip()
    if message.venue is not None:
        return f"[venue] {message.venue.title}, {message.venue.address}"
    if message.location is not None:
        return f"[location] {message.location.latitude}, {message.location.longitude}"
    if message.poll is not None:
        return f"[poll] {message.poll.question}"
    if message.dice is not None:
        return f"[dice] {message.dice.emoji} {message.dice.value}"
    return f"[{message.content_type}]"


async def handle_edited(
    hub: Hub, ctx: BotContext, message: Message, *, link_secret: str, update_id: int | None = None
) -> None:
    """The customer edited a message: the entry gets the new text and keeps the previous one in meta['edits']."""
    user = message.from_user
    if user is None or user.is_bot or not accepts_chat(ctx, message.chat):
        return
    provider_id = message_provider_id(ctx.name, message.chat.id, message.message_id)
    text = message.text or message.caption or ""
    edited_at = datetime.fromtimestamp(message.edit_date, UTC) if message.edit_date else None
    updated = await edit_inbound(hub, CHANNEL, provider_id, text=text, edited_at=edited_at)
    if updated is not None:
        return
    # the original is not stored (lost, or still on its way): keep the edited version as the message
    result = await handle_message(hub, ctx, message, link_secret=link_secret, update_id=update_id)
    if result is None or result.duplicate:
        # the original won a race with its edit: apply the edit to it
        await edit_inbound(hub, CHANNEL, provider_id, text=text, edited_at=edited_at)


# --- files --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _FileRef:
    file_id: str
    size: int | None
    content_type: str
    name: str


def file_refs(message: Message) -> list[_FileRef]:
    refs: list[_FileRef] = []
    if message.photo:
        largest = max(message.photo, key=lambda p: (p.width * p.height, p.file_size or 0))
        refs.append(_FileRef(largest.file_id, largest.file_size, "image/jpeg", ""))
    if message.document is not None:  # also set for animations (GIFs)
        d = message.document
        refs.append(
            _FileRef(d.file_id, d.file_size, d.mime_type or "application/octet-stream", d.file_name or "")
        )
    if message.voice is not None:
        v = message.voice
        refs.append(_FileRef(v.file_id, v.file_size, v.mime_type or "audio/ogg", ""))
    if message.audio is not None:
        a = message.audio
        refs.append(_FileRef(a.file_id, a.file_size, a.mime_type or "audio/mpeg", a.file_name or ""))
    if message.video is not None:
        v = message.video
        refs.append(_FileRef(v.file_id, v.file_size, v.mime_type or "video/mp4", v.file_name or ""))
    if message.video_note is not None:
        n = message.video_note
        refs.append(_FileRef(n.file_id, n.file_size, "video/mp4", ""))
    return refs


async def fetch_attachments(hub: Hub, bot: Bot, message: Message) -> list[Attachment]:
    return [await fetch_file(hub, bot, ref) for ref in file_refs(message)]


async def fetch_file(hub: Hub, bot: Bot, ref: _FileRef) -> Attachment:
    """getFile + download into the attachment store. A file that cannot be fetched (too large for the store or for
    the Bot API, Telegram unreachable) is kept as metadata with its provider file id, without a url."""
    name, size, url = ref.name, ref.size, None
    files = hub.files
    if files is not None and (size is None or size <= files.max_bytes):
        try:
            info = await bot.get_file(ref.file_id)
            if info.file_path and (info.file_size is None or info.file_size <= files.max_bytes):
                buffer = await bot.download_file(info.file_path, destination=io.BytesIO())
                data = buffer.getvalue() if isinstance(buffer, io.BytesIO) else b""
                name = name or PurePosixPath(info.file_path).name
                key = await files.put(data, name=name)
                url, size = FileStore.url(key), len(data)
        except (TelegramAPIError, aiohttp.ClientError, TimeoutError, OSError, ValueError) as exc:
            log.warning(
                "could not fetch Telegram file %s: %s",
                ref.file_id,
                redact(f"{type(exc).__name__}: {exc}", bot),
            )
    return Attachment(
        name=name or _default_name(ref.content_type),
        content_type=ref.content_type,
        size=size,
        url=url,
        provider_file_id=ref.file_id,
    )


def _default_name(content_type: str) -> str:
    return {"image/jpeg": "photo.jpg", "audio/ogg": "voice.ogg", "video/mp4": "video.mp4"}.get(
        content_type, "file"
    )


# --- button presses -----------------------------------------------------------------------------------------------


def pressed_button_text(query: CallbackQuery) -> str | None:
    """The text of the inline button whose callback data the query carries (from the message's keyboard)."""
    markup = getattr(query.message, "reply_markup", None) if query.message is not None else None
    for row in getattr(markup, "inline_keyboard", None) or []:
        for button in row:
            if button.callback_data == query.data:
                return button.text
    return None


async def handle_callback(
    hub: Hub, ctx: BotContext, query: CallbackQuery, *, update_id: int | None = None
) -> None:
    """A press on an inline button: answered at once (the spinner stops), then stored with button_id."""
    provider_id = callback_provider_id(ctx.name, query.id)
    if await entry_queries.by_provider_id(hub, CHANNEL, provider_id) is not None:
        return  # a redelivered update
    try:
        await ctx.bot.answer_callback_query(query.id)
    except (TelegramAPIError, aiohttp.ClientError, TimeoutError) as exc:
        log.info("answerCallbackQuery %s failed: %s", query.id, redact(str(exc), ctx.bot))
    user = query.from_user
    if user.is_bot or not query.data:
        return  # game callbacks carry no data
    chat = query.message.chat if query.message is not None else None
    if chat is not None and not accepts_chat(ctx, chat):
        return
    chat_id = chat.id if chat is not None else user.id  # no message (inline mode): the user's private chat
    message_id = query.message.message_id if query.message is not None else None
    meta_chat = chat if chat is not None else Chat(id=user.id, type="private")
    await ingest(
        hub,
        InboundMessage(
            channel=CHANNEL,
            provider_message_id=provider_id,
            thread_key=thread_key(ctx.name, chat_id),
            identities=(telegram_identity(user),),
            display_name=display_name(user),
            text=pressed_button_text(query) or query.data,
            button_id=query.data,
            language=user.language_code,
            raw=_meta(ctx, meta_chat, message_id, update_id, callback_query_id=query.id),
        ),
    )
