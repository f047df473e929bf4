"""Text colours of the inbox (static/hub.css) against the backgrounds they sit on: at least 4.5:1 (WCAG AA)."""

from __future__ import annotations

import re
from pathlib import Path

CSS = (Path(__file__).resolve().parents[2] / "static" / "hub.css").read_text(encoding="utf-8")
ROOT_VARS = dict(re.findall(r"--([a-z-]+):\s*(#[0-9a-fA-F]{6})", CSS.split("}", 1)[0]))


def luminance(colour: str) -> float:
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def colour(name: str) -> str:
    return ROOT_VARS[name[2:]] if name.startswith("--") else name


# (text, background, where): the list rows (plain, hovered, open), times and hints, the shortcuts dialog, buttons
PAIRS = [
    ("--text", "--panel", "text"),
    ("--muted", "--panel", "times, hints, tabs"),
    ("--muted", "--bg", "the empty conversation pane"),
    ("--muted", "--accent-weak", "the open row's time and assignee"),
    ("--muted", "#f7f8fa", "a hovered row"),
    ("#4b5563", "--accent-weak", "the open row's preview"),
    ("--accent", "--panel", "the active tab"),
    ("#ffffff", "--accent", "primary buttons, unread counts"),
    ("#374151", "--panel", "the shortcut keys' column"),
    ("--text", "#f8f9fa", "a key cap"),
]


def test_the_inbox_text_colours_have_enough_contrast():
    assert {"text", "muted", "panel", "bg", "accent", "accent-weak"} <= set(ROOT_VARS)
    low = [
        f"{where}: {text} on {background} = {contrast(colour(text), colour(background)):.2f}"
        for text, background, where in PAIRS
        if contrast(colour(text), colour(background)) < 4.5
    ]
    assert not low, low
