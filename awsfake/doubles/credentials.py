"""Temporary credentials shaped as AWS hands them out: an ASIA key id, a 40-character secret, a session token.

STS sessions (`Accounts.mint_session`) and FakeIMDS's instance-role credentials are minted here, so both look
alike to a client and neither fake has its own idea of what a temporary key is.
"""

from __future__ import annotations

import base64
import secrets
import string
from dataclasses import dataclass, field

__all__ = ["KEY_ALPHABET", "SessionKeys", "mint_session_keys"]

KEY_ALPHABET = string.ascii_uppercase + "234567"


@dataclass(frozen=True)
class SessionKeys:
    """One minted set; the repr shows the key id only."""

    access_key_id: str
    secret_access_key: str = field(repr=False)
    session_token: str = field(repr=False)


def mint_session_keys() -> SessionKeys:
    """Random, unguessable keys: `ASIA` + 16 base32 characters, a 40-character secret and a long token."""
    return SessionKeys(
        "ASIA" + "".join(secrets.choice(KEY_ALPHABET) for _ in range(16)),
        base64.b64encode(secrets.token_bytes(30)).decode(),
        "FwoGZXIvYXdzF" + base64.b64encode(secrets.token_bytes(180)).decode(),
    )
