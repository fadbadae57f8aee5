"""Tencent Cloud API 3.0 common error codes and how we treat them.

Codes come from the public "common error codes" table (公共错误码) that the API reference of
every service refers to, plus the codes the SDK itself raises on the client side
(``ClientNetworkError`` and friends; ``tencentcloud-sdk-python-common`` ships no ``errorcodes.py``).
Every code here is an explicit decision; ``tests/unit/contracts/test_error_decisions.py`` checks that none is missing.

A code that no table lists (a new sub-code, say) is classified by :func:`classify_common` from its
family, conservatively: only families that the API gateway answers *before* the action does any
work get a kind (bad input, account, throttled). Anything else is ``UNKNOWN``: never retried, and
reported by VOD as "a subject may have been created".
"""

from __future__ import annotations

from airflow_provider_tencent.contracts.errors import ErrorKind, ErrorSpec

_E = ErrorSpec
_K = ErrorKind

_KEYS = "check the connection's SecretId (login) and SecretKey (password)"
_CAM = "grant the key's CAM policy this action (or use a key that has it)"
_IP = "the account's IP allow/deny list refuses this worker: change it in the console"

COMMON_ERRORS: tuple[ErrorSpec, ...] = (
    _E("AuthFailure.InvalidAuthorization", _K.ACCOUNT, "The Authorization header is malformed.", _KEYS),
    _E("AuthFailure.InvalidSecretId", _K.ACCOUNT, "The SecretId is not a valid key (wrong type).", _KEYS),
    _E("AuthFailure.MFAFailure", _K.ACCOUNT, "MFA check failed.", "the key requires MFA: use a key without it"),
    _E("AuthFailure.SecretIdNotFound", _K.ACCOUNT, "The SecretId does not exist or is disabled.", _KEYS),
    _E(
        "AuthFailure.SignatureExpire",
        _K.ACCOUNT,
        "The request timestamp is more than 5 minutes off.",
        "the worker's clock is more than 5 minutes off: fix NTP",
    ),
    _E("AuthFailure.SignatureFailure", _K.ACCOUNT, "The signature does not match: wrong SecretKey?", _KEYS),
    _E(
        "AuthFailure.TokenFailure",
        _K.ACCOUNT,
        "The session token is invalid or expired.",
        "the session token is invalid or expired: renew it or use role_arn",
    ),
    _E("AuthFailure.UnauthorizedOperation", _K.ACCOUNT, "The key is not authorized (CAM) for this action.", _CAM),
    _E("DryRunOperation", _K.BAD_INPUT, "DryRun request: it would have succeeded."),
    _E("FailedOperation", _K.TRANSIENT, "The operation failed."),
    _E("InternalError", _K.TRANSIENT, "Internal error of the service."),
    _E("InvalidAction", _K.BAD_INPUT, "The action does not exist."),
    _E("InvalidParameter", _K.BAD_INPUT, "A parameter is wrong."),
    _E("InvalidParameterValue", _K.BAD_INPUT, "A parameter value is wrong."),
    _E("InvalidRequest", _K.BAD_INPUT, "The request body is malformed (multipart or JSON)."),
    _E("IpInBlacklist", _K.ACCOUNT, "The caller's IP address is blacklisted.", _IP),
    _E("IpNotInWhitelist", _K.ACCOUNT, "The caller's IP address is not whitelisted.", _IP),
    _E(
        "LimitExceeded",
        _K.ACCOUNT,
        "A quota was exceeded.",
        "a quota of the account is used up: free some, or ask Tencent Cloud to raise it",
    ),
    _E("MissingParameter", _K.BAD_INPUT, "A required parameter is missing."),
    _E("NoSuchProduct", _K.BAD_INPUT, "The product does not exist."),
    _E("NoSuchVersion", _K.BAD_INPUT, "The API version does not exist."),
    _E("RequestLimitExceeded", _K.THROTTLED, "Too many requests per second."),
    _E("RequestLimitExceeded.GlobalRegionUinLimitExceeded", _K.THROTTLED, "Account-wide rate limit."),
    _E("RequestLimitExceeded.IPLimitExceeded", _K.THROTTLED, "Per-IP rate limit."),
    _E("RequestLimitExceeded.UinLimitExceeded", _K.THROTTLED, "Per-account rate limit."),
    _E("RequestSizeLimitExceeded", _K.BAD_INPUT, "The request body exceeds 10 MB."),
    _E("ResourceInUse", _K.CONFLICT, "The resource is in use."),
    _E("ResourceInsufficient", _K.TRANSIENT, "Insufficient resources."),
    _E("ResourceNotFound", _K.BAD_INPUT, "The resource does not exist."),
    _E(
        "ResourceUnavailable",
        _K.ACCOUNT,
        "The resource is unavailable.",
        "open the service in the Tencent Cloud console and check the account's billing",
    ),
    _E("ResponseSizeLimitExceeded", _K.BAD_INPUT, "The response is too large."),
    _E("ServiceUnavailable", _K.TRANSIENT, "The service is temporarily unavailable."),
    _E("UnauthorizedOperation", _K.ACCOUNT, "Not authorized.", _CAM),
    _E("UnknownParameter", _K.BAD_INPUT, "An unknown parameter was sent."),
    _E("UnsupportedOperation", _K.BAD_INPUT, "The operation is not supported."),
    _E("UnsupportedProtocol", _K.BAD_INPUT, "HTTP(S) method or protocol not supported."),
    _E("UnsupportedRegion", _K.BAD_INPUT, "The service is not offered in this region."),
    # Raised by the SDK on the client side, never by a server.
    _E("ClientNetworkError", _K.TRANSIENT, "The HTTP request failed (connection, timeout, TLS)."),
    _E("ServerNetworkError", _K.TRANSIENT, "The server answered with an HTTP status other than 200."),
    _E("InvalidCredential", _K.ACCOUNT, "The credential is empty or malformed.", _KEYS),
    _E("ClientSideError", _K.ACCOUNT, "No usable credential was found.", _KEYS),
    _E("ClientError", _K.BAD_INPUT, "The SDK refused the request before sending it."),
    _E("ClientError.MetadataError", _K.ACCOUNT, "The CVM metadata service gave no role keys.", _KEYS),
    _E("ClientParamsError", _K.BAD_INPUT, "The SDK refused a parameter before sending it."),
)

