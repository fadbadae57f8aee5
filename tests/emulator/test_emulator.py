"""The emulator on its own, over HTTP: signatures, every CreateImage / CreateAigcCustomElement rule,
QPS, each fault kind, STS and CVM keys, the control endpoints and the command line.

Requests are signed here with :mod:`airflow_provider_tencent.testing.tc3` (the SDK's own signer is
checked against the same functions in ``test_tc3_signing.py``), so that malformed requests can be
sent too. Limits come from the contract objects, never from literals: each limit at the limit
passes, one past it gives the named code.
"""

from __future__ import annotations

import base64
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from airflow_provider_tencent.contracts import image_search, vod
from airflow_provider_tencent.testing import TEST_SECRET_ID, TEST_SECRET_KEY, tc3
from airflow_provider_tencent.testing.emulator import MAX_SKEW, Emulator
from airflow_provider_tencent.testing.emulator.image_search import models as image_search_models
from airflow_provider_tencent.testing.images import make_image, pad_to, solid_image

CI = image_search.CREATE_IMAGE
EL = vod.CREATE_AIGC_CUSTOM_ELEMENT
VERSIONS = {"tiia": image_search.VERSION, "vod": vod.VERSION, "sts": "2018-08-13", "cvm": "2017-03-12"}
PNG = make_image(64, 48, "png", seed=1)
PRESIGNED = "q-sign-algorithm=sha1&q-signature=TOPSECRETSIGNATURE"


# -- a tiny signed client -----------------------------------------------------------------------
class Answer:
    def __init__(self, status: int, content_type: str, body: bytes) -> None:
        self.status = status
        self.content_type = content_type
        self.raw = body
        self.json: dict[str, Any] = json.loads(body) if content_type == "application/json" else {}
        self.response: dict[str, Any] = self.json.get("Response", {})

    @property
    def code(self) -> str:
        return self.response.get("Error", {}).get("Code", "ok") if self.status == 200 else f"HTTP {self.status}"

    @property
    def message(self) -> str:
        return self.response.get("Error", {}).get("Message", "")


def send(
    emulator: Emulator,
    action: str,
    params: dict[str, Any] | None = None,
    *,
    service: str = "tiia",
    secret_id: str = TEST_SECRET_ID,
    secret_key: str = TEST_SECRET_KEY,
    token: str | None = None,
    timestamp: int | None = None,
    timeout: float = 10.0,
    tamper: dict[str, str] | None = None,
    signed: tuple[str, ...] = ("content-type", "host"),
    body: bytes | None = None,
) -> Answer:
    """POST one signed request; ``tamper`` changes headers after signing."""
    payload = body if body is not None else json.dumps(params or {}).encode()
    host = f"127.0.0.1:{emulator.port}"
    headers = tc3.signed_headers(
        secret_id,
        secret_key,
        service=service,
        host=host,
        action=action,
        version=VERSIONS[service],
        payload=payload,
        timestamp=int(time.time()) if timestamp is None else timestamp,
        region="ap-guangzhou",
        token=token,
        signed=signed,
    )
    headers.update(tamper or {})
    conn = http.client.HTTPConnection("127.0.0.1", emulator.port, timeout=timeout)
    try:
        conn.request("POST", "/", body=payload, headers=headers)
        resp = conn.getresponse()
        return Answer(resp.status, resp.getheader("Content-Type", ""), resp.read())
    finally:
        conn.close()


def control(emulator: Emulator, path: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        f"{emulator.url}/_emulator/{path}", data=data, method="GET" if data is None else "POST"
    )
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=5) as resp:
            return resp.status, json.loads(resp.read() or b"{}")
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


# -- pictures served over HTTP, with a presigned-looking query string -----------------------------
class PictureServer:
    def __init__(self) -> None:
        files: dict[str, bytes] = {}
        self.files = files

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                return

            def do_GET(self) -> None:
                data = files.get(self.path.split("?", 1)[0])
                self.send_response(200 if data is not None else 404)
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Content-Length", str(len(data or b"")))
                self.end_headers()
                self.wfile.write(data or b"")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self, data: bytes | None, name: str | None = None) -> str:
        """A URL serving ``data`` (``None``: a URL that answers 404)."""
        name = name or uuid.uuid4().hex
        if data is not None:
            self.files[f"/{name}"] = data
        return f"http://127.0.0.1:{self.server.server_address[1]}/{name}?{PRESIGNED}"


@pytest.fixture(scope="module")
def pictures():
    server = PictureServer()
    yield server
    server.server.shutdown()
    server.server.server_close()


@pytest.fixture
def emu(tencentcloud_emulator):
    """The session's emulator with a gallery ``g``; quotas raised, except where a test sets its own."""
    tencentcloud_emulator.qps_scale = 100
    tencentcloud_emulator.capture_requests = False  # these tests send malformed requests on purpose
    tencentcloud_emulator.create_group("g")
    return tencentcloud_emulator


def refused_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/a.png"


# -- signatures -----------------------------------------------------------------------------------
def test_good_request_envelope(emu):
    answer = send(emu, "DescribeGroups", {})
    assert answer.status == 200 and answer.content_type == "application/json"  # exactly: the SDK needs it
    assert answer.code == "ok" and [g["GroupId"] for g in answer.response["Groups"]] == ["g"]
    uuid.UUID(answer.response["RequestId"])
    [logged] = emu.requests
    assert logged["request_id"] == answer.response["RequestId"] and logged["outcome"] == "ok"


def test_error_envelope_carries_request_id(emu):
    answer = send(emu, "DescribeImages", {"GroupId": "nope", "EntityId": "e"})
    assert answer.status == 200 and answer.content_type == "application/json"
    assert answer.code == "InvalidParameterValue.ImageGroupIdNotExist"
    uuid.UUID(answer.response["RequestId"])


