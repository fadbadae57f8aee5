"""Tencent Cloud STS, API version 2018-08-13: the two actions the hook uses."""

from __future__ import annotations

from airflow_provider_tencent.contracts import ApiContract, FieldSpec

SERVICE = "sts"
VERSION = "2018-08-13"
HOST = "sts.tencentcloudapi.com"

ASSUME_ROLE = ApiContract(
    service=SERVICE,
    version=VERSION,
    action="AssumeRole",
    host=HOST,
    qps=600,
    promises=("Credentials", "ExpiredTime"),
    fields=(
        FieldSpec("RoleArn", "role_arn", "String", True, "qcs::cam::uin/<uin>:roleName/<name>"),
        FieldSpec("RoleSessionName", "role_session_name", "String", True, "Session name.", max_chars=128),
        FieldSpec("DurationSeconds", "duration_seconds", "Integer", False, "Lifetime, 900 to 43200 s."),
    ),
)

GET_CALLER_IDENTITY = ApiContract(
    service=SERVICE,
    version=VERSION,
    action="GetCallerIdentity",
    host=HOST,
    qps=20,
    read_only=True,
    fields=(),
)

CONTRACTS: dict[str, ApiContract] = {c.action: c for c in (ASSUME_ROLE, GET_CALLER_IDENTITY)}