COMMON_BY_CODE: dict[str, ErrorSpec] = {spec.code: spec for spec in COMMON_ERRORS}
_BY_CODE = COMMON_BY_CODE

#: Families a server answers before the action does any work: an unlisted code of one of these
#: families can be classified by its family. Every other family (``FailedOperation``,
#: ``InternalError``, ``ResourceInsufficient``...) says nothing about what was done: UNKNOWN.
SAFE_FAMILIES: dict[str, ErrorKind] = {
    "AuthFailure": ErrorKind.ACCOUNT,
    "UnauthorizedOperation": ErrorKind.ACCOUNT,
    "ResourceUnavailable": ErrorKind.ACCOUNT,
    "InvalidParameter": ErrorKind.BAD_INPUT,
    "InvalidParameterValue": ErrorKind.BAD_INPUT,
    "MissingParameter": ErrorKind.BAD_INPUT,
    "UnknownParameter": ErrorKind.BAD_INPUT,
    "ResourceNotFound": ErrorKind.BAD_INPUT,
    "RequestLimitExceeded": ErrorKind.THROTTLED,
}


def classify_common(code: str) -> ErrorSpec:
    """The spec for ``code`` from the common table, else from its family when that family is safe to judge.

    ``A.B`` of a family in :data:`SAFE_FAMILIES` gets that family's kind (and the base code's hint);
    any other unlisted code is ``UNKNOWN``: not retried, and "may have been created" on VOD.
    """
    if code in _BY_CODE:
        return _BY_CODE[code]
    family = code.split(".", 1)[0]
    if family in SAFE_FAMILIES:
        base = _BY_CODE.get(family)
        return ErrorSpec(
            code,
            SAFE_FAMILIES[family],
            f"Not in our tables; decided by its family {family}.",
            base.hint if base else "",
        )
    return ErrorSpec(code, ErrorKind.UNKNOWN, "Not a documented error code: not retried.")


# Regions where the public API answers. Unknown regions fail before any call.
REGIONS: tuple[str, ...] = (
    "ap-bangkok",
    "ap-beijing",
    "ap-chengdu",
    "ap-chongqing",
    "ap-guangzhou",
    "ap-hongkong",
    "ap-jakarta",
    "ap-mumbai",
    "ap-nanjing",
    "ap-seoul",
    "ap-shanghai",
    "ap-shanghai-fsi",
    "ap-shenzhen-fsi",
    "ap-singapore",
    "ap-tokyo",
    "eu-frankfurt",
    "na-ashburn",
    "na-siliconvalley",
    "sa-saopaulo",
)