@pytest.mark.parametrize(
    ("how", "code"),
    [
        ({"secret_id": "AKIDnobody"}, "AuthFailure.SecretIdNotFound"),
        ({"secret_key": TEST_SECRET_KEY[:-1] + "X"}, "AuthFailure.SignatureFailure"),
        ({"timestamp_offset": -(MAX_SKEW + 1)}, "AuthFailure.SignatureExpire"),
        ({"timestamp_offset": MAX_SKEW + 1}, "AuthFailure.SignatureExpire"),
        ({"timestamp_offset": -(MAX_SKEW - 2)}, "ok"),
        ({"tamper": {"Authorization": "TC3-HMAC-SHA256 Credential=x"}}, "AuthFailure.InvalidAuthorization"),
        ({"tamper": {"Authorization": "HMAC-SHA1 whatever"}}, "AuthFailure.InvalidAuthorization"),
        ({"tamper": {"Authorization": ""}}, "AuthFailure.InvalidAuthorization"),
        ({"tamper": {"X-TC-Timestamp": "soon"}}, "AuthFailure.InvalidAuthorization"),
        ({"signed": ("content-type",)}, "AuthFailure.InvalidAuthorization"),  # host must be signed
        ({"signed": ("content-type", "host", "x-tc-action", "x-tc-region")}, "ok"),
        (
            {"signed": ("content-type", "host", "x-tc-region"), "tamper": {"X-TC-Region": "ap-beijing"}},
            "AuthFailure.SignatureFailure",
        ),
        ({"tamper": {"Content-Type": "application/json; charset=utf-8"}}, "AuthFailure.SignatureFailure"),
        ({"token": "a-token-with-a-permanent-key"}, "AuthFailure.TokenFailure"),
    ],
)
def test_signature_checks(emu, how, code):
    how = dict(how)
    offset = how.pop("timestamp_offset", 0)
    answer = send(emu, "DescribeGroups", {}, timestamp=int(time.time()) + offset, **how)
    assert answer.code == code, answer.message
    assert emu.counters()["DescribeGroups"] == {code: 1}


def test_payload_changed_after_signing(emu):
    payload = json.dumps({"GroupId": "g"}).encode()
    headers = tc3.signed_headers(
        TEST_SECRET_ID,
        TEST_SECRET_KEY,
        service="tiia",
        host=f"127.0.0.1:{emu.port}",
        action="DescribeGroups",
        version=image_search.VERSION,
        payload=payload,
        timestamp=int(time.time()),
    )
    conn = http.client.HTTPConnection("127.0.0.1", emu.port, timeout=5)
    conn.request("POST", "/", body=payload.replace(b'"g"', b'"h"'), headers=headers)
    assert json.loads(conn.getresponse().read())["Response"]["Error"]["Code"] == "AuthFailure.SignatureFailure"
    conn.close()


def test_temporary_keys_need_their_token_and_expire(emu):
    emu.add_credential("AKIDTMP1", "tmp-key", token="tok-1", lifetime=60)
    kw = {"secret_id": "AKIDTMP1", "secret_key": "tmp-key"}
    assert send(emu, "DescribeGroups", token="tok-1", **kw).code == "ok"
    assert send(emu, "DescribeGroups", **kw).code == "AuthFailure.TokenFailure"
    assert send(emu, "DescribeGroups", token="tok-2", **kw).code == "AuthFailure.TokenFailure"
    emu.clock = lambda: time.time() + 61  # the keys have expired (the request's timestamp follows)
    answer = send(emu, "DescribeGroups", token="tok-1", timestamp=int(emu.clock()), **kw)
    assert answer.code == "AuthFailure.TokenFailure" and "expired" in answer.message


def test_signed_get_request(emu):
    query = "GroupId=g"
    timestamp = int(time.time())
    host = f"127.0.0.1:{emu.port}"
    headers = {"content-type": "application/x-www-form-urlencoded", "host": host}
    sig = tc3.sign(
        TEST_SECRET_KEY,
        timestamp=timestamp,
        service="tiia",
        method="GET",
        uri="/",
        query=query,
        headers=headers,
        signed_headers=("content-type", "host"),
        payload=b"",
    )
    conn = http.client.HTTPConnection("127.0.0.1", emu.port, timeout=5)
    conn.request(
        "GET",
        f"/?{query}",
        headers={
            "Content-Type": headers["content-type"],
            "Host": host,
            "X-TC-Action": "DescribeGroups",
            "X-TC-Version": image_search.VERSION,
            "X-TC-Timestamp": str(timestamp),
            "Authorization": tc3.authorization_header(TEST_SECRET_ID, timestamp, "tiia", ("content-type", "host"), sig),
        },
    )
    response = json.loads(conn.getresponse().read())["Response"]
    conn.close()
    assert [g["GroupId"] for g in response["Groups"]] == ["g"]


@pytest.mark.parametrize(
    ("kw", "code"),
    [
        ({"action": "NoSuchAction"}, "InvalidAction"),
        ({"body": b"{not json"}, "InvalidRequest"),
        ({"body": b"[1, 2]"}, "InvalidRequest"),
        ({"tamper": {"X-TC-Version": "2000-01-01"}, "signed": ("content-type", "host")}, "NoSuchVersion"),
        ({"tamper": {"X-TC-Region": "mars-north-1"}}, "UnsupportedRegion"),
    ],
)
def test_protocol_errors(emu, kw, code):
    action = kw.pop("action", "DescribeGroups")
    assert send(emu, action, {}, **kw).code == code


# -- CreateImage -------------------------------------------------------------------------------------
def chars(name: str, extra: int = 0) -> str:
    limit = CI.field(name).max_chars
    assert limit is not None
    return "x" * (limit + extra)


TAG_VALUE_MAX = image_search_models.TAG_VALUE_MAX
GROUP_MAX = image_search_models.GROUP_ID_MAX
B64_MAX = image_search.IMAGE_RULES.max_base64_bytes or 0
MAX_W, MAX_H = image_search.IMAGE_RULES.max_width or 0, image_search.IMAGE_RULES.max_height or 0


def tags(n: int, value: Any = "v") -> str:
    return json.dumps({f"k{i}": value for i in range(n)})


