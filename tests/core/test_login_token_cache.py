"""Login tokens: a token checked once is remembered (the check is costly per request), but it still expires on
time and a forged or tampered one is still refused."""

from __future__ import annotations

import time

import pytest

from hub.auth import InvalidToken, Tokens
from hub.domain import User


def _user() -> User:
    return User(email="agent@example.com", name="Agent")


def test_a_remembered_token_still_expires(monkeypatch):
    tokens = Tokens("s" * 40, ttl_seconds=60)
    user = _user()
    token = tokens.issue(user)
    assert tokens.verify(token).user_id == user.id
    assert tokens.verify(token).user_id == user.id  # from memory

    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now + 61)
    with pytest.raises(InvalidToken):
        tokens.verify(token)


def test_a_tampered_token_is_refused_after_the_real_one_was_remembered():
    tokens = Tokens("s" * 40, ttl_seconds=60)
    token = tokens.issue(_user())
    tokens.verify(token)
    payload, _, signature = token.rpartition(".")
    forged = payload + "." + ("A" if signature[0] != "A" else "B") + signature[1:]
    with pytest.raises(InvalidToken):
        tokens.verify(forged)
    other = Tokens("t" * 40, ttl_seconds=60)  # another secret does not accept it either
    with pytest.raises(InvalidToken):
        other.verify(token)
