"""STS 2018-08-13, the rules: ``AssumeRole`` issues temporary keys (kept by the emulator's key store),
``GetCallerIdentity`` tells who signed.

Rules from the AssumeRole document (as the SDK's ``AssumeRoleRequest`` carries it):

* RoleArn: "普通角色: qcs::cam::uin/12345678:role/4611686018427397919、qcs::cam::uin/12345678:roleName/
  testRoleName; 服务角色: qcs::cam::uin/12345678:role/tencentcloudServiceRole/4611686018427397920、
  qcs::cam::uin/12345678:role/tencentcloudServiceRoleName/testServiceRoleName";
* RoleSessionName: "长度在2到128之间,可包含大小写字符,数字以及特殊字符:=,.@_-。正则为:[\\w+=,.@_-]*";
* DurationSeconds: "默认 7200 秒,最长可设定有效期为 43200 秒".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from airflow_provider_tencent.testing.emulator.auth import KeyStore, TempKey
from airflow_provider_tencent.testing.emulator.context import BackendContext
from airflow_provider_tencent.testing.emulator.core import ApiError, Backend

SERVICE = "sts"
VERSION = "2018-08-13"
QUOTAS = {"AssumeRole": 600, "GetCallerIdentity": 20}
ACCOUNT_ID = "100000000001"
MAX_DURATION = 43_200
DEFAULT_DURATION = 7_200

ROLE_ARN = re.compile(
    r"^qcs::cam::uin/(?P<uin>\d+):(?:role|roleName)/"
    r"(?:tencentcloudServiceRole/|tencentcloudServiceRoleName/)?(?P<role>[\w+=,.@-]+)$"
)
SESSION_NAME = re.compile(r"^[\w+=,.@-]{2,128}$")


@dataclass(frozen=True)
class Identity:
    """Who signed a request: ``Arn``, ``UserId`` and ``Type`` of GetCallerIdentity (account :data:`ACCOUNT_ID`)."""

    arn: str
    user_id: str
    type: str


class StsBackend(Backend):
    """Issues temporary keys into ``keys`` (the store the signature check reads).

    :param context: the emulator's context.
    :param keys: the emulator's key store.
    """

    def __init__(self, context: BackendContext, keys: KeyStore) -> None:
        super().__init__(context)
        self.keys = keys

    def assume_role(self, role_arn: Any, session: Any, duration: int | None) -> tuple[str, TempKey]:
        """AssumeRole: ``(TmpSecretId, keys)`` for the role, valid ``duration`` seconds (or the override)."""
        for name, value in (("RoleArn", role_arn), ("RoleSessionName", session)):
            if value in (None, ""):
                raise ApiError("MissingParameter", f"{name} is required.")
        match = ROLE_ARN.match(role_arn)
        if not match:
            raise ApiError(
                "InvalidParameter.ParamError",
                "RoleArn must look like qcs::cam::uin/<uin>:roleName/<name> (or :role/<id>, or a service role).",
            )
        if not SESSION_NAME.match(session):
            raise ApiError("InvalidParameter.ParamError", "RoleSessionName: 2 to 128 of [A-Za-z0-9_+=,.@-].")
        duration = DEFAULT_DURATION if duration is None else int(duration)
        if not 0 < duration <= MAX_DURATION:
            raise ApiError("InvalidParameter.OverTimeError", f"DurationSeconds must be 1 to {MAX_DURATION}.")
        lifetime = self.settings.sts_lifetime_override or duration
        return self.keys.issue(lifetime, f"qcs::sts:{match['uin']}:assumed-role/{match['role']}/{session}")

    def caller_identity(self, secret_id: str) -> Identity:
        """GetCallerIdentity: the assumed role of temporary keys, else the root account."""
        _, temp = self.keys.lookup(secret_id)
        if temp is not None and temp.arn:
            return Identity(temp.arn, temp.arn.rsplit("/", 1)[-1], "AssumedRole")
        return Identity(f"qcs::cam::uin/{ACCOUNT_ID}:uin/{ACCOUNT_ID}", ACCOUNT_ID, "RootAccount")
