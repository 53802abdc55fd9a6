"""Pseudonymous patrons: the library system's patron id never enters this system, only a keyed hash of it.

A keyed hash (HMAC-SHA256) rather than a plain hash, because patron ids are short and guessable: without the
installation's key nobody can rebuild the table from id to pseudonym.
"""

import hashlib
import hmac


def patron_pseudonym(raw_id: str, key: str) -> str:
    """The 64-hex-digit pseudonym of a patron id under the installation's key (`Settings().patron_key`)."""
    if not key:
        raise ValueError("patron pseudonyms need a non-empty key (MATERIALS_PATRON_KEY)")
    return hmac.new(key.encode(), raw_id.strip().encode(), hashlib.sha256).hexdigest()
