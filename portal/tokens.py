"""Portal link tokens.

A token is an HMAC of the link's id and a random nonce under
``PORTAL_TOKEN_SECRET``: 256 bits that cannot be guessed without the secret.
The database keeps only its SHA-256 hash; the server can still print a
debtor's current link on every reminder because it can derive the token
again from the secret.
"""

import base64
import hashlib
import hmac
import secrets

from django.conf import settings


def new_nonce() -> str:
    return secrets.token_hex(16)


def derive_token(link_id, nonce: str) -> str:
    digest = hmac.new(settings.PORTAL_TOKEN_SECRET.encode(), f"{link_id}:{nonce}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
