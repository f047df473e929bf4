"""Fixtures for the action tests (tests/core). The `store`, `hub` and `settings` fixtures come from tests/conftest.py."""

from __future__ import annotations

import pytest

import hub.actions.staff


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch):
    """argon2 takes ~0.15 s per hash; these tests create many users and never log in."""
    monkeypatch.setattr(hub.actions.staff, "hash_password", lambda password: "test-hash:" + password)