CREATE_IMAGE_CASES: list[tuple[str, dict[str, Any], str]] = [
    ("baseline", {}, "ok"),
    ("no-GroupId", {"GroupId": None}, "MissingParameter.ErrorParameterEmpty"),
    ("empty-EntityId", {"EntityId": ""}, "InvalidParameterValue.EntityIdEmpty"),
    ("no-EntityId", {"EntityId": None}, "InvalidParameterValue.EntityIdEmpty"),
    ("empty-PicName", {"PicName": ""}, "InvalidParameterValue.PicNameEmpty"),
    ("EntityId-at-limit", {"EntityId": chars("EntityId")}, "ok"),
    ("EntityId-over", {"EntityId": chars("EntityId", 1)}, "InvalidParameterValue.EntityIdTooLong"),
    ("PicName-at-limit", {"PicName": chars("PicName")}, "ok"),
    ("PicName-over", {"PicName": chars("PicName", 1)}, "InvalidParameterValue.PicNameTooLong"),
    ("CustomContent-at-limit", {"CustomContent": chars("CustomContent")}, "ok"),
    ("CustomContent-over", {"CustomContent": chars("CustomContent", 1)}, "InvalidParameterValue.CustomContentTooLong"),
    ("GroupId-at-limit", {"GroupId": "G" * GROUP_MAX}, "ok"),
    ("GroupId-over", {"GroupId": "G" * (GROUP_MAX + 1)}, "InvalidParameterValue.ImageGroupIdTooLong"),
    ("GroupId-unknown", {"GroupId": "nope"}, "InvalidParameterValue.ImageGroupIdNotExist"),
    ("PicName-slash", {"PicName": "a/b"}, "InvalidParameterValue.PicNameInvalid"),
    ("PicName-backslash", {"PicName": "a\\b"}, "InvalidParameterValue.PicNameInvalid"),
    ("PicName-newline", {"PicName": "a\nb"}, "InvalidParameterValue.PicNameInvalid"),
    ("PicName-unicode", {"PicName": "图片 1.png"}, "ok"),
    ("Tags-empty-object", {"Tags": "{}"}, "ok"),
    ("Tags-bad-json", {"Tags": "{k: v"}, "InvalidParameter.InvalidParameter"),
    ("Tags-not-object", {"Tags": "[1]"}, "InvalidParameter.InvalidParameter"),
    ("Tags-not-string", {"Tags": {"k": "v"}}, "InvalidParameter.InvalidParameter"),
    ("Tags-keys-at-limit", {"Tags": tags(image_search.MAX_TAG_KEYS)}, "ok"),
    ("Tags-keys-over", {"Tags": tags(image_search.MAX_TAG_KEYS + 1)}, "InvalidParameterValue.TagsKeysExceed"),
    ("Tags-value-number", {"Tags": tags(1, 1)}, "ok"),  # the service stores numeric tag values
    ("Tags-value-float", {"Tags": tags(1, 1.5)}, "ok"),
    ("Tags-value-list", {"Tags": tags(1, [1])}, "InvalidParameterValue.TagsValueIllegal"),
    ("Tags-value-null", {"Tags": tags(1, None)}, "InvalidParameterValue.TagsValueIllegal"),
    ("Tags-value-at-limit", {"Tags": tags(1, "v" * TAG_VALUE_MAX)}, "ok"),
    ("Tags-value-over", {"Tags": tags(1, "v" * (TAG_VALUE_MAX + 1))}, "InvalidParameterValue.TagsValueSizeExceed"),
    ("CategoryId-0", {"CategoryId": 0}, "ok"),
    ("CategoryId-5", {"CategoryId": max(image_search.CATEGORIES)}, "ok"),
    ("CategoryId-6", {"CategoryId": max(image_search.CATEGORIES) + 1}, "InvalidParameter.InvalidParameter"),
    ("CategoryId--1", {"CategoryId": -1}, "InvalidParameter.InvalidParameter"),
    ("CategoryId-text", {"CategoryId": "1"}, "InvalidParameter.InvalidParameter"),
    ("EnableDetect", {"EnableDetect": False}, "ok"),
    ("EnableDetect-text", {"EnableDetect": "no"}, "InvalidParameter.InvalidParameter"),
    ("EntityId-number", {"EntityId": 7}, "InvalidParameter.InvalidParameter"),
    ("ImageRect", {"ImageRect": {"X": 1, "Y": 2, "Width": 10, "Height": 20}}, "ok"),
    ("ImageRect-bad", {"ImageRect": {"X": 1}}, "InvalidParameter.InvalidParameter"),
    ("unknown-parameter", {"Colour": "red"}, "UnknownParameter"),
    ("no-image", {"ImageBase64": None}, "MissingParameter.ErrorParameterEmpty"),
    ("empty-base64", {"ImageBase64": ""}, "FailedOperation.EmptyImageError"),
    ("bad-base64", {"ImageBase64": "!!!not base64!!!"}, "FailedOperation.ImageDecodeFailed"),
    ("not-a-picture", {"ImageBase64": b64(b"hello, world")}, "FailedOperation.ImageDecodeFailed"),
    (
        "truncated-png",
        {"ImageBase64": b64(make_image(200, 200, "png", seed=3)[:80])},
        "FailedOperation.ImageDecodeFailed",
    ),
    ("data-uri", {"ImageBase64": "data:image/png;base64," + b64(PNG)}, "FailedOperation.ImageDecodeFailed"),
    ("jpeg", {"ImageBase64": b64(make_image(64, 64, "jpeg", seed=2))}, "ok"),
    ("bmp", {"ImageBase64": b64(make_image(64, 64, "bmp", seed=2))}, "ok"),
    ("gif", {"ImageBase64": b64(make_image(64, 64, "gif", seed=2))}, "InvalidParameter.ImageFormatNotSupport"),
    ("tiff", {"ImageBase64": b64(make_image(64, 64, "tiff", seed=2))}, "InvalidParameter.ImageFormatNotSupport"),
    ("solid", {"ImageBase64": b64(solid_image(64, 64))}, "InvalidParameter.PictureSolidColorError"),
    ("solid-jpeg", {"ImageBase64": b64(solid_image(64, 64, "jpeg"))}, "InvalidParameter.PictureSolidColorError"),
    ("width-at-limit", {"ImageBase64": b64(make_image(MAX_W, 8))}, "ok"),
    ("width-over", {"ImageBase64": b64(make_image(MAX_W + 1, 8))}, "FailedOperation.ImageResolutionExceed"),
    ("height-at-limit", {"ImageBase64": b64(make_image(8, MAX_H))}, "ok"),
    ("height-over", {"ImageBase64": b64(make_image(8, MAX_H + 1))}, "FailedOperation.ImageResolutionExceed"),
]


@pytest.mark.parametrize(
    ("changes", "code"), [c[1:] for c in CREATE_IMAGE_CASES], ids=[c[0] for c in CREATE_IMAGE_CASES]
)
def test_create_image_rules(emu, changes, code):
    emu.create_group("G" * GROUP_MAX)
    params = {"GroupId": "g", "EntityId": "e", "PicName": "p", "ImageBase64": b64(PNG), **changes}
    params = {k: v for k, v in params.items() if v is not None}
    answer = send(emu, "CreateImage", params)
    assert answer.code == code, answer.message
    assert (code in CI.error_codes) or code in ("ok", "UnknownParameter")  # every code is the seed's
    stored = emu.images()
    assert len(stored) == (1 if code == "ok" else 0)
    if code == "ok":  # a general image search gallery (GroupType 4): no subject detection, Object null
        assert answer.response["Object"] is None  # api.json: output_required, value_allowed_null


