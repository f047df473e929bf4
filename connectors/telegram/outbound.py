"""Replies to Telegram: one ChannelSender for every configured bot; the conversation's thread key names the bot and
the chat ("<bot>:<chat id>")."""

from __future__ import annotations

import asyncio
import logging

import aiohttp
from aiogram import Bot
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramEntityTooLarge,
    TelegramForbiddenError,
    TelegramNotFound,
    TelegramRetryAfter,
)
from aiogram.types import BufferedInputFile, InlineKeyboardButton, InlineKeyboardMarkup, Message
from pydantic import ValidationError

from hub.domain import Attachment, Conversation, TimelineEntry
from hub.files import FileStore
from hub.outbound import Button, DeliveryError, OutboundMessage, ReplyProblem, buttons_of

from .inbound import CHANNEL, message_provider_id, redact

log = logging.getLogger(__name__)

TEXT_LIMIT = 4096  # UTF-16 code units per message
CAPTION_LIMIT = 1024
_PHOTO_TYPES = frozenset({"image/jpeg", "image/png", "image/webp"})
_FILES_PREFIX = FileStore.url("")


def parse_thread_key(thread_key: str) -> tuple[str, int]:
    """The bot and chat of a thread key "<bot>:<chat id>", also with the suffix of a second conversation of the
    chat ("#split:<id>", "#merged:<id>")."""
    name, _, chat = thread_key.split("#", 1)[0].partition(":")
    try:
        return name, int(chat)
    except ValueError:
        raise DeliveryError(f"not a Telegram thread key: {thread_key!r}", permanent=True) from None


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def split_text(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Pieces of at most `limit` UTF-16 units, cut at a line break or a space where one is near the limit.
    Joined together they give the text back exactly."""
    pieces: list[str] = []
    rest = text
    while utf16_len(rest) > limit:
        end, units = 0, 0
        while end < len(rest):
            step = 2 if ord(rest[end]) > 0xFFFF else 1
            if units + step > limit:
                break
            units += step
            end += 1
        cut = max(rest.rfind("\n", 0, end), rest.rfind(" ", 0, end))
        if cut < end // 2:
            cut = end - 1  # no good break: cut hard
        pieces.append(rest[: cut + 1])
        rest = rest[cut + 1 :]
    if rest:
        pieces.append(rest)
    return pieces


def keyboard(rows: list[list[Button]]) -> InlineKeyboardMarkup | None:
    if not rows:
        return None
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=b.text, callback_data=b.id) for b in row] for row in rows if row
        ]
    )


class TelegramSender:
    """Sends outgoing entries: text (no parse mode: the customer sees exactly what was typed), inline keyboards
    for bot buttons, photos and documents from the attachment store."""

    channel = CHANNEL

    def __init__(self, bots: dict[str, Bot], files: FileStore | None) -> None:
        self.bots = bots
        self.files = files
        self._closed = False
        self._inflight: set[asyncio.Task[object]] = set()

    async def send(self, message: OutboundMessage) -> str | None:
        if self._closed:
            raise DeliveryError(
                "the hub is shutting down; the message is sent after the restart",
                code="shutting_down",
                params={},
            )
        name, chat_id = parse_thread_key(message.conversation.thread_key)
        bot = self.bots.get(name)
        if bot is None:
            raise DeliveryError(
                f"no Telegram bot named {name!r} is configured",
                permanent=True,
                code="telegram.no_bot",
                params={"name": name},
            )
        task = asyncio.current_task()
        if task is not None:
            self._inflight.add(task)
        try:
            sent = await self._send(bot, chat_id, message.entry)
        except TelegramForbiddenError as exc:
            raise DeliveryError(
                f"the user blocked the bot or left the chat (Telegram: {exc.message})",
                permanent=True,
                code="telegram.blocked",
                params={"detail": exc.message},
            ) from exc
        except TelegramRetryAfter as exc:
            raise DeliveryError(
                f"Telegram rate limit: retry after {exc.retry_after} s",
                retry_after=float(exc.retry_after),
                code="telegram.rate_limited",
                params={"seconds": exc.retry_after},
            ) from exc
        except (TelegramBadRequest, TelegramNotFound, TelegramEntityTooLarge) as exc:
            raise DeliveryError(
                f"Telegram refused the message: {exc.message}",
                permanent=True,
                code="telegram.refused",
                params={"detail": exc.message},
            ) from exc
        except TelegramAPIError as exc:  # server errors, network errors, a bad token: try again later
            detail = redact(f"{type(exc).__name__}: {exc.message}", bot)
            raise DeliveryError(
                f"Telegram error: {detail}", code="telegram.error", params={"detail": detail}
            ) from exc
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            detail = redact(f"{type(exc).__name__}: {exc}", bot)
            raise DeliveryError(
                f"Telegram unreachable: {detail}", code="telegram.unreachable", params={"detail": detail}
            ) from exc
        finally:
            if task is not None:
                self._inflight.discard(task)
        return message_provider_id(name, chat_id, sent.message_id)

    async def _send(self, bot: Bot, chat_id: int, entry: TimelineEntry) -> Message:
        try:
            markup = keyboard(buttons_of(entry))
        except ValidationError as exc:
            raise DeliveryError(
                f"the entry's buttons are malformed: {exc.errors()[0]['msg']}", permanent=True
            ) from exc
        text = entry.text
        files = [await self._input_file(a) for a in entry.attachments]
        if len(files) == 1 and utf16_len(text) <= CAPTION_LIMIT:
            return await self._send_file(bot, chat_id, files[0], caption=text or None, markup=markup)
        chunks = split_text(text) if text.strip() else []
        if not files and not chunks:
            raise DeliveryError(
                "nothing to send: the entry has no text and no attachment",
                permanent=True,
                code="nothing_to_send",
                params={},
            )
        last: Message | None = None
        for i, item in enumerate(files):
            is_last = i == len(files) - 1 and not chunks
            last = await self._send_file(bot, chat_id, item, caption=None, markup=markup if is_last else None)
        for i, chunk in enumerate(chunks):
            last = await bot.send_message(
                chat_id,
                chunk,
                parse_mode=None,
                reply_markup=markup if i == len(chunks) - 1 else None,
            )
        assert last is not None
        return last

    async def _send_file(
        self,
        bot: Bot,
        chat_id: int,
        item: tuple[Attachment, BufferedInputFile | str],
        *,
        caption: str | None,
        markup: InlineKeyboardMarkup | None,
    ) -> Message:
        attachment, file = item
        if attachment.content_type in _PHOTO_TYPES:
            return await bot.send_photo(chat_id, file, caption=caption, parse_mode=None, reply_markup=markup)
        return await bot.send_document(chat_id, file, caption=caption, parse_mode=None, reply_markup=markup)

    async def _input_file(self, attachment: Attachment) -> tuple[Attachment, BufferedInputFile | str]:
        """The file's bytes from the attachment store; else Telegram's file id (valid for the bot that got it)."""
        url = attachment.url or ""
        path = (
            self.files.path(url[len(_FILES_PREFIX) :])
            if self.files and url.startswith(_FILES_PREFIX)
            else None
        )
        if path is not None:
            data = await asyncio.to_thread(path.read_bytes)
            return attachment, BufferedInputFile(data, filename=attachment.name or path.name)
        if attachment.provider_file_id:
            return attachment, attachment.provider_file_id
        raise DeliveryError(
            f"the attachment {attachment.name or url!r} is not in the file store",
            permanent=True,
            code="attachment_gone",
            params={"name": attachment.name or url},
        )

    def reply_problem(self, conversation: Conversation) -> ReplyProblem | None:
        """A conversation of a bot this hub does not run (its thread key names another bot) cannot be answered."""
        try:
            name, _chat = parse_thread_key(conversation.thread_key)
        except DeliveryError:
            name = ""
        if name in self.bots:
            return None
        return ReplyProblem(
            "telegram.no_bot",
            {"bot": name},
            f"The Telegram bot {name!r} of this conversation is not configured: no reply can be sent. An admin "
            "adds it to HUB_TELEGRAM_BOTS (its name and its token from BotFather) and restarts the hub.",
        )

    async def close(self, grace: float = 10.0) -> None:
        """Refuse new sends (they stay queued for the next start) and wait for the ones in flight."""
        self._closed = True
        pending = [t for t in self._inflight if t is not asyncio.current_task()]
        if pending:
            await asyncio.wait(pending, timeout=grace)
