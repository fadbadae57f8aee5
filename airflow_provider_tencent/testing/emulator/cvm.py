"""The CVM instance metadata service: the role name, then that role's temporary keys.

One module, not a service package: it is not an API 3.0 service (no action, no signature, a plain ``GET`` of
a path), and it has no state of its own (the keys go into the emulator's key store).
"""

from __future__ import annotations

import json
import time

from airflow_provider_tencent.testing.emulator.auth import KeyStore
from airflow_provider_tencent.testing.emulator.sts.models import ACCOUNT_ID

CVM_ROLE = "emulator-cvm-role"
"""The role name the CVM metadata service reports."""
METADATA_PREFIX = "/latest/meta-data/"
METADATA_ACTION = "CvmMetadata"
"""The name CVM metadata credential requests are counted under."""
BASE = METADATA_PREFIX + "cam/security-credentials/"


def answer(keys: KeyStore, lifetime_override: float | None, path: str) -> tuple[str, int, bytes]:
    """``(outcome, status, body)`` of a metadata GET; keys live ``lifetime_override`` seconds, else an hour."""
    if path.rstrip("/") == BASE.rstrip("/"):
        return "role", 200, CVM_ROLE.encode()
    if path == BASE + CVM_ROLE:
        secret_id, temp = keys.issue(lifetime_override or 3600, f"qcs::cam::uin/{ACCOUNT_ID}:roleName/{CVM_ROLE}")
        body = {
            "Code": "Success",
            "TmpSecretId": secret_id,
            "TmpSecretKey": temp.secret_key,
            "Token": temp.token,
            "ExpiredTime": int(temp.expires),
            "Expiration": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(int(temp.expires))),
        }
        return "ok", 200, json.dumps(body).encode()
    return "not_found", 404, b"not found"
