"""Every error code the official SDK knows for the services we call has an explicit decision.

The oracle is the SDK's ``errorcodes.py`` (test-only dependencies ``tencentcloud-sdk-python-tiia``,
``-vod``, ``-sts``): a code the SDK adds later fails :func:`test_every_sdk_code_is_decided` until
someone decides it in :mod:`airflow_provider_tencent.contracts`. The common codes have no SDK
file; :data:`COMMON_CODES` is the public common error code table (公共错误码) plus the codes the
SDK raises on the client side.

Tables carry no entry the oracle does not know and no duplicate, so deleting any one entry makes
a test here (or the seed test, for the codes only the CreateImage document names) fail.
"""

from __future__ import annotations

import importlib
from importlib import metadata

import pytest
import sdk_oracle

if sdk_oracle.MISSING:
    pytest.skip(sdk_oracle.MISSING, allow_module_level=True)

from airflow_provider_tencent.contracts import ApiContract, ErrorKind, common, image_search, sts, vod
from airflow_provider_tencent.exceptions import TencentCloudAPIError

#: The SDK versions the contracts were last checked against (the floors of pyproject's ``oracle`` extra; the check
#: runs against whatever is installed: see CONTRIBUTING.md, "Checked against the official SDK").
CHECKED_SDK_VERSIONS = {
    "tencentcloud-sdk-python-tiia": "3.1.69",
    "tencentcloud-sdk-python-vod": "3.1.194",
    "tencentcloud-sdk-python-sts": "3.0.1459",
    "tencentcloud-sdk-python-common": "3.1.195",
}

ERRORCODES = {
    image_search.SERVICE: "tencentcloud.tiia.v20190529.errorcodes",
    vod.SERVICE: "tencentcloud.vod.v20180717.errorcodes",
    sts.SERVICE: "tencentcloud.sts.v20180813.errorcodes",
}

#: The actions we call, per service: every code of the service must be decided for each of them.
ACTIONS: dict[str, tuple[ApiContract, ...]] = {
    image_search.SERVICE: tuple(image_search.CONTRACTS.values()),
    vod.SERVICE: tuple(vod.CONTRACTS.values()),
    sts.SERVICE: tuple(sts.CONTRACTS.values()),
}

COMMON_CODES = {
    "AuthFailure.InvalidAuthorization", "AuthFailure.InvalidSecretId", "AuthFailure.MFAFailure",
    "AuthFailure.SecretIdNotFound", "AuthFailure.SignatureExpire", "AuthFailure.SignatureFailure",
    "AuthFailure.TokenFailure", "AuthFailure.UnauthorizedOperation", "DryRunOperation", "FailedOperation",
    "InternalError", "InvalidAction", "InvalidParameter", "InvalidParameterValue", "InvalidRequest",
    "IpInBlacklist", "IpNotInWhitelist", "LimitExceeded", "MissingParameter", "NoSuchProduct", "NoSuchVersion",
    "RequestLimitExceeded", "RequestLimitExceeded.GlobalRegionUinLimitExceeded",
    "RequestLimitExceeded.IPLimitExceeded", "RequestLimitExceeded.UinLimitExceeded", "RequestSizeLimitExceeded",
    "ResourceInUse", "ResourceInsufficient", "ResourceNotFound", "ResourceUnavailable",
    "ResponseSizeLimitExceeded", "ServiceUnavailable", "UnauthorizedOperation", "UnknownParameter",
    "UnsupportedOperation", "UnsupportedProtocol", "UnsupportedRegion",
    # raised by tencentcloud-sdk-python-common itself (grep TencentCloudSDKException in its sources)
    "ClientNetworkError", "ServerNetworkError", "InvalidCredential", "ClientSideError", "ClientError",
    "ClientError.MetadataError", "ClientParamsError",
}  # fmt: skip


def sdk_codes(service: str) -> set[str]:
    module = importlib.import_module(ERRORCODES[service])
    return {value for name, value in vars(module).items() if name.isupper() and isinstance(value, str)}


