"""STS 2018-08-13, the API front: AssumeRole's parameter types and both actions' answer shapes. No state lives here."""

from __future__ import annotations

import time
from typing import Any

from airflow_provider_tencent.testing.emulator.core import Responses, check_params
from airflow_provider_tencent.testing.emulator.sts import models

ASSUME_ROLE_PARAMS = {
    "RoleArn": "str",
    "RoleSessionName": "str",
    "DurationSeconds": "int",
    "Policy": "str",
    "ExternalId": "str",
    "Tags": "list",
    "SourceIdentity": "str",
    "SerialNumber": "str",
    "TokenCode": "str",
}


class StsResponses(Responses):
    """STS's actions: temporary keys and the caller's identity."""

    backend: models.StsBackend
    service = models.SERVICE
    version = models.VERSION
    quotas = models.QUOTAS

    def action_AssumeRole(self, params: dict[str, Any], request_id: str, secret_id: str) -> dict[str, Any]:
        check_params("AssumeRole", params, ASSUME_ROLE_PARAMS, "InvalidParameter.ParamError", strict=False)
        tmp_id, temp = self.backend.assume_role(
            params.get("RoleArn"), params.get("RoleSessionName"), params.get("DurationSeconds")
        )
        expires = int(temp.expires)
        return {
            "Credentials": {"TmpSecretId": tmp_id, "TmpSecretKey": temp.secret_key, "Token": temp.token},
            "ExpiredTime": expires,
            "Expiration": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(expires)),
        }

    def action_GetCallerIdentity(self, params: dict[str, Any], request_id: str, secret_id: str) -> dict[str, Any]:
        who = self.backend.caller_identity(secret_id)
        return {
            "Arn": who.arn,
            "AccountId": models.ACCOUNT_ID,
            "UserId": who.user_id,
            "PrincipalId": models.ACCOUNT_ID,
            "Type": who.type,
        }
