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


# Crockford's base32 alphabet: digits and capitals without I, L, O and U, so
# that a code read from paper is hard to mistype. Reading maps O to 0 and
# I and L to 1, as Crockford's decoding rules say.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 10  # 50 bits
CODE_GROUP = 4
_CODE_READ_MAP = str.maketrans({"O": "0", "I": "1", "L": "1"})


def derive_code(link_id, nonce: str) -> str:
    """Return the link's short code for letters: 10 characters of an HMAC under the secret."""
    digest = hmac.new(settings.PORTAL_TOKEN_SECRET.encode(), f"code:{link_id}:{nonce}".encode(), hashlib.sha256)
    number = int.from_bytes(digest.digest()[:8], "big") >> (64 - 5 * CODE_LENGTH)
    characters = []
    for _ in range(CODE_LENGTH):
        number, index = divmod(number, len(CODE_ALPHABET))
        characters.append(CODE_ALPHABET[index])
    return "".join(reversed(characters))


def format_code(code: str) -> str:
    """Group a code in fours for printing: ABCD-EFGH-JK."""
    return "-".join(code[start : start + CODE_GROUP] for start in range(0, len(code), CODE_GROUP))


def normalize_code(typed: str) -> str | None:
    """Return the code a visitor typed in canonical form, or None if it cannot be a code.

    Spaces, hyphens and case are ignored, and O, I and L count as 0, 1 and 1.
    """
    compact = "".join(typed.split()).replace("-", "").upper().translate(_CODE_READ_MAP)
    if len(compact) != CODE_LENGTH or any(char not in CODE_ALPHABET for char in compact):
        return None
    return compact


def hash_code(code: str) -> str:
    """Return the stored form of a code: an HMAC, because 50 bits alone could be searched offline."""
    return hmac.new(settings.PORTAL_TOKEN_SECRET.encode(), f"code-hash:{code}".encode(), hashlib.sha256).hexdigest()
