"""TC3-HMAC-SHA256 against Tencent Cloud's published example, and the emulator's verifier."""

from __future__ import annotations

import dataclasses

import pytest

from airflow_provider_tencent.testing import tc3

SECRET_ID = "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE"
SECRET_KEY = "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE"
TIMESTAMP = 1551113065
PAYLOAD = b'{"Limit": 1, "Filters": [{"Values": ["\\u672a\\u547d\\u540d"], "Name": "instance-name"}]}'
HEADERS = {"content-type": "application/json; charset=utf-8", "host": "cvm.tencentcloudapi.com"}
EXPECTED = "72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168"


def signed(**over):
    args = {
        "timestamp": TIMESTAMP,
        "service": "cvm",
        "method": "POST",
        "uri": "/",
        "query": "",
        "headers": HEADERS,
        "signed_headers": ("content-type", "host"),
        "payload": PAYLOAD,
    }
    args.update(over)
    return tc3.sign(SECRET_KEY, **args)


def test_published_example():
    assert "\\u672a" in PAYLOAD.decode()  # the escapes are literal characters of the body
    assert signed() == EXPECTED


def test_sdk_signer_agrees():
    from tencentcloud.common.sign import Sign

    request = tc3.canonical_request("POST", "/", "", HEADERS, ("content-type", "host"), PAYLOAD)
    to_sign = tc3.string_to_sign(TIMESTAMP, "cvm", request)
    assert Sign.sign_tc3(SECRET_KEY, "2019-02-25", "cvm", to_sign) == EXPECTED


AUTH = tc3.parse_authorization(
    f"TC3-HMAC-SHA256 Credential={SECRET_ID}/2019-02-25/cvm/tc3_request, "
    f"SignedHeaders=content-type;host, Signature={EXPECTED}"
)


def verify(key=SECRET_KEY, auth=AUTH, headers=HEADERS, payload=PAYLOAD):
    return tc3.verify(
        key, auth, timestamp=TIMESTAMP, method="POST", uri="/", query="", headers=headers, payload=payload
    )


def test_verifier_accepts_exactly_the_example():
    assert AUTH is not None and AUTH.secret_id == SECRET_ID and AUTH.service == "cvm"
    assert verify()


@pytest.mark.parametrize(
    "change",
    [
        {"payload": PAYLOAD.replace(b'Limit": 1', b'Limit": 2')},
        {"key": SECRET_KEY[:-1] + "F"},
        {"headers": {**HEADERS, "host": "cvm.tencentcloudapi.con"}},
        {"headers": {**HEADERS, "content-type": "application/json; charset=utf-9"}},
        {"auth": dataclasses.replace(AUTH, service="cvn")},
        {"auth": dataclasses.replace(AUTH, date="2019-02-26")},
    ],
)
def test_verifier_rejects_a_one_character_change(change):
    assert not verify(**change)


def test_malformed_authorization_is_refused():
    assert tc3.parse_authorization("TC3-HMAC-SHA256 Credential=x") is None


# -- the same request, over HTTP, to the emulator (clock frozen at the example's timestamp) -------------
@pytest.fixture(scope="module")
def frozen_emulator():
    from airflow_provider_tencent.testing.emulator import Emulator

    with Emulator(credentials={SECRET_ID: SECRET_KEY}, clock=lambda: float(TIMESTAMP)) as emulator:
        yield emulator


def post_example(emulator, *, payload=PAYLOAD, headers=HEADERS, signature=EXPECTED):
    """The published request, byte for byte (Host included), sent to the emulator."""
    import http.client
    import json

    conn = http.client.HTTPConnection("127.0.0.1", emulator.port, timeout=5)
    try:
        conn.request(
            "POST",
            "/",
            body=payload,
            headers={
                "Host": headers["host"],
                "Content-Type": headers["content-type"],
                "X-TC-Action": "DescribeInstances",
                "X-TC-Version": "2017-03-12",
                "X-TC-Timestamp": str(TIMESTAMP),
                "X-TC-Region": "ap-guangzhou",
                "Authorization": f"TC3-HMAC-SHA256 Credential={SECRET_ID}/2019-02-25/cvm/tc3_request, "
                f"SignedHeaders=content-type;host, Signature={signature}",
            },
        )
        response = conn.getresponse()
        assert response.status == 200 and response.getheader("Content-Type") == "application/json"
        return json.loads(response.read())["Response"]["Error"]["Code"]
    finally:
        conn.close()


@pytest.mark.server
def test_emulator_accepts_exactly_the_published_request(frozen_emulator):
    # the signature is good: the request gets past authentication (the emulator serves no CVM action)
    assert post_example(frozen_emulator) == "InvalidAction"


@pytest.mark.server
def test_emulator_rejects_one_character_changes(frozen_emulator):
    assert post_example(frozen_emulator, payload=PAYLOAD.replace(b'Limit": 1', b'Limit": 2')) == (
        "AuthFailure.SignatureFailure"
    )
    assert post_example(frozen_emulator, headers={**HEADERS, "host": "cvm.tencentcloudapi.con"}) == (
        "AuthFailure.SignatureFailure"
    )
    assert post_example(frozen_emulator, headers={**HEADERS, "content-type": "application/json; charset=utf-9"}) == (
        "AuthFailure.SignatureFailure"
    )
    wrong_key = tc3.sign(
        SECRET_KEY[:-1] + "F",
        timestamp=TIMESTAMP,
        service="cvm",
        method="POST",
        uri="/",
        query="",
        headers=HEADERS,
        signed_headers=("content-type", "host"),
        payload=PAYLOAD,
    )
    assert post_example(frozen_emulator, signature=wrong_key) == "AuthFailure.SignatureFailure"


@pytest.mark.server
def test_emulator_refuses_the_example_five_minutes_later():
    from airflow_provider_tencent.testing.emulator import MAX_SKEW, Emulator

    with Emulator(credentials={SECRET_ID: SECRET_KEY}, clock=lambda: float(TIMESTAMP + MAX_SKEW)) as at_limit:
        assert post_example(at_limit) == "InvalidAction"
    with Emulator(credentials={SECRET_ID: SECRET_KEY}, clock=lambda: float(TIMESTAMP + MAX_SKEW + 1)) as late:
        assert post_example(late) == "AuthFailure.SignatureExpire"
