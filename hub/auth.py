"""Passwords (argon2) and bearer tokens (signed, expiring, revocable by bumping the user's token_version).

argon2 costs ~0.1-0.2 s of CPU a hash by design: it never runs on the event loop. `hash_password_async` and
`password_workers.run(verify_password, ...)` run it in a small dedicated thread pool (argon2-cffi releases the GIL), and refuse at once with
`Busy` when more than `PasswordWorkers.max_pending` verifications are already waiting, rather than queueing a flood.
"""

from __future__ import annotations

import asyncio
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from hub.domain import User
from hub.keys import LOGIN_TOKENS, derive_secret

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# A hash to verify against when the email is unknown, so the answer takes as long as for a wrong password.
_DUMMY_HASH = _hasher.hash("not a password of anyone")


def verify_dummy(password: str) -> None:
    verify_password(_DUMMY_HASH, password)


T = TypeVar("T")


class Busy(Exception):
    """Too many password hashes are waiting: answer "try again in a moment" instead of queueing."""


class PasswordWorkers:
    """A bounded thread pool for argon2, shared by the process (the CPU is): `workers` threads (default: half
    the cores, at least one, so the event loop keeps a core), at most `max_pending` jobs waiting or running."""

    def __init__(self, workers: int | None = None, max_pending: int | None = None) -> None:
        self.workers = workers or max(1, (os.cpu_count() or 2) // 2)
        self.max_pending = max_pending or 16 * self.workers
        self._executor: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()
        self._pending = 0

    @property
    def pending(self) -> int:
        return self._pending

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        with self._lock:
            if self._pending >= self.max_pending:
                raise Busy(f"{self._pending} password checks are waiting")
            self._pending += 1
            if self._executor is None:
                self._executor = ThreadPoolExecutor(self.workers, thread_name_prefix="argon2")
            executor = self._executor
        try:
            future = executor.submit(self._call, fn, args)
        except RuntimeError:  # the pool was shut down
            with self._lock:
                self._pending -= 1
            raise
        # counted until the job itself ends (a cancelled await does not stop a running hash)
        return await asyncio.wrap_future(future)

    def _call(self, fn: Callable[..., T], args: tuple[Any, ...]) -> T:
        try:
            return fn(*args)
        finally:
            with self._lock:
                self._pending -= 1


password_workers = PasswordWorkers()


async def hash_password_async(password: str) -> str:
    return await password_workers.run(hash_password, password)


_VERIFIED_MAX = 10_000  # verified tokens remembered per process (then forgotten all at once)


class InvalidToken(Exception):
    pass


@dataclass(frozen=True, slots=True)
class TokenClaims:
    user_id: str
    version: int


class Tokens:
    """Login tokens, signed with their own key derived from `secret` (HUB_SECRET_KEY): a key given to anyone else
    (the webhook receivers' one) never signs a login."""

    def __init__(self, secret: str, ttl_seconds: int, salt: str = "hub.user") -> None:
        self._signer = URLSafeTimedSerializer(derive_secret(secret, LOGIN_TOKENS), salt=salt)
        self.ttl_seconds = ttl_seconds
        # tokens whose signature checked out, with their signing time: the HMAC, base64 and JSON of a check cost
        # ~8% of an API request's CPU (py-spy, issue #13). A signature stays valid, so only the age is checked
        # again; a token no longer in the cache (or too old) goes through the full check.
        self._verified: dict[str, tuple[TokenClaims, int]] = {}

    def issue(self, user: User) -> str:
        return self._signer.dumps([user.id, user.token_version])

    def verify(self, token: str) -> TokenClaims:
        known = self._verified.get(token)
        if known is not None:
            claims, signed_at = known
            if 0 <= int(time.time()) - signed_at <= self.ttl_seconds:  # itsdangerous' own rule
                return claims
            del self._verified[token]
        try:
            (user_id, version), signed = self._signer.loads(
                token, max_age=self.ttl_seconds, return_timestamp=True
            )
        except SignatureExpired as exc:
            raise InvalidToken("token expired") from exc
        except (BadSignature, ValueError, TypeError) as exc:
            raise InvalidToken("invalid token") from exc
        if not isinstance(user_id, str) or not isinstance(version, int):
            raise InvalidToken("invalid token")
        claims = TokenClaims(user_id, version)
        if len(self._verified) >= _VERIFIED_MAX:
            self._verified.clear()
        self._verified[token] = (claims, int(signed.timestamp()))
        return claims
