"""The format of an API key's token.

A key reads `ltc_<prefix>_<secret>`: the prefix finds the row, the secret is compared with
its stored SHA-256 (a random 256-bit secret needs no slow hash: there is nothing to guess).
Issuing and revoking are in `services.py`, finding the key a token names in `selectors.py`.
"""

from __future__ import annotations

import hashlib

TOKEN_PREFIX = "ltc"


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def token_for(prefix: str, secret: str) -> str:
    return f"{TOKEN_PREFIX}_{prefix}_{secret}"


def parse_token(token: str) -> tuple[str, str] | None:
    """The (prefix, secret) a token carries, or None when it is not one of ours."""
    parts = token.split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX:
        return None
    return parts[1], parts[2]
