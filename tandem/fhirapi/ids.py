"""Resource ids for the API: stable, opaque, and not a row counter. Pure: no Django.

An id is one AES block (128 bits), written as 32 hex digits, holding the resource type, the row's
primary key and, for resources that are not rows of their own (a Goal inside a care plan), a 32-bit
key of the item, then 32 zero bits. The same row always has the same id (the block is encrypted
with a fixed key), so ids survive restarts and can be stored by clients; without the key nobody can
work out another row's id from one they have, or tell how many rows there are, and an id made up or
changed by one character decrypts to something whose zero bits and type do not match (a 404, before
the database is asked). A Patient id is never valid as a Condition id, and so on.

The key comes from the settings (TANDEM_FHIR_ID_KEY, else derived from SECRET_KEY: see
tandem.fhirapi.auth.id_codec). Changing it changes every id the API has given out.
"""

from __future__ import annotations

import hashlib
import re
import zlib

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

TAGS = {"Patient": 1, "Condition": 2, "Observation": 3, "MedicationStatement": 4, "CarePlan": 5, "Goal": 6,
        "QuestionnaireResponse": 7, "CareTeam": 8, "Task": 9, "ServiceRequest": 10}
_HEX = re.compile(r"[0-9a-f]{32}")
MAX_KEY = 2**56 - 1


class IdCodec:
    def __init__(self, secret: bytes):
        self._key = hashlib.sha256(b"tandem.fhirapi.ids:" + secret).digest()[:16]
        self._cipher = Cipher(algorithms.AES(self._key), modes.ECB())  # noqa: S305 - one block, deterministic on purpose

    def encode(self, type_name: str, key: int, extra: int = 0) -> str:
        if not 0 < key <= MAX_KEY or not 0 <= extra < 2**32:
            raise ValueError("an id's key is out of range")
        block = bytes([TAGS[type_name]]) + key.to_bytes(7, "big") + extra.to_bytes(4, "big") + bytes(4)
        encryptor = self._cipher.encryptor()
        return (encryptor.update(block) + encryptor.finalize()).hex()

    def decode(self, type_name: str, text: str) -> tuple[int, int] | None:
        """(key, extra) for an id this codec made for this type, else None."""
        if not isinstance(text, str) or not _HEX.fullmatch(text):
            return None
        decryptor = self._cipher.decryptor()
        block = decryptor.update(bytes.fromhex(text)) + decryptor.finalize()
        if block[0] != TAGS[type_name] or block[12:] != bytes(4):
            return None
        key = int.from_bytes(block[1:8], "big")
        return (key, int.from_bytes(block[8:12], "big")) if key else None

    def key(self, type_name: str, text: str) -> int | None:
        found = self.decode(type_name, text)
        return found[0] if found is not None and found[1] == 0 else None


def item_key(kind: str, key: str) -> int:
    """A 32-bit key for an item inside a document (a goal's id, a target's measurement), never 0."""
    return zlib.crc32(f"{kind}:{key}".encode()) or 1