@pytest.mark.parametrize("group_type", [5, 7, 8])
def test_product_gallery_answers_the_detected_subject(emu, group_type):
    emu.create_group("shop", group_type=group_type)
    rect = {"X": 1, "Y": 2, "Width": 10, "Height": 20}
    params = {"GroupId": "shop", "EntityId": "e", "PicName": "p", "ImageBase64": b64(PNG), "CategoryId": 3}
    answer = send(emu, "CreateImage", {**params, "ImageRect": rect})
    assert answer.code == "ok", answer.message
    assert answer.response["Object"]["Box"]["Rect"] == rect and answer.response["Object"]["CategoryId"] == 3
    off = send(emu, "CreateImage", {**params, "PicName": "q", "EnableDetect": False})
    assert off.code == "ok" and off.response["Object"] is None


def test_base64_size_limit(emu):
    raw_at_limit = B64_MAX // 4 * 3  # base64 of this many bytes is exactly the limit
    at_limit = b64(pad_to(PNG, raw_at_limit))
    assert len(at_limit) == B64_MAX
    assert (
        send(emu, "CreateImage", {"GroupId": "g", "EntityId": "e", "PicName": "at", "ImageBase64": at_limit}).code
        == "ok"
    )
    over = b64(pad_to(PNG, raw_at_limit + 1))
    answer = send(emu, "CreateImage", {"GroupId": "g", "EntityId": "e", "PicName": "over", "ImageBase64": over})
    assert answer.code == "FailedOperation.ImageSizeExceed"


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("good", "ok"),
        ("not a url", "FailedOperation.ImageUrlInvalid"),
        ("ftp://127.0.0.1/a.png", "FailedOperation.ImageUrlInvalid"),
        ("http:///a.png", "FailedOperation.ImageUrlInvalid"),
        ("missing", "FailedOperation.ImageDownloadError"),
        ("refused", "FailedOperation.ImageDownloadError"),
        ("empty", "FailedOperation.EmptyImageError"),
        ("at-limit", "ok"),
        ("over-limit", "FailedOperation.ImageSizeExceed"),
        ("gif", "InvalidParameter.ImageFormatNotSupport"),
    ],
)
def test_create_image_from_url(emu, pictures, url, code):
    raw_at_limit = B64_MAX // 4 * 3
    urls = {
        "good": pictures.url(PNG),
        "missing": pictures.url(None),
        "refused": refused_url(),
        "empty": pictures.url(b""),
        "at-limit": pictures.url(pad_to(PNG, raw_at_limit)),
        "over-limit": pictures.url(pad_to(PNG, raw_at_limit + 1)),
        "gif": pictures.url(make_image(64, 64, "gif")),
    }
    params = {"GroupId": "g", "EntityId": "e", "PicName": "p", "ImageUrl": urls.get(url, url)}
    answer = send(emu, "CreateImage", params)
    assert answer.code == code, answer.message
    assert "TOPSECRETSIGNATURE" not in answer.message  # the query string is never echoed


def test_image_url_is_preferred_over_base64(emu, pictures):
    good, bad = pictures.url(PNG), b64(b"garbage")
    assert (
        send(
            emu, "CreateImage", {"GroupId": "g", "EntityId": "e", "PicName": "a", "ImageUrl": good, "ImageBase64": bad}
        ).code
        == "ok"
    )
    answer = send(
        emu,
        "CreateImage",
        {"GroupId": "g", "EntityId": "e", "PicName": "b", "ImageUrl": pictures.url(None), "ImageBase64": b64(PNG)},
    )
    assert answer.code == "FailedOperation.ImageDownloadError"
    [stored] = emu.images()
    assert stored["PicName"] == "a"
    assert stored["sha256"] == __import__("hashlib").sha256(PNG).hexdigest()


def create(emu, pic, entity="e", group="g", **more):
    params = {
        "GroupId": group,
        "EntityId": entity,
        "PicName": pic,
        "ImageBase64": b64(make_image(32, 32, seed=len(pic))),
        **more,
    }
    return send(emu, "CreateImage", params)


def test_pic_name_is_unique_in_the_gallery(emu):
    assert create(emu, "p", CustomContent="first", Tags='{"a": "b"}').code == "ok"
    assert create(emu, "p", entity="other").code == "InvalidParameterValue.PicNameAlreadyExist"
    emu.create_group("g2")
    assert create(emu, "p", group="g2").code == "ok"  # unique per gallery only
    [stored] = emu.images("g")
    assert (stored["EntityId"], stored["CustomContent"], stored["Tags"]) == ("e", "first", '{"a": "b"}')
    assert emu.counters()["CreateImage"] == {"ok": 2, "InvalidParameterValue.PicNameAlreadyExist": 1}


def test_pictures_per_entity(emu):
    for i in range(image_search.MAX_PICTURES_PER_ENTITY):
        assert create(emu, f"p{i}").code == "ok"
    assert create(emu, "one-more").code == "FailedOperation.ImageEntityCountExceed"
    assert create(emu, "other-entity", entity="e2").code == "ok"


def test_gallery_capacity(emu):
    emu.create_group("tiny", capacity=2)
    assert [create(emu, f"p{i}", entity=f"e{i}", group="tiny").code for i in range(3)] == [
        "ok",
        "ok",
        "FailedOperation.ImageNumExceed",
    ]


def test_describe_and_delete_images(emu):
    for pic, entity in (("a1", "a"), ("a2", "a"), ("b1", "b")):
        assert create(emu, pic, entity=entity, CustomContent=pic, Tags='{"k": "v"}').code == "ok"
    infos = send(emu, "DescribeImages", {"GroupId": "g", "EntityId": "a"}).response["ImageInfos"]
    assert sorted(i["PicName"] for i in infos) == ["a1", "a2"]
    assert set(infos[0]) == {"EntityId", "CustomContent", "Tags", "PicName", "Score"}
    [one] = send(emu, "DescribeImages", {"GroupId": "g", "EntityId": "a", "PicName": "a2"}).response["ImageInfos"]
    assert (one["CustomContent"], json.loads(one["Tags"])) == ("a2", {"k": "v"})
    assert send(emu, "DeleteImages", {"GroupId": "g", "EntityId": "a", "PicName": "a1"}).code == "ok"
    assert sorted(p["PicName"] for p in emu.images()) == ["a2", "b1"]
    # without PicName, EVERY picture of the EntityId goes
    assert create(emu, "a3", entity="a").code == "ok"
    assert send(emu, "DeleteImages", {"GroupId": "g", "EntityId": "a"}).code == "ok"
    assert [p["PicName"] for p in emu.images()] == ["b1"]
    assert send(emu, "DescribeImages", {"GroupId": "g", "EntityId": "a"}).code == "FailedOperation.ImageNotFoundInfo"
    assert (
        send(emu, "DeleteImages", {"GroupId": "nope", "EntityId": "a"}).code
        == "InvalidParameterValue.ImageGroupIdNotExist"
    )


