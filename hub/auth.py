"""Passwords (argon2) and bearer tokens (signed, expiring, revocable by bumping the user's token_version)."""

from __future__ import annotations

from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from hub.domain import User

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


class InvalidToken(Exception):
    pass


@dataclass(frozen=True, slots=True)
class TokenClaims:
    user_id: str
    version: int


class Tokens:
    def __init__(self, secret: str, ttl_seconds: int, salt: str = "hub.user") -> None:
        self._signer = URLSafeTimedSerializer(secret, salt=salt)
        self.ttl_seconds = ttl_seconds

    def issue(self, user: User) -> str:
        return self._signer.dumps([user.id, user.token_version])

    def verify(self, token: str) -> TokenClaims:
        try:
            user_id, version = self._signer.loads(token, max_age=self.ttl_seconds)
        except SignatureExpired as exc:
            raise InvalidToken("token expired") from exc
        except (BadSignature, ValueError, TypeError) as exc:
            raise InvalidToken("invalid token") from exc
        if not isinstance(user_id, str) or not isinstance(version, int):
            raise InvalidToken("invalid token")
        return TokenClaims(user_id, version)
