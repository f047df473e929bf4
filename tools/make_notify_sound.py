"""Writes static/sounds/notify.wav, the inbox's desktop-notification sound (static/inbox/desktop.js): a short
two-tone beep (880 Hz then 1320 Hz, 0.18 s, faded in and out), 8 kHz 8-bit mono, about 1.5 KB.

    .venv/bin/python tools/make_notify_sound.py
"""

from __future__ import annotations

import math
import wave
from pathlib import Path

RATE = 8000
OUT = Path(__file__).resolve().parent.parent / "static" / "sounds" / "notify.wav"


def samples() -> bytes:
    tones = [(880.0, 0.09), (1320.0, 0.09)]
    out = bytearray()
    for freq, seconds in tones:
        n = int(RATE * seconds)
        fade = int(RATE * 0.01)
        for i in range(n):
            envelope = min(1.0, i / fade, (n - 1 - i) / fade)
            value = 0.45 * envelope * math.sin(2 * math.pi * freq * i / RATE)
            out.append(128 + round(127 * value))  # 8-bit WAV is unsigned, silence at 128
    return bytes(out)


def main() -> None:
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(OUT), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(1)
        wav.setframerate(RATE)
        wav.writeframes(samples())
    print(f"{OUT}: {OUT.stat().st_size} bytes")


if __name__ == "__main__":
    main()
