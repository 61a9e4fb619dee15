"""Values that Git holds encrypted (SOPS): only their presence can be compared.

A SOPS-encrypted manifest carries `ENC[AES256_GCM,data:...]` strings and a top-level `sops`
block; Flux's `flux build` masks the same values as `**SOPS**`. Comparing such a value with the
decrypted one in the cluster would report drift on every key, every run.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from typing import Any

from drift_action.core.model import Change, ChangeType, Normalization

ID = "encrypted-in-git"
_VALUE_REASON = "the value is encrypted in Git (SOPS), so only the key's presence is compared"
_BLOCK_REASON = "the sops block is the encryption's metadata, not a field of the object"

_ENCRYPTED = re.compile(r"ENC\[[A-Z0-9_]+,data:")
_FLUX_MASK = "**SOPS**"


def is_encrypted(value: Any) -> bool:
    """Whether a desired value is a SOPS ciphertext or mask, plainly or base64-encoded."""
    if not isinstance(value, str):
        return False
    if _FLUX_MASK in value or _ENCRYPTED.search(value):
        return True
    try:
        decoded = base64.b64decode(value, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return False
    return _FLUX_MASK in decoded or _ENCRYPTED.search(decoded) is not None


def strip_sops_block(body: dict[str, Any]) -> list[Normalization]:
    """Drop the top-level `sops` metadata of an encrypted file (it is never sent to the API)."""
    block = body.get("sops")
    if isinstance(block, Mapping) and ("mac" in block or "lastmodified" in block):
        del body["sops"]
        return [Normalization(ID, "sops", _BLOCK_REASON)]
    return []


def check(change: Change, subject: object) -> str | None:
    """Changed values whose desired side is encrypted are not drift; missing keys still are."""
    if change.type is ChangeType.CHANGED and is_encrypted(change.desired):
        return _VALUE_REASON
    return None
