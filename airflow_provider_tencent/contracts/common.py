"""Tencent Cloud API 3.0 common error codes and how we treat them.

Codes come from the public "common error codes" table that both seed documents refer to,
plus the codes the SDK itself raises on the client side (``ClientNetworkError`` and friends).
"""

from __future__ import annotations

from airflow_provider_tencent.contracts import ErrorKind, ErrorSpec

_E = ErrorSpec
_K = ErrorKind

COMMON_ERRORS: tuple[ErrorSpec, ...] = (
    _E("AuthFailure.InvalidAuthorization", _K.ACCOUNT, "The Authorization header is malformed."),
    _E("AuthFailure.InvalidSecretId", _K.ACCOUNT, "The SecretId is not a valid key (wrong type)."),
    _E("AuthFailure.MFAFailure", _K.ACCOUNT, "MFA check failed."),
    _E("AuthFailure.SecretIdNotFound", _K.ACCOUNT, "The SecretId does not exist or is disabled."),
    _E("AuthFailure.SignatureExpire", _K.ACCOUNT, "The request timestamp is more than 5 minutes off."),
    _E("AuthFailure.SignatureFailure", _K.ACCOUNT, "The signature does not match: wrong SecretKey?"),
    _E("AuthFailure.TokenFailure", _K.ACCOUNT, "The session token is invalid or expired."),
    _E("AuthFailure.UnauthorizedOperation", _K.ACCOUNT, "The key is not authorized (CAM) for this action."),
    _E("DryRunOperation", _K.BAD_INPUT, "DryRun request: it would have succeeded."),
    _E("FailedOperation", _K.TRANSIENT, "The operation failed."),
    _E("InternalError", _K.TRANSIENT, "Internal error of the service."),
    _E("InvalidAction", _K.BAD_INPUT, "The action does not exist."),
    _E("InvalidParameter", _K.BAD_INPUT, "A parameter is wrong."),
    _E("InvalidParameterValue", _K.BAD_INPUT, "A parameter value is wrong."),
    _E("InvalidRequest", _K.BAD_INPUT, "The request body is malformed (multipart or JSON)."),
    _E("IpInBlacklist", _K.ACCOUNT, "The caller's IP address is blacklisted."),
    _E("IpNotInWhitelist", _K.ACCOUNT, "The caller's IP address is not whitelisted."),
    _E("LimitExceeded", _K.BAD_INPUT, "A quota was exceeded."),
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
    _E("ResourceUnavailable", _K.ACCOUNT, "The resource is unavailable."),
    _E("ResponseSizeLimitExceeded", _K.BAD_INPUT, "The response is too large."),
    _E("ServiceUnavailable", _K.TRANSIENT, "The service is temporarily unavailable."),
    _E("UnauthorizedOperation", _K.ACCOUNT, "Not authorized."),
    _E("UnknownParameter", _K.BAD_INPUT, "An unknown parameter was sent."),
    _E("UnsupportedOperation", _K.BAD_INPUT, "The operation is not supported."),
    _E("UnsupportedProtocol", _K.BAD_INPUT, "HTTP(S) method or protocol not supported."),
    _E("UnsupportedRegion", _K.BAD_INPUT, "The service is not offered in this region."),
    # Raised by the SDK on the client side, never by a server.
    _E("ClientNetworkError", _K.TRANSIENT, "The HTTP request failed (connection, timeout, TLS)."),
    _E("ServerNetworkError", _K.TRANSIENT, "The server answered with an HTTP status other than 200."),
    _E("InvalidCredential", _K.ACCOUNT, "The credential is empty or malformed."),
    _E("ClientSideError", _K.ACCOUNT, "No usable credential was found."),
)

_BY_CODE = {spec.code: spec for spec in COMMON_ERRORS}


def classify_common(code: str) -> ErrorSpec:
    """The spec for ``code`` from the common table, falling back on its family (``A.B`` -> ``A``)."""
    if code in _BY_CODE:
        return _BY_CODE[code]
    family = code.split(".", 1)[0]
    if family in _BY_CODE:
        base = _BY_CODE[family]
        return ErrorSpec(code, base.kind, base.description)
    if family == "AuthFailure":
        return ErrorSpec(code, ErrorKind.ACCOUNT, "Authentication failed.")
    return ErrorSpec(code, ErrorKind.UNKNOWN, "Not a documented error code.")


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