def test_sdk_versions_are_recorded():
    """The installed SDKs are at least the versions recorded (CONTRIBUTING.md, here): an older one would check less."""
    from packaging.version import Version

    installed = {name: metadata.version(name) for name in CHECKED_SDK_VERSIONS}
    print(f"contracts checked against {CHECKED_SDK_VERSIONS}; installed {installed}")
    for name, version in installed.items():
        assert Version(version) >= Version(CHECKED_SDK_VERSIONS[name]), name


@pytest.mark.parametrize("service", sorted(ERRORCODES))
def test_every_sdk_code_is_decided(service):
    """Each code of the service's errorcodes.py, for each action we call: a table entry (or, on VOD, a
    family decided as a whole)."""
    undecided = []
    for contract in ACTIONS[service]:
        for code in sorted(sdk_codes(service)):
            spec = contract.decided(code)
            if spec is None and service == vod.SERVICE and code.split(".")[0] in vod.FAMILY_DECISIONS:
                continue
            if spec is None:
                undecided.append(f"{contract.action}: {code}")
    assert not undecided, "codes without a decision (decide them in contracts/): " + ", ".join(undecided)


@pytest.mark.parametrize("service", sorted(ERRORCODES))
def test_service_tables_hold_only_sdk_codes_once(service):
    """No stale entry (a code the SDK does not know), no entry listed twice, none already decided elsewhere."""
    known = sdk_codes(service) | (
        {s.code for s in image_search.CREATE_IMAGE_ERRORS} if service == image_search.SERVICE else set()
    )
    for contract in ACTIONS[service]:
        table = [spec.code for spec in contract.service_errors]
        assert len(table) == len(set(table)), contract.action
        assert set(table) <= known, sorted(set(table) - known)
        assert not set(table) & {spec.code for spec in contract.errors}, contract.action
        seed = {s.code for s in image_search.CREATE_IMAGE_ERRORS}  # the document's table repeats RequestLimitExceeded
        assert not (set(table) - seed) & set(common.COMMON_BY_CODE), contract.action


def test_vod_family_decisions_have_no_redundant_entries():
    for spec in vod.SERVICE_ERRORS:
        assert spec.code.split(".")[0] not in vod.FAMILY_DECISIONS, spec.code


def test_common_table_is_the_public_table():
    assert set(common.COMMON_BY_CODE) == COMMON_CODES
    assert len(common.COMMON_ERRORS) == len(COMMON_CODES)


def all_specs():
    seen = {}
    for contracts in ACTIONS.values():
        for contract in contracts:
            for spec in (*contract.errors, *contract.service_errors):
                seen[spec.code] = spec
    for spec in common.COMMON_ERRORS:
        seen[spec.code] = spec
    return sorted(seen.values(), key=lambda s: s.code)


def test_every_account_decision_says_what_a_person_must_do():
    missing = [spec.code for spec in all_specs() if spec.kind is ErrorKind.ACCOUNT and not spec.hint]
    assert not missing


def test_no_table_entry_is_unknown():
    assert not [spec.code for spec in all_specs() if spec.kind is ErrorKind.UNKNOWN]


def test_issue_10_codes_are_decided_as_the_documents_say():
    ci = image_search.CREATE_IMAGE
    for code in (
        "FailedOperation.UnOpenError",
        "FailedOperation.BalanceInsufficient",
        "FailedOperation.ImageGroupChargeStatusClose",
        "FailedOperation.InvokeChargeError",
        "FailedOperation.GroupCountExceeded",
    ):
        assert ci.error(code).kind is ErrorKind.ACCOUNT, code
    for code in (
        "FailedOperation.TooLargeFileError",
        "FailedOperation.ImageResolutionInsufficient",
        "FailedOperation.ImageUnQualified",
        "FailedOperation.NoObjectDetected",
        "FailedOperation.ParameterEmpty",
    ):
        assert ci.error(code).kind is ErrorKind.BAD_INPUT, code
    element = vod.CREATE_AIGC_CUSTOM_ELEMENT
    for code in (
        "FailedOperation.InvalidVodUser",
        "FailedOperation.NoPrivileges",
        "FailedOperation.UserStatusInavlid",
        "FailedOperation.InvalidAccount",
    ):
        assert element.error(code).kind is ErrorKind.ACCOUNT, code


def vod_error(code: str) -> TencentCloudAPIError:
    spec = vod.CREATE_AIGC_CUSTOM_ELEMENT.error(code)
    return TencentCloudAPIError(code=code, message="", action="CreateAigcCustomElement", kind=spec.kind, sent=True)