def test_create_and_describe_groups(emu):
    params = {"GroupId": "new", "GroupName": "New", "MaxCapacity": 1}
    assert send(emu, "CreateGroup", params).code == "ok"
    assert send(emu, "CreateGroup", params).code == "InvalidParameterValue.ImageGroupIdAlreadyExist"
    assert send(emu, "CreateGroup", {"GroupId": "x"}).code == "InvalidParameterValue.ImageGroupNameEmpty"
    assert send(emu, "CreateGroup", {"GroupId": "x", "GroupName": "X"}).code == "MissingParameter.ErrorParameterEmpty"
    [group] = send(emu, "DescribeGroups", {"GroupId": "new"}).response["Groups"]
    # the SDK's GroupInfo: MaxCapacity counts pictures; Brief, MaxQps, UpdateTime present
    assert (group["GroupName"], group["MaxCapacity"], group["PicCount"], group["MaxQps"]) == ("New", 1, 0, 10)
    assert {"Brief", "UpdateTime", "CreateTime", "GroupType"} <= set(group)
    page = send(emu, "DescribeGroups", {"Limit": 1}).response
    assert len(page["Groups"]) == 1 and "Count" not in page  # DescribeGroupsResponse has no Count


def test_create_group_rules(emu):
    base = {"GroupName": "N", "MaxCapacity": 2}
    assert send(emu, "CreateGroup", {**base, "GroupId": "a-b"}).code == "InvalidParameterValue.ImageGroupIdIllegal"
    assert send(emu, "CreateGroup", {**base, "GroupId": "one"}).code == "ok"
    # MaxCapacity counts pictures: the third picture of a 2-picture gallery is refused
    for n in range(2):
        assert (
            send(
                emu, "CreateImage", {"GroupId": "one", "EntityId": "e", "PicName": f"p{n}", "ImageBase64": b64(PNG)}
            ).code
            == "ok"
        )
    third = send(emu, "CreateImage", {"GroupId": "one", "EntityId": "e", "PicName": "p3", "ImageBase64": b64(PNG)})
    assert third.code == "FailedOperation.ImageNumExceed"
    while len(emu.groups()) < 30:
        emu.create_group(f"g{len(emu.groups())}")
    assert send(emu, "CreateGroup", {**base, "GroupId": "late"}).code == "FailedOperation.GroupCountExceeded"


def test_ten_pictures_per_entity(emu):
    for n in range(10):
        assert create(emu, f"p{n}", entity="e").code == "ok"
    assert create(emu, "p10", entity="e").code == "FailedOperation.ImageEntityCountExceed"
    assert create(emu, "p10", entity="other").code == "ok"


# -- CreateAigcCustomElement ----------------------------------------------------------------------------
def el_chars(name: str, extra: int = 0) -> str:
    limit = EL.field(name).max_chars
    assert limit is not None
    return "n" * (limit + extra)


VOD_MIN = vod.IMAGE_RULES.min_side or 0
VOD_MAX_BYTES = vod.IMAGE_RULES.max_bytes or 0
WIDE = int(VOD_MIN * (vod.IMAGE_RULES.max_aspect or 0))

ELEMENT_CASES: list[tuple[str, dict[str, Any], str, str]] = [
    ("baseline", {}, "ok", ""),
    ("ElementName-at-limit", {"ElementName": el_chars("ElementName")}, "ok", ""),
    ("ElementName-over", {"ElementName": el_chars("ElementName", 1)}, "InvalidParameterValue", "ElementName"),
    ("ElementDescription-at-limit", {"ElementDescription": el_chars("ElementDescription")}, "ok", ""),
    (
        "ElementDescription-over",
        {"ElementDescription": el_chars("ElementDescription", 1)},
        "InvalidParameterValue",
        "ElementDescription",
    ),
    ("no-ElementName", {"ElementName": None}, "MissingParameter", "ElementName"),
    ("no-ElementDescription", {"ElementDescription": None}, "MissingParameter", "ElementDescription"),
    ("no-ElementFrontalImage", {"ElementFrontalImage": None}, "MissingParameter", "ElementFrontalImage"),
    ("no-ElementReferList", {"ElementReferList": None}, "MissingParameter", "ElementReferList"),
    ("refer-0", {"refer": 0}, "InvalidParameterValue", "ElementReferList"),
    ("refer-at-max", {"refer": vod.MAX_REFERENCES}, "ok", ""),
    ("refer-over", {"refer": vod.MAX_REFERENCES + 1}, "InvalidParameterValue", "ElementReferList"),
    ("refer-item-without-url", {"ElementReferList": [{}]}, "MissingParameter", "ElementReferList.0.ImageUrl"),
    ("refer-not-list", {"ElementReferList": "http://x/a.png"}, "InvalidParameterValue", "ElementReferList"),
    ("ElementName-number", {"ElementName": 5}, "InvalidParameterValue", "ElementName"),
    ("unknown-parameter", {"SubjectColour": "red"}, "UnknownParameter", "SubjectColour"),
    ("jpeg", {"front": make_image(VOD_MIN, VOD_MIN, "jpeg", seed=5)}, "ok", ""),
    ("bmp", {"front": make_image(VOD_MIN, VOD_MIN, "bmp")}, "InvalidParameterValue", "format"),
    ("gif", {"front": make_image(VOD_MIN, VOD_MIN, "gif")}, "InvalidParameterValue", "format"),
    ("not-a-picture", {"front": b"hello"}, "InvalidParameterValue", "format"),
    ("truncated-png", {"front": make_image(VOD_MIN, VOD_MIN)[:100]}, "InvalidParameterValue", "decoded"),
    ("empty", {"front": b""}, "InvalidParameterValue", "empty"),
    ("width-too-small", {"front": make_image(VOD_MIN - 1, VOD_MIN)}, "InvalidParameterValue", str(VOD_MIN)),
    ("height-too-small", {"front": make_image(VOD_MIN, VOD_MIN - 1)}, "InvalidParameterValue", str(VOD_MIN)),
    ("wide-at-limit", {"front": make_image(WIDE, VOD_MIN)}, "ok", ""),
    ("wide-over", {"front": make_image(WIDE + 1, VOD_MIN)}, "InvalidParameterValue", "aspect ratio"),
    ("tall-at-limit", {"front": make_image(VOD_MIN, WIDE)}, "ok", ""),
    ("tall-over", {"front": make_image(VOD_MIN, WIDE + 1)}, "InvalidParameterValue", "aspect ratio"),
    ("size-at-limit", {"front": pad_to(make_image(VOD_MIN, VOD_MIN), VOD_MAX_BYTES)}, "ok", ""),
    ("size-over", {"front": pad_to(make_image(VOD_MIN, VOD_MIN), VOD_MAX_BYTES + 1)}, "InvalidParameterValue", "size"),
    (
        "refer-bad-picture",
        {"refer_data": make_image(VOD_MIN - 1, VOD_MIN)},
        "InvalidParameterValue",
        "ElementReferList.0",
    ),
    ("front-404", {"front": None}, "InvalidParameterValue", "ElementFrontalImage"),
    ("front-malformed-url", {"ElementFrontalImage": "nowhere"}, "InvalidParameterValue", "ElementFrontalImage"),
]


