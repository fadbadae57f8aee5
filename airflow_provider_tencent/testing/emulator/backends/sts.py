"""STS 2018-08-13: ``AssumeRole`` and ``GetCallerIdentity``.

Rules from the AssumeRole document (as the SDK's ``AssumeRoleRequest`` carries it):

* RoleArn: "普通角色: qcs::cam::uin/12345678:role/4611686018427397919、qcs::cam::uin/12345678:roleName/
  testRoleName; 服务角色: qcs::cam::uin/12345678:role/tencentcloudServiceRole/4611686018427397920、
  qcs::cam::uin/12345678:role/tencentcloudServiceRoleName/testServiceRoleName";
* RoleSessionName: "长度在2到128之间,可包含大小写字符,数字以及特殊字符:=,.@_-。正则为:[\\w+=,.@_-]*";
* DurationSeconds: "默认 7200 秒,最长可设定有效期为 43200 秒".
"""

from __future__ import annotations

import re
import time
from typing import Any

from airflow_provider_tencent.testing.emulator.base import ApiError, Backend, check_params

ACCOUNT_ID = "100000000001"
MAX_DURATION = 43_200
DEFAULT_DURATION = 7_200

ROLE_ARN = re.compile(
    r"^qcs::cam::uin/(?P<uin>\d+):(?:role|roleName)/"
    r"(?:tencentcloudServiceRole/|tencentcloudServiceRoleName/)?(?P<role>[\w+=,.@-]+)$"
)
SESSION_NAME = re.compile(r"^[\w+=,.@-]{2,128}$")

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


class StsBackend(Backend):
    service = "sts"
    version = "2018-08-13"
    quotas = {"AssumeRole": 600, "GetCallerIdentity": 20}

    def action_AssumeRole(self, body: dict[str, Any], request_id: str, secret_id: str) -> dict[str, Any]:
        check_params("AssumeRole", body, ASSUME_ROLE_PARAMS, "InvalidParameter.ParamError", strict=False)
        for name in ("RoleArn", "RoleSessionName"):
            if body.get(name) in (None, ""):
                raise ApiError("MissingParameter", f"{name} is required.")
        match = ROLE_ARN.match(body["RoleArn"])
        if not match:
            raise ApiError(
                "InvalidParameter.ParamError",
                "RoleArn must look like qcs::cam::uin/<uin>:roleName/<name> (or :role/<id>, or a service role).",
            )
        session = body["RoleSessionName"]
        if not SESSION_NAME.match(session):
            raise ApiError("InvalidParameter.ParamError", "RoleSessionName: 2 to 128 of [A-Za-z0-9_+=,.@-].")
        duration = body.get("DurationSeconds")
        duration = DEFAULT_DURATION if duration is None else int(duration)
        if not 0 < duration <= MAX_DURATION:
            raise ApiError("InvalidParameter.OverTimeError", f"DurationSeconds must be 1 to {MAX_DURATION}.")
        lifetime = self.emulator.sts_lifetime_override or duration
        arn = f"qcs::sts:{match['uin']}:assumed-role/{match['role']}/{session}"
        tmp_id, temp = self.emulator.keys.issue(lifetime, arn)
        expires = int(temp.expires)
        return {
            "Credentials": {"TmpSecretId": tmp_id, "TmpSecretKey": temp.secret_key, "Token": temp.token},
            "ExpiredTime": expires,
            "Expiration": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(expires)),
        }

    def action_GetCallerIdentity(self, body: dict[str, Any], request_id: str, secret_id: str) -> dict[str, Any]:
        _, temp = self.emulator.keys.lookup(secret_id)
        if temp is not None and temp.arn:
            return {
                "Arn": temp.arn,
                "AccountId": ACCOUNT_ID,
                "UserId": temp.arn.rsplit("/", 1)[-1],
                "PrincipalId": ACCOUNT_ID,
                "Type": "AssumedRole",
            }
        return {
            "Arn": f"qcs::cam::uin/{ACCOUNT_ID}:uin/{ACCOUNT_ID}",
            "AccountId": ACCOUNT_ID,
            "UserId": ACCOUNT_ID,
            "PrincipalId": ACCOUNT_ID,
            "Type": "RootAccount",
        }