@pytest.mark.parametrize("code", sorted(sdk_codes(vod.SERVICE)))
def test_every_vod_code_says_whether_a_subject_may_exist(code):
    """Answered before anything is created (parameters, account, permissions, quotas): "not created"."""
    created = vod_error(code).ambiguous
    family = code.split(".")[0]
    if family in ("InvalidParameter", "InvalidParameterValue", "MissingParameter", "UnknownParameter"):
        assert not created
    if family in ("AuthFailure", "UnauthorizedOperation", "ResourceNotFound", "LimitExceeded", "RequestLimitExceeded"):
        assert not created
    if family == "InternalError":
        assert created


@pytest.mark.parametrize(
    ("code", "created"),
    [
        ("InvalidParameterValue.SomethingNew", False),
        ("InvalidParameter.SomethingNew", False),
        ("MissingParameter.SomethingNew", False),
        ("AuthFailure.SomethingNew", False),
        ("UnauthorizedOperation.SomethingNew", False),
        ("ResourceNotFound.SomethingNew", False),
        ("ResourceUnavailable.SomethingNew", False),
        ("FailedOperation.SomethingNew", True),
        ("InternalError.SomethingNew", True),
        ("Brand.New", True),
    ],
)
def test_unknown_vod_codes_are_judged_by_their_family(code, created):
    assert vod_error(code).ambiguous is created


@pytest.mark.parametrize("code", ["FailedOperation.SomethingNew", "InternalError.SomethingNew", "Brand.New"])
def test_unknown_codes_are_not_retried(code):
    spec = image_search.CREATE_IMAGE.error(code)
    assert spec.kind is ErrorKind.UNKNOWN and not spec.retryable


def test_every_limit_quotes_its_source():
    unsourced = []
    for contracts in ACTIONS.values():
        for contract in contracts:
            if contract.qps is not None and not contract.qps_source:
                unsourced.append(f"{contract.action}.qps")
            unsourced += [f"{contract.action}.{f.name}" for f in contract.fields if f.has_limit and not f.limit_source]
            if contract.image_rules is not None and not contract.image_rules.source:
                unsourced.append(f"{contract.action}.image_rules")
    if not image_search.DETECT_IMAGE_RULES.source:
        unsourced.append("image_search.DETECT_IMAGE_RULES")
    assert not unsourced


_API_TYPES = {"String": "str", "Integer": "int", "Boolean": "bool", "Float": "float"}


def sdk_type(api_type: str) -> str:
    """The SDK's ``:type:`` text for a document type name (``Array of X`` -> ``list of X``)."""
    if api_type.startswith("Array of "):
        return "list of " + sdk_type(api_type[len("Array of ") :])
    return _API_TYPES.get(api_type, api_type)


@pytest.mark.parametrize("contract", [c for contracts in ACTIONS.values() for c in contracts], ids=lambda c: c.action)
def test_contract_fields_are_the_sdk_request_fields(contract):
    """Every parameter a contract declares exists in the SDK's ``<Action>Request`` with the same type."""
    import sdk_oracle

    model = getattr(sdk_oracle.models(contract.service), f"{contract.action}Request")
    declared = sdk_oracle.declared(model)
    for spec in contract.fields:
        assert spec.name in declared, f"{contract.action}.{spec.name} is not in the SDK's {model.__name__}"
        sdk_text = declared[spec.name][0].rsplit(".", 1)[-1].strip("`")
        expected = sdk_type(spec.api_type)
        assert sdk_text == expected, f"{contract.action}.{spec.name}: contract {spec.api_type}, SDK {sdk_text}"


def test_every_image_search_code_the_client_names_is_decided_in_a_table():
    from airflow_provider_tencent.contracts import image_search_errors as codes

    named = [codes.PIC_NAME_CONFLICT, codes.IMAGE_NOT_FOUND, codes.GALLERY_EMPTY, codes.GROUP_EXISTS]
    named.append(codes.GROUP_NOT_FOUND)
    decided = {spec.code for spec in (*codes.SERVICE_ERRORS, *codes.CREATE_IMAGE_ERRORS)}
    assert [code for code in named if code not in decided] == []
