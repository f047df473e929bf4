"""A hub with every telephony provider configured, behind a public https URL (as behind a proxy)."""

from __future__ import annotations

import pytest
from support import make_settings
from telephony_helpers import (
    GENERIC_SECRET,
    MANGO_KEY,
    MANGO_SALT,
    PBX_TOKEN,
    PUBLIC_URL,
    SALES_LINE,
    TWILIO_TOKEN,
    ZADARMA_SECRET,
)


@pytest.fixture
def settings(tmp_path):
    return make_settings(
        tmp_path,
        public_url=PUBLIC_URL,
        telephony={
            "twilio": {"auth_token": TWILIO_TOKEN},
            "zadarma": {"secret": ZADARMA_SECRET},
            "novofon": {"secret": ZADARMA_SECRET + "-novofon"},
            "mango": {"api_key": MANGO_KEY, "api_salt": MANGO_SALT},
            "generic": {"secret": GENERIC_SECRET, "tokens": [PBX_TOKEN]},
            "numbers": {SALES_LINE: "Sales", "8 495 765-43-21": "Support"},
        },
    )