@pytest.mark.parametrize(
    ("changes", "code", "named"), [c[1:] for c in ELEMENT_CASES], ids=[c[0] for c in ELEMENT_CASES]
)
def test_create_element_rules(emu, pictures, changes, code, named):
    changes = dict(changes)
    square = make_image(VOD_MIN, VOD_MIN, seed=9)
    front = pictures.url(changes.pop("front", square))
    refer_url = pictures.url(changes.pop("refer_data", square))
    params: dict[str, Any] = {
        "ElementName": "cat",
        "ElementDescription": "a grey cat",
        "ElementFrontalImage": front,
        "ElementReferList": [{"ImageUrl": refer_url}] * changes.pop("refer", 1),
        **changes,
    }
    params = {k: v for k, v in params.items() if v is not None}
    answer = send(emu, "CreateAigcCustomElement", params, service="vod")
    assert answer.code == code, answer.message
    assert named in answer.message
    assert "TOPSECRETSIGNATURE" not in answer.message
    assert len(emu.elements()) == (1 if code == "ok" else 0)
    if code == "ok":
        assert answer.response["ElementId"].isdigit()


def test_elements_are_recorded_without_presigned_query(emu, pictures):
    front = pictures.url(make_image(VOD_MIN, VOD_MIN, seed=1), "front.png")
    refer = [{"ImageUrl": pictures.url(make_image(VOD_MIN, VOD_MIN, seed=i), f"r{i}.png")} for i in range(2)]
    ids = set()
    for n in range(3):
        params = {
            "ElementName": f"n{n}",
            "ElementDescription": "d",
            "ElementFrontalImage": front,
            "ElementReferList": refer,
        }
        answer = send(emu, "CreateAigcCustomElement", params, service="vod")
        ids.add(answer.response["ElementId"])
    elements = emu.elements()
    assert len(ids) == 3 and {e["ElementId"] for e in elements} == ids
    first = elements[0]
    assert first["ElementName"] == "n0" and first["ElementDescription"] == "d" and first["RequestId"]
    assert first["ElementFrontalImage"].endswith("/front.png") and "?" not in first["ElementFrontalImage"]
    assert [u.rsplit("/", 1)[1] for u in first["ElementReferList"]] == ["r0.png", "r1.png"]
    assert "TOPSECRETSIGNATURE" not in json.dumps(control(emu, "state")[1])


# -- QPS ----------------------------------------------------------------------------------------------------
def test_quotas_come_from_the_contracts(emu):
    emu.qps_scale = 1.0
    assert emu.quota("tiia", "CreateImage") == CI.qps == 10
    assert emu.quota("tiia", "DescribeImages") == image_search.DESCRIBE_IMAGES.qps == 20
    assert emu.quota("vod", "CreateAigcCustomElement") == EL.qps == 20
    emu.qps_scale = 0.25
    assert emu.quota("tiia", "CreateImage") == 2 and emu.quota("tiia", "DescribeImages") == 5


def test_qps_sliding_window(emu):
    assert create(emu, "p", entity="e").code == "ok"
    emu.qps_scale = 0.2  # DescribeImages: 4 per second
    quota = emu.quota("tiia", "DescribeImages")
    codes = [send(emu, "DescribeImages", {"GroupId": "g", "EntityId": "e"}).code for _ in range(quota + 2)]
    assert codes == ["ok"] * quota + ["RequestLimitExceeded"] * 2
    assert emu.max_in_any_second("DescribeImages") == quota
    assert emu.max_in_any_second("DescribeImages", include_rejected=True) == quota + 2
    assert send(emu, "DescribeGroups").code == "ok"  # quotas are per action
    time.sleep(1.05)
    assert send(emu, "DescribeImages", {"GroupId": "g", "EntityId": "e"}).code == "ok"
    assert emu.counters()["DescribeImages"] == {"ok": quota + 1, "RequestLimitExceeded": 2}


