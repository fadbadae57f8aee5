"""A local Tencent Cloud API 3.0 server: TIIA and VOD as the seed documents define them, plus STS.

For the provider's tests, the demo, and users testing their DAGs offline. It listens on loopback
only and:

* verifies every request's TC3-HMAC-SHA256 signature (``AuthFailure.SecretIdNotFound``,
  ``SignatureFailure``, ``SignatureExpire`` past 300 s of skew, ``TokenFailure`` for temporary keys),
  and serves STS ``AssumeRole``/``GetCallerIdentity`` and the CVM role metadata paths;
* enforces every limit and error code of ``CreateImage`` and ``CreateAigcCustomElement`` that a server
  can check, from the same contract objects the operators validate with
  (:mod:`airflow_provider_tencent.contracts`), downloading image URLs itself;
* enforces each action's documented QPS (times ``qps_scale``) over a sliding one-second window;
* injects faults on demand: throttling, ``InnerError``, HTTP 5xx, connection reset, latency, and
  "commit then hang" (stores the result, answers after the client's timeout);
* records requests, outcomes and what was created, so tests can assert nothing was lost or duplicated.

Run alone: ``python -m airflow_provider_tencent.testing.emulator --port 9000``. Control endpoints for
other processes: ``GET /_emulator/state``, ``POST /_emulator/faults``, ``/_emulator/reset``,
``/_emulator/groups``. It never logs a key or token, and stores image URLs without their query string.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import hashlib
import io
import json
import math
import random
import re
import secrets
import signal
import socket
import struct
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from airflow_provider_tencent.contracts import ImageRules, lookup
from airflow_provider_tencent.contracts import tiia as tiia_contract
from airflow_provider_tencent.contracts import vod as vod_contract
from airflow_provider_tencent.contracts.common import REGIONS
from airflow_provider_tencent.testing import TEST_SECRET_ID, TEST_SECRET_KEY, tc3
from airflow_provider_tencent.utils import images

CVM_ROLE = "emulator-cvm-role"
MAX_SKEW = 300
FAULT_KINDS = ("throttle", "inner_error", "http_5xx", "reset", "latency", "commit_then_hang")


class ApiError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(code)
        self.code = code
        self.message = message


@dataclass
class Fault:
    kind: str
    action: str | None = None
    times: int | None = None
    probability: float | None = None
    delay: float = 0.0

    def matches(self, action: str, rng: random.Random) -> bool:
        if self.action not in (None, action):
            return False
        if self.times is not None:
            if self.times <= 0:
                return False
            self.times -= 1
            return True
        return rng.random() < (self.probability if self.probability is not None else 1.0)


@dataclass
class TempKey:
    secret_key: str
    token: str
    expires: float


@dataclass
class Group:
    name: str
    capacity: int
    pictures: dict[str, dict[str, Any]] = field(default_factory=dict)


def redact(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


class Emulator:
    """The server. ``start()`` it (or use it as a context manager) and point ``endpoint_url`` at ``url``."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        credentials: dict[str, str] | None = None,
        qps_scale: float = 1.0,
        latency: tuple[float, float] = (0.0, 0.0),
        seed: int = 0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.host = host
        self.port = port
        self.qps_scale = qps_scale
        self.latency = latency
        self.clock = clock
        self.sts_lifetime_override: float | None = None
        self.download_timeout = 5.0
        self._credentials = dict(credentials or {TEST_SECRET_ID: TEST_SECRET_KEY})
        self._seed = seed
        self._lock = threading.RLock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        self.reset()

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self) -> Emulator:
        handler = type("Handler", (_Handler,), {"emulator": self})
        self._server = ThreadingHTTPServer((self.host, self.port), handler)
        self._server.daemon_threads = True
        self._server.block_on_close = False
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, name="tencent-emulator", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    # -- state and control ---------------------------------------------------------------------
    def reset(self) -> None:
        """Forget state, counters, faults and temporary keys (permanent credentials stay)."""
        with self._lock:
            self._rng = random.Random(self._seed)
            self._groups: dict[str, Group] = {}
            self._elements: list[dict[str, Any]] = []
            self._temp: dict[str, TempKey] = {}
            self._faults: list[Fault] = []
            self._admitted: dict[str, deque[float]] = defaultdict(deque)
            self._counters: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
            self.requests: list[dict[str, Any]] = []
            self.sts_lifetime_override = None

    def add_credential(self, secret_id: str, secret_key: str, token: str | None = None, lifetime: float = 3600) -> None:
        """A permanent key pair, or (with ``token``) temporary keys valid ``lifetime`` seconds."""
        with self._lock:
            if token is None:
                self._credentials[secret_id] = secret_key
            else:
                self._temp[secret_id] = TempKey(secret_key, token, self.clock() + lifetime)

    def inject(
        self,
        kind: str,
        action: str | None = None,
        times: int | None = None,
        probability: float | None = None,
        delay: float = 0.0,
    ) -> None:
        """Make the next ``times`` matching requests (or a ``probability`` share of them) fail as ``kind``."""
        if kind not in FAULT_KINDS:
            raise ValueError(f"fault kind must be one of {FAULT_KINDS}, got {kind!r}")
        with self._lock:
            self._faults.append(Fault(kind, action, times, probability, delay))

    def clear_faults(self) -> None:
        with self._lock:
            self._faults = []

    def create_group(self, group_id: str, name: str = "", capacity: int = 10_000) -> None:
        with self._lock:
            self._groups.setdefault(group_id, Group(name or group_id, capacity))

    def set_capacity(self, group_id: str, pictures: int) -> None:
        with self._lock:
            self._groups[group_id].capacity = pictures

    def counters(self) -> dict[str, dict[str, int]]:
        with self._lock:
            return {action: dict(outcomes) for action, outcomes in self._counters.items()}

    def images(self, group_id: str | None = None) -> list[dict[str, Any]]:
        with self._lock:
            out: list[dict[str, Any]] = []
            for gid, group in self._groups.items():
                if group_id in (None, gid):
                    out.extend(dict(p) for p in group.pictures.values())
            return sorted(out, key=lambda p: p["created"])

    def elements(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(e) for e in self._elements]

    def max_in_any_second(self, action: str, include_rejected: bool = False) -> int:
        """The most requests of ``action`` that arrived within any sliding one-second window."""
        with self._lock:
            times = sorted(
                r["time"] for r in self.requests if r["action"] == action and (include_rejected or r["admitted"])
            )
        best, start = 0, 0
        for end, t in enumerate(times):
            while t - times[start] >= 1.0:
                start += 1
            best = max(best, end - start + 1)
        return best

    def state(self) -> dict[str, Any]:
        return {"url": self.url, "counters": self.counters(), "images": self.images(), "elements": self.elements()}

    # -- request handling ------------------------------------------------------------------------
    def _count(self, action: str, outcome: str, arrived: float, admitted: bool, request_id: str) -> None:
        with self._lock:
            self._counters[action][outcome] += 1
            self.requests.append(
                {"action": action, "time": arrived, "outcome": outcome, "request_id": request_id, "admitted": admitted}
            )

    def _quota(self, service: str, action: str) -> int | None:
        contract = lookup(service, action)
        if contract is None or contract.qps is None:
            return None
        return max(1, math.floor(contract.qps * self.qps_scale + 1e-9))

    def _admit(self, service: str, action: str, now: float) -> bool:
        limit = self._quota(service, action)
        if limit is None:
            return True
        with self._lock:
            window = self._admitted[action]
            while window and now - window[0] >= 1.0:
                window.popleft()
            if len(window) >= limit:
                return False
            window.append(now)
            return True

    def _fault(self, action: str) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.matches(action, self._rng):
                    return fault
        return None

    def _authenticate(self, headers: dict[str, str], payload: bytes, method: str, path: str, query: str) -> str:
        """Check the signature; returns the service named in the credential scope."""
        auth = tc3.parse_authorization(headers.get("authorization", ""))
        if auth is None:
            raise ApiError("AuthFailure.InvalidAuthorization", "The Authorization header is malformed.")
        try:
            timestamp = int(headers.get("x-tc-timestamp", ""))
        except ValueError:
            raise ApiError("AuthFailure.InvalidAuthorization", "X-TC-Timestamp is missing.") from None
        if abs(self.clock() - timestamp) > MAX_SKEW:
            raise ApiError("AuthFailure.SignatureExpire", "The request is more than 300 seconds old or ahead.")
        with self._lock:
            key = self._credentials.get(auth.secret_id)
            temp = self._temp.get(auth.secret_id)
        if key is None and temp is None:
            raise ApiError("AuthFailure.SecretIdNotFound", "The SecretId does not exist.")
        secret = key if key is not None else temp.secret_key  # type: ignore[union-attr]
        ok = tc3.verify(
            secret, auth, timestamp=timestamp, method=method, uri=path, query=query, headers=headers, payload=payload
        )
        if not ok:
            raise ApiError("AuthFailure.SignatureFailure", "The signature does not match.")
        token = headers.get("x-tc-token", "")
        if temp is not None:
            if token != temp.token:
                raise ApiError("AuthFailure.TokenFailure", "The session token does not match the temporary key.")
            if temp.expires < self.clock():
                raise ApiError("AuthFailure.TokenFailure", "The temporary key has expired.")
        elif token:
            raise ApiError("AuthFailure.TokenFailure", "A session token was sent with a permanent key.")
        return auth.service

    def handle_api(self, handler: _Handler, payload: bytes) -> None:
        headers = {k.lower(): v for k, v in handler.headers.items()}
        action = headers.get("x-tc-action", "")
        arrived = self.clock()
        request_id = str(uuid.uuid4())
        parts = urlsplit(handler.path)
        try:
            service = self._authenticate(headers, payload, handler.command, parts.path or "/", parts.query)
        except ApiError as err:
            self._count(action, err.code, arrived, True, request_id)
            handler.reply_json({"Error": {"Code": err.code, "Message": err.message}, "RequestId": request_id})
            return
        admitted = self._admit(service, action, arrived)
        fault = self._fault(action) if admitted else None
        if self.latency[1] > 0:
            time.sleep(random.uniform(*self.latency))
        if not admitted or (fault and fault.kind == "throttle"):
            self._count(action, "RequestLimitExceeded", arrived, admitted, request_id)
            message = f"{action} is limited to {self._quota(service, action)} requests per second."
            handler.reply_json({"Error": {"Code": "RequestLimitExceeded", "Message": message}, "RequestId": request_id})
            return
        if fault and fault.kind == "reset":
            self._count(action, "fault:reset", arrived, True, request_id)
            handler.reset_connection()
            return
        if fault and fault.kind == "http_5xx":
            self._count(action, "fault:http_5xx", arrived, True, request_id)
            handler.reply_raw(502, "text/html", b"<html><body>502 Bad Gateway</body></html>")
            return
        if fault and fault.kind == "inner_error":
            code = "FailedOperation.InnerError" if service == tiia_contract.SERVICE else "InternalError"
            self._count(action, code, arrived, True, request_id)
            handler.reply_json(
                {"Error": {"Code": code, "Message": "Injected internal error."}, "RequestId": request_id}
            )
            return
        if fault and fault.kind == "latency":
            time.sleep(fault.delay)
        try:
            body = json.loads(payload or b"{}")
            if not isinstance(body, dict):
                raise ApiError("InvalidRequest", "The body must be a JSON object.")
            region = headers.get("x-tc-region")
            if region and region not in REGIONS:
                raise ApiError("UnsupportedRegion", f"Region {region!r} is not supported.")
            result = self._dispatch(service, action, headers.get("x-tc-version", ""), body, request_id)
        except ApiError as err:
            self._count(action, err.code, arrived, True, request_id)
            handler.reply_json({"Error": {"Code": err.code, "Message": err.message}, "RequestId": request_id})
            return
        except ValueError:
            self._count(action, "InvalidRequest", arrived, True, request_id)
            handler.reply_json({"Error": {"Code": "InvalidRequest", "Message": "Bad JSON."}, "RequestId": request_id})
            return
        if fault and fault.kind == "commit_then_hang":
            self._count(action, "fault:commit_then_hang", arrived, True, request_id)
            time.sleep(fault.delay)
        else:
            self._count(action, "ok", arrived, True, request_id)
        handler.reply_json({**result, "RequestId": request_id})

    def _dispatch(self, service: str, action: str, version: str, body: dict[str, Any], request_id: str) -> dict:
        method = getattr(self, f"_{service}_{action}", None)
        if method is None:
            raise ApiError("InvalidAction", f"{service} has no action {action!r}.")
        contract = lookup(service, action)
        if contract is not None and version != contract.version:
            raise ApiError("NoSuchVersion", f"{service} {action} is version {contract.version}, not {version!r}.")
        result: dict[str, Any] = method(body, request_id)
        return result

    # -- STS ------------------------------------------------------------------------------------
    def _issue_temp(self, lifetime: float) -> tuple[str, TempKey]:
        secret_id = "AKIDTMP" + secrets.token_hex(14).upper()
        temp = TempKey(secrets.token_urlsafe(24), secrets.token_urlsafe(48), self.clock() + lifetime)
        with self._lock:
            self._temp[secret_id] = temp
        return secret_id, temp

    def _sts_AssumeRole(self, body: dict[str, Any], request_id: str) -> dict[str, Any]:
        if not body.get("RoleArn") or not body.get("RoleSessionName"):
            raise ApiError("MissingParameter", "RoleArn and RoleSessionName are required.")
        duration = int(body.get("DurationSeconds") or 7200)
        lifetime = self.sts_lifetime_override or duration
        secret_id, temp = self._issue_temp(lifetime)
        expires = int(temp.expires)
        return {
            "Credentials": {"TmpSecretId": secret_id, "TmpSecretKey": temp.secret_key, "Token": temp.token},
            "ExpiredTime": expires,
            "Expiration": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(expires)),
        }

    def _sts_GetCallerIdentity(self, body: dict[str, Any], request_id: str) -> dict[str, Any]:
        return {
            "Arn": "qcs::cam::uin/100000000001:uin/100000000001",
            "AccountId": "100000000001",
            "UserId": "100000000001",
            "PrincipalId": "100000000001",
            "Type": "RootAccount",
        }

    def cvm_metadata(self, path: str) -> tuple[int, bytes]:
        base = "/latest/meta-data/cam/security-credentials/"
        if path == base:
            return 200, CVM_ROLE.encode()
        if path == base + CVM_ROLE:
            secret_id, temp = self._issue_temp(self.sts_lifetime_override or 3600)
            body = {
                "Code": "Success",
                "TmpSecretId": secret_id,
                "TmpSecretKey": temp.secret_key,
                "Token": temp.token,
                "ExpiredTime": int(temp.expires),
            }
            return 200, json.dumps(body).encode()
        return 404, b"not found"

    # -- TIIA -------------------------------------------------------------------------------------
    def _group(self, body: dict[str, Any]) -> Group:
        group_id = body.get("GroupId")
        if not group_id:
            raise ApiError("MissingParameter.ErrorParameterEmpty", "GroupId is required.")
        if len(group_id) > int(tiia_contract.CREATE_IMAGE.extra["group_id_max_chars"]):  # type: ignore[call-overload]
            raise ApiError("InvalidParameterValue.ImageGroupIdTooLong", "GroupId is too long.")
        group = self._groups.get(group_id)
        if group is None:
            raise ApiError("InvalidParameterValue.ImageGroupIdNotExist", f"Gallery {group_id!r} does not exist.")
        return group

    def _tiia_CreateGroup(self, body: dict[str, Any], request_id: str) -> dict[str, Any]:
        group_id = body.get("GroupId") or ""
        if not group_id or not body.get("GroupName") or not body.get("MaxCapacity"):
            raise ApiError("MissingParameter.ErrorParameterEmpty", "GroupId, GroupName and MaxCapacity are required.")
        if len(group_id) > 64:
            raise ApiError("InvalidParameterValue.ImageGroupIdTooLong", "GroupId is too long.")
        with self._lock:
            if group_id in self._groups:
                raise ApiError("InvalidParameterValue.ImageGroupIdAlreadyExist", "The gallery already exists.")
            self._groups[group_id] = Group(body["GroupName"], int(body["MaxCapacity"]) * 10_000)
        return {}

    def _tiia_DescribeGroups(self, body: dict[str, Any], request_id: str) -> dict[str, Any]:
        with self._lock:
            groups = [
                {
                    "GroupId": gid,
                    "GroupName": g.name,
                    "MaxCapacity": max(1, g.capacity // 10_000),
                    "PicCount": len(g.pictures),
                }
                for gid, g in self._groups.items()
                if body.get("GroupId") in (None, "", gid)
            ]
        return {"Groups": groups, "Count": len(groups)}

    def _tiia_DescribeImages(self, body: dict[str, Any], request_id: str) -> dict[str, Any]:
        with self._lock:
            group = self._group(body)
            entity = body.get("EntityId")
            if not entity:
                raise ApiError("InvalidParameterValue.EntityIdEmpty", "EntityId is required.")
            infos = [
                {k: p[k] for k in ("EntityId", "PicName", "CustomContent", "Tags")} | {"Score": 0}
                for p in group.pictures.values()
                if p["EntityId"] == entity and body.get("PicName") in (None, "", p["PicName"])
            ]
        return {"GroupId": body["GroupId"], "EntityId": entity, "ImageInfos": infos}

    def _tiia_DeleteImages(self, body: dict[str, Any], request_id: str) -> dict[str, Any]:
        with self._lock:
            group = self._group(body)
            entity = body.get("EntityId")
            if not entity:
                raise ApiError("InvalidParameterValue.EntityIdEmpty", "EntityId is required.")
            doomed = [
                name
                for name, p in group.pictures.items()
                if p["EntityId"] == entity and body.get("PicName") in (None, "", name)
            ]
            for name in doomed:
                del group.pictures[name]
        return {}

    def _download(self, url: str, limit: int, code_invalid: str, code_failed: str) -> bytes:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ApiError(code_invalid, f"{redact(url)!r} is not a valid http(s) URL.")
        try:
            with self._opener.open(url, timeout=self.download_timeout) as resp:
                data: bytes = resp.read(limit + 1)
        except (urllib.error.URLError, OSError, ValueError) as exc:
            raise ApiError(code_failed, f"Downloading {redact(url)} failed: {type(exc).__name__}.") from None
        return data

    def _tiia_CreateImage(self, body: dict[str, Any], request_id: str) -> dict[str, Any]:
        contract = tiia_contract.CREATE_IMAGE
        for name in ("EntityId", "PicName"):
            if not body.get(name):
                raise ApiError(f"InvalidParameterValue.{name}Empty", f"{name} is required.")
        with self._lock:
            self._group(body)
        entity, pic_name = body["EntityId"], body["PicName"]
        for name, code in (
            ("EntityId", "EntityIdTooLong"),
            ("PicName", "PicNameTooLong"),
            ("CustomContent", "CustomContentTooLong"),
        ):
            limit = contract.field(name).max_chars or 0
            if len(f"{body.get(name) or ''}") > limit:
                raise ApiError(f"InvalidParameterValue.{code}", f"{name} exceeds {limit} characters.")
        if not re.match(str(contract.extra["pic_name_pattern"]), pic_name):
            raise ApiError("InvalidParameterValue.PicNameInvalid", "PicName holds characters that are not allowed.")
        tags = self._check_tags(body.get("Tags"))
        category = body.get("CategoryId")
        if category is not None and (isinstance(category, bool) or category not in tiia_contract.CATEGORIES):
            raise ApiError("InvalidParameter.InvalidParameter", "CategoryId must be 0 to 5.")
        data = self._image_bytes(body)
        width, height = self._check_picture(data)
        with self._lock:
            group = self._group(body)
            if pic_name in group.pictures:
                raise ApiError("InvalidParameterValue.PicNameAlreadyExist", f"PicName {pic_name!r} already exists.")
            if (
                sum(1 for p in group.pictures.values() if p["EntityId"] == entity)
                >= tiia_contract.MAX_PICTURES_PER_ENTITY
            ):
                raise ApiError("FailedOperation.ImageEntityCountExceed", "An EntityId holds at most 10 pictures.")
            if len(group.pictures) >= group.capacity:
                raise ApiError("FailedOperation.ImageNumExceed", "The gallery is full.")
            group.pictures[pic_name] = {
                "GroupId": body["GroupId"],
                "EntityId": entity,
                "PicName": pic_name,
                "CustomContent": body.get("CustomContent") or "",
                "Tags": tags,
                "sha256": hashlib.sha256(data).hexdigest(),
                "RequestId": request_id,
                "created": time.time(),
            }
        rect = {"X": 0, "Y": 0, "Width": width, "Height": height}
        return {"Object": {"Box": {"Score": 0.98, "Rect": rect}, "CategoryId": category or 0}}

    def _check_tags(self, raw: Any) -> Any:
        if raw in (None, ""):
            return None
        try:
            tags = json.loads(raw) if isinstance(raw, str) else raw
        except ValueError:
            raise ApiError("InvalidParameter.InvalidParameter", "Tags is not valid JSON.") from None
        if not isinstance(tags, dict):
            raise ApiError("InvalidParameter.InvalidParameter", "Tags must be a JSON object.")
        if len(tags) > tiia_contract.MAX_TAG_KEYS:
            raise ApiError("InvalidParameterValue.TagsKeysExceed", "Tags holds more than 10 keys.")
        limit = int(tiia_contract.CREATE_IMAGE.extra["tag_value_max_chars"])  # type: ignore[call-overload]
        for value in tags.values():
            if not isinstance(value, str):
                raise ApiError("InvalidParameterValue.TagsValueIllegal", "Tag values must be strings.")
            if len(value) > limit:
                raise ApiError("InvalidParameterValue.TagsValueSizeExceed", f"A tag value exceeds {limit} characters.")
        return tags

    def _image_bytes(self, body: dict[str, Any]) -> bytes:
        rules = tiia_contract.IMAGE_RULES
        limit = rules.max_base64_bytes or 0
        if body.get("ImageUrl"):  # preferred when both are given
            data = self._download(
                body["ImageUrl"], limit, "FailedOperation.ImageUrlInvalid", "FailedOperation.ImageDownloadError"
            )
            if images.base64_size(len(data)) > limit:
                raise ApiError("FailedOperation.ImageSizeExceed", "The picture is over 5 MB once base64 encoded.")
            return data
        text = body.get("ImageBase64")
        if not text:
            raise ApiError("MissingParameter.ErrorParameterEmpty", "ImageUrl or ImageBase64 is required.")
        if len(text) > limit:
            raise ApiError("FailedOperation.ImageSizeExceed", "ImageBase64 is over 5 MB.")
        try:
            return base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            raise ApiError("FailedOperation.ImageDecodeFailed", "ImageBase64 is not valid base64.") from None

    def _check_picture(self, data: bytes) -> tuple[int, int]:
        if not data:
            raise ApiError("FailedOperation.EmptyImageError", "The picture is empty.")
        info = images.inspect(data)
        if info.format is None:
            raise ApiError("FailedOperation.ImageDecodeFailed", "The data is not a picture.")
        if info.format not in tiia_contract.IMAGE_RULES.formats:
            raise ApiError("InvalidParameter.ImageFormatNotSupport", f"{info.format.upper()} is not supported.")
        picture = _decode(data)
        if picture is None:
            raise ApiError("FailedOperation.ImageDecodeFailed", "The picture cannot be decoded.")
        width, height = picture.size
        if width > (tiia_contract.IMAGE_RULES.max_width or 0) or height > (tiia_contract.IMAGE_RULES.max_height or 0):
            raise ApiError("FailedOperation.ImageResolutionExceed", f"{width}x{height} is over 4096x4096.")
        extrema = picture.convert("RGB").getextrema()
        if all(low == high for low, high in extrema):
            raise ApiError("InvalidParameter.PictureSolidColorError", "The picture is a single colour.")
        return width, height

    # -- VOD --------------------------------------------------------------------------------------
    def _vod_CreateAigcCustomElement(self, body: dict[str, Any], request_id: str) -> dict[str, Any]:
        contract = vod_contract.CREATE_AIGC_CUSTOM_ELEMENT
        for spec in contract.fields:
            value = body.get(spec.name)
            if value in (None, "", []):
                raise ApiError("MissingParameter", f"{spec.name} is required.")
            if spec.max_chars is not None:
                if not isinstance(value, str):
                    raise ApiError("InvalidParameterValue", f"{spec.name} must be a string.")
                if len(value) > spec.max_chars:
                    raise ApiError(
                        "InvalidParameterValue",
                        f"{spec.name} is {len(value)} characters; at most {spec.max_chars} are allowed.",
                    )
        refer = body["ElementReferList"]
        if not isinstance(refer, list) or not all(isinstance(r, dict) and r.get("ImageUrl") for r in refer):
            raise ApiError("InvalidParameterValue", "ElementReferList must be a list of {ImageUrl}.")
        low, high = vod_contract.MIN_REFERENCES, vod_contract.MAX_REFERENCES
        if not low <= len(refer) <= high:
            raise ApiError(
                "InvalidParameterValue", f"ElementReferList holds {len(refer)} images; {low} to {high} allowed."
            )
        urls = [("ElementFrontalImage", body["ElementFrontalImage"])]
        urls += [(f"ElementReferList.{n}.ImageUrl", r["ImageUrl"]) for n, r in enumerate(refer)]
        for name, url in urls:
            self._check_element_image(name, url, vod_contract.IMAGE_RULES)
        with self._lock:
            element_id = str(self._rng.randrange(10**13, 10**14))
        record = {
            "ElementId": element_id,
            "ElementName": body["ElementName"],
            "ElementDescription": body["ElementDescription"],
            "ElementFrontalImage": redact(body["ElementFrontalImage"]),
            "ElementReferList": [redact(r["ImageUrl"]) for r in refer],
            "RequestId": request_id,
            "created": time.time(),
        }
        with self._lock:
            self._elements.append(record)
        return {"ElementId": element_id}

    def _check_element_image(self, name: str, url: str, rules: ImageRules) -> None:
        if not isinstance(url, str):
            raise ApiError("InvalidParameterValue", f"{name} must be a URL.")
        data = self._download(url, rules.max_bytes or 0, "InvalidParameterValue", "FailedOperation")
        problems = images.check(images.inspect(data), rules)
        if problems:
            problem = problems[0]
            raise ApiError(
                "InvalidParameterValue", f"{name}: {problem.rule} must be {problem.limit}, got {problem.actual}."
            )


def _decode(data: bytes) -> Any:
    try:
        from PIL import Image

        picture = Image.open(io.BytesIO(data))
        picture.load()
        return picture
    except Exception:
        return None


class _Handler(BaseHTTPRequestHandler):
    emulator: Emulator
    protocol_version = "HTTP/1.1"
    server_version = "TencentCloudEmulator/1.0"

    def log_message(self, format: str, *args: Any) -> None:
        return

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def reply_raw(self, status: int, content_type: str, body: bytes) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except OSError:
            self.close_connection = True  # the client gave up (timeout): nothing to answer

    def reply_json(self, response: dict[str, Any], status: int = 200) -> None:
        # exactly "application/json": the SDK ignores error bodies of any other content type
        self.reply_raw(status, "application/json", json.dumps({"Response": response}).encode())

    def reset_connection(self) -> None:
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
        except OSError:
            pass

    def do_POST(self) -> None:
        payload = self._body()
        path = urlsplit(self.path).path
        if path.startswith("/_emulator/"):
            self._control(path, payload)
            return
        self.emulator.handle_api(self, payload)

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        if path == "/_emulator/state":
            self.reply_raw(200, "application/json", json.dumps(self.emulator.state(), default=str).encode())
            return
        if path.startswith("/latest/meta-data/"):
            status, body = self.emulator.cvm_metadata(path)
            self.reply_raw(status, "text/plain", body)
            return
        self.reply_raw(404, "text/plain", b"not found")

    def _control(self, path: str, payload: bytes) -> None:
        args = json.loads(payload or b"{}")
        try:
            if path == "/_emulator/reset":
                self.emulator.reset()
            elif path == "/_emulator/faults":
                self.emulator.inject(**args)
            elif path == "/_emulator/groups":
                self.emulator.create_group(
                    args["GroupId"], args.get("GroupName", ""), int(args.get("Capacity", 10_000))
                )
            else:
                self.reply_raw(404, "text/plain", b"not found")
                return
        except (TypeError, ValueError, KeyError) as exc:
            self.reply_raw(400, "text/plain", f"{exc}".encode())
            return
        self.reply_raw(200, "application/json", b"{}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Local Tencent Cloud API emulator (TIIA, VOD, STS) on loopback")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--secret-id", default=TEST_SECRET_ID)
    parser.add_argument("--secret-key", default=TEST_SECRET_KEY)
    parser.add_argument("--qps-scale", type=float, default=1.0)
    parser.add_argument("--group", action="append", default=[], help="create this gallery at start")
    args = parser.parse_args(argv)
    emulator = Emulator(args.host, args.port, {args.secret_id: args.secret_key}, qps_scale=args.qps_scale)
    for group in args.group:
        emulator.create_group(group)
    emulator.start()
    print(emulator.url, flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    emulator.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
