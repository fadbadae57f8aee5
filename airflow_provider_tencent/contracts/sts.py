"""Tencent Cloud STS, API version 2018-08-13: the two actions the hook uses.

Limits quote the parameter documentation of the official SDK (``tencentcloud-sdk-python-sts``
``models.py``, the text of the public AssumeRole page). Every code of the SDK's
``errorcodes.py`` is decided in :data:`SERVICE_ERRORS`: STS answers before it issues anything,
so no code is "confirm": a failed AssumeRole issued no keys.
"""

from __future__ import annotations

from airflow_provider_tencent.contracts.errors import ErrorKind, ErrorSpec
from airflow_provider_tencent.contracts.model import ApiContract, FieldSpec

SERVICE = "sts"
VERSION = "2018-08-13"
HOST = "sts.tencentcloudapi.com"

_SDK = "SDK tencentcloud-sdk-python-sts models.py AssumeRoleRequest"
_E = ErrorSpec
_K = ErrorKind
_ROLE = "check the connection's role_arn and the role's trust policy (it must trust the calling key)"
_MFA = "the role requires MFA, which the provider does not send: use a role without an MFA condition"

SERVICE_ERRORS: tuple[ErrorSpec, ...] = (
    _E("AuthFailure.AccessKeyIllegal", _K.ACCOUNT, "The AccessKey is not valid.", "check the connection's SecretId"),
    _E("FailedOperation.CheckMFAError", _K.ACCOUNT, "MFA check failed.", _MFA),
    _E("FailedOperation.MFATypeNotSupported", _K.ACCOUNT, "MFA type not supported.", _MFA),
    _E(
        "FailedOperation.TempKeyNotAllowed",
        _K.ACCOUNT,
        "Temporary keys may not call this.",
        "AssumeRole must be called with permanent keys (or a CVM role): not with temporary ones",
    ),
    _E("InternalError.DbError", _K.TRANSIENT, "Database error: nothing issued."),
    _E("InternalError.EncryptError", _K.TRANSIENT, "Encryption error: nothing issued."),
    _E("InternalError.GetAppIdError", _K.TRANSIENT, "Could not get the AppId: nothing issued."),
    _E("InternalError.GetRoleError", _K.TRANSIENT, "Could not read the role: nothing issued."),
    _E("InternalError.GetSeedTokenError", _K.TRANSIENT, "Could not get a token: nothing issued."),
    _E("InternalError.IllegalRole", _K.ACCOUNT, "The role is not valid.", _ROLE),
    _E("InternalError.PbSerializeError", _K.TRANSIENT, "Serialization error: nothing issued."),
    _E("InternalError.SystemError", _K.TRANSIENT, "System error: nothing issued."),
    _E("InternalError.UnknownError", _K.TRANSIENT, "Unknown internal error: nothing issued."),
    _E("InvalidParameter.AccessKeyNotSupport", _K.ACCOUNT, "This key type is not supported.", _ROLE),
    _E("InvalidParameter.AccountNotAvaliable", _K.ACCOUNT, "The account is not available.", _ROLE),
    _E("InvalidParameter.ExtendStrategyOverSize", _K.BAD_INPUT, "The extended policy is too large."),
    _E("InvalidParameter.GrantOtherResource", _K.BAD_INPUT, "The policy grants another account's resources."),
    _E("InvalidParameter.OverLimit", _K.BAD_INPUT, "A parameter is over its limit."),
    _E("InvalidParameter.OverTimeError", _K.BAD_INPUT, "DurationSeconds over the role's maximum session."),
    _E("InvalidParameter.ParamError", _K.BAD_INPUT, "A parameter is wrong."),
    _E("InvalidParameter.PolicyTooLong", _K.BAD_INPUT, "The policy is too long."),
    _E("InvalidParameter.ResouceError", _K.BAD_INPUT, "A resource description is wrong."),
    _E("InvalidParameter.StrategyFormatError", _K.BAD_INPUT, "The policy is malformed."),
    _E("InvalidParameter.StrategyInvalid", _K.BAD_INPUT, "The policy is not valid."),
    _E("InvalidParameter.TempCodeNotAvaliable", _K.ACCOUNT, "The temporary code is not available.", _ROLE),
    _E("InvalidParameter.WebIdentityTokenError", _K.ACCOUNT, "The web identity token is wrong.", _ROLE),
    _E("ResourceNotFound.RoleNotFound", _K.ACCOUNT, "The role does not exist.", _ROLE),
)

ASSUME_ROLE = ApiContract(
    service=SERVICE,
    version=VERSION,
    action="AssumeRole",
    host=HOST,
    qps=600,
    qps_source="our own choice: not checked against the AssumeRole document (600/s assumed)",
    service_errors=SERVICE_ERRORS,
    promises=("Credentials", "ExpiredTime"),
    fields=(
        FieldSpec(
            "RoleArn",
            "role_arn",
            "String",
            True,
            "qcs::cam::uin/<uin>:role/<id>, :roleName/<name>, or a service role "
            ":role/tencentcloudServiceRole/<id>, :role/tencentcloudServiceRoleName/<name>.",
        ),
        FieldSpec(
            "RoleSessionName",
            "role_session_name",
            "String",
            True,
            "Session name: 2 to 128 of [A-Za-z0-9_+=,.@-].",
            max_chars=128,
            limit_source=f"{_SDK}.RoleSessionName: 长度在2到128之间 ... 正则为:[\\w+=,.@_-]*",
        ),
        FieldSpec(
            "DurationSeconds",
            "duration_seconds",
            "Integer",
            False,
            "Lifetime in seconds (default 7200, at most 43200).",
        ),
    ),
)

GET_CALLER_IDENTITY = ApiContract(
    service=SERVICE,
    version=VERSION,
    action="GetCallerIdentity",
    host=HOST,
    qps=20,
    qps_source="our own choice: not checked against the GetCallerIdentity document (20/s assumed)",
    service_errors=SERVICE_ERRORS,
    read_only=True,
    fields=(),
)

CONTRACTS: dict[str, ApiContract] = {c.action: c for c in (ASSUME_ROLE, GET_CALLER_IDENTITY)}