@pytest.mark.server
def test_concurrent_clients_with_latency():
    """~40 requests from 8 threads with 100-300 ms added latency: all answered, served in parallel."""
    with Emulator(latency=(0.1, 0.3), qps_scale=10) as emulator:
        codes: list[str] = []
        lock = threading.Lock()

        def worker() -> None:
            for _ in range(5):
                code = send(emulator, "GetCallerIdentity", service="sts").code
                with lock:
                    codes.append(code)

        threads = [threading.Thread(target=worker) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert codes == ["ok"] * 40
    # one at a time, 100-300 ms each, no second could hold more than 10: these were served side by side
    assert emulator.max_in_any_second("GetCallerIdentity") >= 20


# -- faults ---------------------------------------------------------------------------------------------------
def test_fault_throttle(emu):
    emu.inject("throttle", action="DescribeGroups", times=1)
    assert [send(emu, "DescribeGroups").code for _ in range(2)] == ["RequestLimitExceeded", "ok"]
    assert emu.counters()["DescribeGroups"] == {"RequestLimitExceeded": 1, "ok": 1}


@pytest.mark.parametrize(
    ("service", "action", "code"),
    [
        ("tiia", "DescribeGroups", "FailedOperation.InnerError"),
        ("vod", "CreateAigcCustomElement", "InternalError"),
        ("sts", "GetCallerIdentity", "InternalError"),
    ],
)
def test_fault_inner_error(emu, service, action, code):
    emu.inject("inner_error", action=action, times=1)
    assert send(emu, action, {}, service=service).code == code
    assert emu.counters()[action] == {code: 1}


def test_fault_http_5xx(emu):
    emu.inject("http_5xx", times=1)
    answer = send(emu, "DescribeGroups")
    assert answer.status == 502 and answer.content_type == "text/html"
    assert emu.counters()["DescribeGroups"] == {"fault:http_5xx": 1}


def test_fault_reset_aborts_the_connection_with_rst(emu):
    emu.inject("reset", action="CreateImage", times=1)
    with pytest.raises(ConnectionResetError):
        create(emu, "p")
    assert emu.images() == [] and emu.counters()["CreateImage"] == {"fault:reset": 1}
    assert create(emu, "p").code == "ok"


def test_fault_latency(emu):
    emu.inject("latency", action="DescribeGroups", times=1, delay=0.4)
    started = time.monotonic()
    assert send(emu, "DescribeGroups").code == "ok"
    assert time.monotonic() - started >= 0.4
    started = time.monotonic()
    assert send(emu, "DescribeGroups").code == "ok"
    assert time.monotonic() - started < 0.4


def test_fault_commit_then_hang(emu):
    emu.inject("commit_then_hang", action="CreateImage", times=1, delay=1.0)
    with pytest.raises(TimeoutError):
        send(
            emu, "CreateImage", {"GroupId": "g", "EntityId": "e", "PicName": "p", "ImageBase64": b64(PNG)}, timeout=0.3
        )
    assert [p["PicName"] for p in emu.images()] == ["p"]  # done, although the client saw no answer
    again = send(emu, "CreateImage", {"GroupId": "g", "EntityId": "e", "PicName": "p", "ImageBase64": b64(PNG)})
    assert again.code == "InvalidParameterValue.PicNameAlreadyExist"
    assert emu.counters()["CreateImage"] == {
        "fault:commit_then_hang": 1,
        "InvalidParameterValue.PicNameAlreadyExist": 1,
    }


def test_fault_probability_and_action_filter(emu):
    emu.inject("inner_error", action="DescribeGroups", probability=0.5)
    codes = [send(emu, "DescribeGroups").code for _ in range(30)]
    assert send(emu, "GetCallerIdentity", service="sts").code == "ok"  # other actions untouched
    faulted = codes.count("FailedOperation.InnerError")
    assert 5 <= faulted <= 25 and faulted + codes.count("ok") == 30
    emu.clear_faults()
    assert send(emu, "DescribeGroups").code == "ok"


def test_fault_times_with_probability_and_arguments(emu):
    emu.inject("throttle", probability=1.0, times=2)
    assert [send(emu, "DescribeGroups").code for _ in range(3)] == ["RequestLimitExceeded"] * 2 + ["ok"]
    for bad in ({"kind": "meteor"}, {"kind": "throttle", "times": 0}, {"kind": "throttle", "probability": 2}):
        with pytest.raises(ValueError):
            emu.inject(**bad)


def test_reset_keeps_credentials(emu):
    emu.add_credential("AKIDSECOND", "second-key")
    create(emu, "p")
    emu.inject("throttle")
    emu.reset()
    assert emu.images() == [] and emu.counters() == {} and emu.requests == []
    assert send(emu, "DescribeGroups", secret_id="AKIDSECOND", secret_key="second-key").code == "ok"


# -- STS and CVM metadata --------------------------------------------------------------------------------------
def test_assume_role_issues_working_temporary_keys(emu):
    role = "qcs::cam::uin/100000000001:roleName/airflow"
    answer = send(emu, "AssumeRole", {"RoleArn": role, "RoleSessionName": "s1", "DurationSeconds": 900}, service="sts")
    creds = answer.response["Credentials"]
    assert abs(answer.response["ExpiredTime"] - (time.time() + 900)) < 5 and answer.response["Expiration"].endswith("Z")
    kw = {"secret_id": creds["TmpSecretId"], "secret_key": creds["TmpSecretKey"], "service": "sts"}
    who = send(emu, "GetCallerIdentity", token=creds["Token"], **kw).response
    assert who["Arn"] == "qcs::sts:100000000001:assumed-role/airflow/s1" and who["Type"] == "AssumedRole"
    assert send(emu, "GetCallerIdentity", **kw).code == "AuthFailure.TokenFailure"
    assert emu.counters()["AssumeRole"] == {"ok": 1}
    root = send(emu, "GetCallerIdentity", service="sts").response
    assert set(root) >= {"Arn", "AccountId", "UserId", "PrincipalId", "Type", "RequestId"}
    # neither key nor token in the emulator's own records
    text = json.dumps(emu.state(), default=str)
    assert creds["TmpSecretKey"] not in text and creds["Token"] not in text and TEST_SECRET_KEY not in text


def test_sts_lifetime_override(emu):
    emu.sts_lifetime_override = 2
    answer = send(emu, "AssumeRole", {"RoleArn": "qcs::cam::uin/1:roleName/r", "RoleSessionName": "s1"}, service="sts")
    creds = answer.response["Credentials"]
    assert answer.response["ExpiredTime"] <= time.time() + 2
    kw = {"secret_id": creds["TmpSecretId"], "secret_key": creds["TmpSecretKey"], "token": creds["Token"]}
    assert send(emu, "DescribeGroups", **kw).code == "ok"
    emu.clock = lambda: time.time() + 3
    assert send(emu, "DescribeGroups", timestamp=int(emu.clock()), **kw).code == "AuthFailure.TokenFailure"


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"RoleSessionName": "s"}, "MissingParameter"),
        ({"RoleArn": "arn:aws:iam::1:role/x", "RoleSessionName": "s1"}, "InvalidParameter.ParamError"),
        (
            {"RoleArn": "qcs::cam::uin/1:roleName/r", "RoleSessionName": "s1", "DurationSeconds": 43201},
            "InvalidParameter.OverTimeError",
        ),
        ({"RoleArn": "qcs::cam::uin/1:roleName/r", "RoleSessionName": "bad name"}, "InvalidParameter.ParamError"),
        ({"RoleArn": "qcs::cam::uin/1:roleName/r", "RoleSessionName": "s"}, "InvalidParameter.ParamError"),
        ({"RoleArn": "qcs::cam::uin/1:role/tencentcloudServiceRole/46116860", "RoleSessionName": "s1"}, "ok"),
        ({"RoleArn": "qcs::cam::uin/1:role/tencentcloudServiceRoleName/svc", "RoleSessionName": "s1"}, "ok"),
        ({"RoleArn": "qcs::cam::uin/1:role/4611686018427397919", "RoleSessionName": "s1"}, "ok"),
    ],
)
def test_assume_role_checks(emu, params, code):
    assert send(emu, "AssumeRole", params, service="sts").code == code


def test_cvm_metadata(emu):
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    base = f"{emu.url}/latest/meta-data/cam/security-credentials/"
    role = opener.open(base, timeout=5).read().decode()
    data = json.loads(opener.open(base + role, timeout=5).read())
    assert data["Code"] == "Success" and data["ExpiredTime"] > time.time()
    kw = {"secret_id": data["TmpSecretId"], "secret_key": data["TmpSecretKey"], "token": data["Token"]}
    assert send(emu, "DescribeGroups", **kw).code == "ok"
    with pytest.raises(urllib.error.HTTPError):
        opener.open(base + "other-role", timeout=5)
    assert emu.counters()["CvmMetadata"] == {"role": 1, "ok": 1, "not_found": 1}


# -- control endpoints, lifecycle, command line ------------------------------------------------------------------
def test_control_endpoints(emu):
    assert control(emu, "groups", {"GroupId": "ctl", "GroupName": "Ctl", "Capacity": 1}) == (200, {})
    assert create(emu, "p", group="ctl").code == "ok"
    assert create(emu, "q", entity="e2", group="ctl").code == "FailedOperation.ImageNumExceed"
    assert control(emu, "faults", {"kind": "throttle", "action": "DescribeGroups", "times": 1})[0] == 200
    assert send(emu, "DescribeGroups").code == "RequestLimitExceeded"
    assert control(emu, "faults", {"kind": "http_5xx"})[0] == 200
    assert control(emu, "faults", {"clear": True})[0] == 200
    assert send(emu, "DescribeGroups").code == "ok"
    status, state = control(emu, "state")
    assert status == 200 and state["counters"]["CreateImage"] == {"ok": 1, "FailedOperation.ImageNumExceed": 1}
    assert [p["PicName"] for p in state["images"]] == ["p"] and state["elements"] == [] and state["faults"] == []
    assert {"ctl", "g"} <= {g["GroupId"] for g in state["groups"]}
    assert control(emu, "faults", {"kind": "meteor"})[0] == 400
    assert control(emu, "groups", {})[0] == 400
    assert control(emu, "nothing", {})[0] == 404
    assert control(emu, "reset", {}) == (200, {})
    assert control(emu, "state")[1]["counters"] == {} and emu.images() == []


@pytest.mark.server
def test_stop_is_clean_even_with_a_hanging_request():
    emulator = Emulator().start()
    emulator.create_group("g")
    emulator.inject("commit_then_hang", delay=30)
    threading.Thread(target=lambda: send(emulator, "DescribeGroups", timeout=35), daemon=True).start()
    time.sleep(0.3)
    started = time.monotonic()
    emulator.stop()
    assert time.monotonic() - started < 2
    with pytest.raises(ConnectionRefusedError), socket.create_connection(("127.0.0.1", emulator.port), timeout=1):
        pass


@pytest.mark.server
def test_command_line(tmp_path):
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "airflow_provider_tencent.testing.emulator",
            "--port",
            "0",
            "--group",
            "g1",
            "g2",
            "--qps-scale",
            "0.5",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        url = proc.stdout.readline().strip()  # type: ignore[union-attr]
        assert url.startswith("http://127.0.0.1:")
        port = int(url.rsplit(":", 1)[1])
        remote = Emulator(port=port)  # only to reuse send()/control() with that port
        assert {g["GroupId"] for g in control(remote, "state")[1]["groups"]} == {"g1", "g2"}
        assert send(remote, "DescribeGroups", {"GroupId": "g1"}).code == "ok"
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


@pytest.mark.parametrize(
    ("group_type", "size", "detect", "code"),
    [
        (8, (2000, 2000), None, "ok"),  # product search, detection on by default: at the limit
        (8, (2001, 1000), None, "FailedOperation.ImageResolutionExceed"),
        (8, (1990, 200), None, "ok"),  # 9.95:1
        (8, (2000, 200), None, "FailedOperation.ImageResolutionExceed"),  # 10:1 is not under 10
        (5, (300, 3000), True, "FailedOperation.ImageResolutionExceed"),
        (7, (2001, 1000), False, "ok"),  # detection off: the general 4096x4096 rule only
        (4, (2001, 1000), None, "ok"),  # general image search: no detection
        (4, (3000, 200), True, "ok"),
    ],
)
def test_subject_detection_limits_in_product_galleries(emu, group_type, size, detect, code):
    """Seed: with subject detection in product image search, at most 2000x2000 and an aspect ratio under 10."""
    emu.create_group("product", group_type=group_type)
    params = {"GroupId": "product", "EntityId": "e", "PicName": "p", "ImageBase64": b64(make_image(*size, "png"))}
    if detect is not None:
        params["EnableDetect"] = detect
    answer = send(emu, "CreateImage", params)
    assert answer.code == code, answer.message
    assert send(emu, "DescribeGroups", {"GroupId": "product"}).response["Groups"][0]["GroupType"] == group_type


def test_emulator_shares_no_code_with_the_client():
    """The emulator's rules are its own (documents, SDK models), never the client's beliefs."""
    import ast
    from pathlib import Path

    import airflow_provider_tencent.testing.emulator as package

    forbidden = (
        "airflow_provider_tencent.utils",
        "airflow_provider_tencent.contracts",
        "airflow_provider_tencent.validation",
        "airflow_provider_tencent.hooks",
        "airflow_provider_tencent.operators",
    )
    root = Path(package.__file__).parent
    found = []
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            found += [f"{path.name}: {n}" for n in names if n.startswith(forbidden)]
    assert not found
    assert {p.name for p in root.iterdir() if (p / "models.py").exists()} >= {"sts", "image_search", "vod"}


def test_image_search_answers_the_documents_leave_open(emu):
    """DescribeGroups of an unknown GroupId, DeleteImages of nothing and a capped MaxQps, set over HTTP."""
    try:
        assert send(emu, "DescribeGroups", {"GroupId": "nope"}).code == "ok"  # default: an empty list
        assert (
            control(
                emu, "image_search", {"unknown_group": "error", "delete_missing": "FailedOperation.ImageNotFoundInfo"}
            )[0]
            == 200
        )
        assert control(emu, "image_search", {"unknown_group": "maybe"})[0] == 400
        assert send(emu, "DescribeGroups", {"GroupId": "nope"}).code == "InvalidParameterValue.ImageGroupIdNotExist"
        assert send(emu, "DescribeGroups", {"GroupId": "g"}).code == "ok"
        deleted = send(emu, "DeleteImages", {"GroupId": "g", "EntityId": "none", "PicName": "none"})
        assert deleted.code == "FailedOperation.ImageNotFoundInfo"
        emu.set_image_search_answers(max_qps_cap=10)
        params = {"GroupId": "fast", "GroupName": "Fast", "MaxCapacity": 10, "MaxQps": 50}
        assert send(emu, "CreateGroup", params).code == "ok"
        assert emu.image_search.groups["fast"].max_qps == 10
        emu.reset()  # kept by a plain reset
        assert emu.image_search_answers["unknown_group"] == "error"
    finally:
        emu.reset(settings=True)
        emu.qps_scale = 100
    assert emu.image_search_answers == {"unknown_group": "empty", "delete_missing": "ok", "max_qps_cap": 0}
