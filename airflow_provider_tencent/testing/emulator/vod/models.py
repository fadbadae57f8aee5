"""VOD 2018-07-17, the state and rules: AIGC subjects (``CreateAigcCustomElement``) and AIGC generation tasks.

:class:`VodBackend` holds the subjects, the tasks, the SessionIds seen and the failures queued by a test; its
methods take the request's parameters once :mod:`.responses` has checked their types, and return records.
The task rules are listed in :mod:`.aigc_rules`.

``CreateAigcCustomElement``, as Tencent's API reference page for it states the rules: ElementName "cannot exceed
20 characters"; ElementDescription "Up to 100 characters"; ElementReferList "at least 1 reference image, up to
3"; every image ".jpg, .jpeg, and .png", "must not exceed 10MB", width and height "not less than 300px", aspect
ratio "between 1:2.5 and 2.5:1"; "A maximum of 20 requests can be initiated per second". The page lists no
business error code ("There is no error code related to the API business logic"): a wrong value is the common
``InvalidParameterValue``, a missing one ``MissingParameter``, and an image the service cannot download is a
wrong value too (``InvalidParameterValue``: the URL does not serve a picture), answered before anything is
created.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from typing import Any

from airflow_provider_tencent.testing.emulator.core import (
    ApiError,
    Backend,
    download,
    open_picture,
    picture_format,
    redact,
)
from airflow_provider_tencent.testing.emulator.vod.aigc_rules import (
    FILE_PREFIX,
    REFUSED,
    SESSION_WINDOW,
    check_model,
    check_sub_app,
    check_subjects,
    check_task_query,
    check_texts,
    file_bytes,
)

SERVICE = "vod"
VERSION = "2018-07-17"
QUOTAS = {"CreateAigcCustomElement": 20, "CreateAigcVideoTask": 20, "CreateAigcImageTask": 20}
MB = 1024 * 1024
MAX_BYTES = 10 * MB
MIN_SIDE = 300
MAX_ASPECT = 2.5
FORMATS = ("jpeg", "png")
CHAR_LIMITS = {"ElementName": 20, "ElementDescription": 100}
REFERENCES = (1, 3)
REQUIRED = ("ElementName", "ElementDescription", "ElementFrontalImage", "ElementReferList")
TASK_REQUIRED = ("SubAppId", "ModelName", "ModelVersion")


@dataclass(frozen=True)
class OutputFile:
    """A finished task's output file: its name, type (``mp4``/``png``), URL and content."""

    name: str
    file_type: str
    url: str
    content: bytes

    @property
    def md5(self) -> str:
        return hashlib.md5(self.content, usedforsecurity=False).hexdigest()


def check_refer_list(refer: Any) -> None:
    """``ElementReferList`` holds :data:`REFERENCES` (low, high) items, each an object with only a
    non-empty ``ImageUrl``.

    :raises ApiError: the first rule broken (InvalidParameterValue, MissingParameter, UnknownParameter).
    """
    low, high = REFERENCES
    if not low <= len(refer) <= high:
        raise ApiError(
            "InvalidParameterValue", f"ElementReferList holds {len(refer)} images; {low} to {high} are allowed."
        )
    for n, item in enumerate(refer):
        if not isinstance(item, dict) or not isinstance(item.get("ImageUrl"), str) or not item["ImageUrl"]:
            raise ApiError("MissingParameter", f"ElementReferList.{n}.ImageUrl is required.")
        unknown = sorted(set(item) - {"ImageUrl"})
        if unknown:
            raise ApiError("UnknownParameter", f"ElementReferList.{n} has no parameter {unknown[0]!r}.")


def check_element(params: dict[str, Any]) -> list[tuple[str, str]]:
    """CreateAigcCustomElement's values; ``(parameter, URL)`` of every picture to download and check."""
    for name in REQUIRED:
        if params.get(name) in (None, ""):
            raise ApiError("MissingParameter", f"{name} is required.")
    for name, limit in CHAR_LIMITS.items():
        if len(params[name]) > limit:
            raise ApiError(
                "InvalidParameterValue", f"{name} is {len(params[name])} characters; at most {limit} are allowed."
            )
    refer = params["ElementReferList"]
    check_refer_list(refer)
    urls = [("ElementFrontalImage", params["ElementFrontalImage"])]
    return urls + [(f"ElementReferList.{n}.ImageUrl", item["ImageUrl"]) for n, item in enumerate(refer)]


def check_image(name: str, url: str, timeout: float) -> None:
    """The picture at ``url`` downloads and is a JPG or PNG of at most 10 MB, at least 300 px a side, 1:2.5 to 2.5:1."""
    data = download(url, MAX_BYTES, name, "InvalidParameterValue", "InvalidParameterValue", timeout)
    if not data:
        raise ApiError("InvalidParameterValue", f"{name}: the picture is empty.")
    if len(data) > MAX_BYTES:
        raise ApiError("InvalidParameterValue", f"{name}: the picture's size is over {MAX_BYTES} bytes.")
    picture = open_picture(data)
    fmt = picture_format(picture)
    if picture is None or fmt is None:
        raise ApiError("InvalidParameterValue", f"{name}: the data is not a picture of a known format.")
    if fmt not in FORMATS:
        raise ApiError("InvalidParameterValue", f"{name}: the format {fmt.upper()} is not supported; use JPG or PNG.")
    width, height = picture.size
    if min(width, height) < MIN_SIDE:
        raise ApiError(
            "InvalidParameterValue", f"{name}: {width}x{height}; width and height must be at least {MIN_SIDE} px."
        )
    if not 1 / MAX_ASPECT <= width / height <= MAX_ASPECT:
        raise ApiError("InvalidParameterValue", f"{name}: {width}x{height}; the aspect ratio must be 1:2.5 to 2.5:1.")
    try:
        picture.load()
    except Exception:
        raise ApiError("InvalidParameterValue", f"{name}: the picture cannot be decoded.") from None


class VodBackend(Backend):
    """The account's AIGC subjects (:attr:`elements`) and tasks (:attr:`tasks`, by TaskId)."""

    def __init__(self, context: Any) -> None:
        super().__init__(context)
        self.elements: list[dict[str, Any]] = []
        self.tasks: dict[str, dict[str, Any]] = {}
        self.sessions: dict[str, tuple[str, float]] = {}
        """SessionId -> (TaskId, when it was used)."""
        self.failures: list[tuple[str, str]] = []
        """``(ErrCodeExt, Message)`` of the next tasks created (queued by a test)."""
        self.broken_downloads = 0
        """How many of the next output downloads break midway."""

    # -- subjects -----------------------------------------------------------------------------
    def create_element(self, params: dict[str, Any], request_id: str) -> str:
        """CreateAigcCustomElement: a subject from its frontal and reference pictures (each downloaded and
        checked); its new 14-digit ElementId."""
        for name, url in check_element(params):
            check_image(name, url, self.settings.download_timeout)
        with self.lock:
            rng = self.context.rng
            taken = {e["ElementId"] for e in self.elements}
            element_id = str(rng.randrange(10**13, 10**14))
            while element_id in taken:
                element_id = str(rng.randrange(10**13, 10**14))
            self.elements.append(
                {
                    "ElementId": element_id,
                    "ElementName": params["ElementName"],
                    "ElementDescription": params["ElementDescription"],
                    "ElementFrontalImage": redact(params["ElementFrontalImage"]),
                    "ElementReferList": [redact(item["ImageUrl"]) for item in params["ElementReferList"]],
                    "RequestId": request_id,
                    "created": time.time(),
                }
            )
        return element_id

    # -- creating tasks -------------------------------------------------------------------------
    def check_task(self, video: bool, params: dict[str, Any]) -> None:
        """Every rule of :mod:`.aigc_rules` that does not depend on earlier requests, in the service's order."""
        for name in TASK_REQUIRED:  # required by both documents
            if params.get(name) in (None, ""):
                raise ApiError("MissingParameter", f"{name} is required.")
        check_sub_app(self.settings.sub_app_ids, params)
        check_model(video, params)
        check_texts(video, params)
        with self.lock:
            known = {e["ElementId"] for e in self.elements}
        check_subjects(known, params)

    def create_task(self, kind: str, params: dict[str, Any], request_id: str) -> str:
        """CreateAigcVideoTask / CreateAigcImageTask (``kind`` AigcVideoTask / AigcImageTask): the new TaskId.

        :raises ApiError: a rule broken, or a SessionId used within three days.
        """
        self.check_task(kind == "AigcVideoTask", params)
        session_id = params.get("SessionId") or ""
        with self.lock:
            now = self.context.clock()
            if session_id:
                seen = self.sessions.get(session_id)
                if seen is not None and now - seen[1] < SESSION_WINDOW:
                    raise ApiError(
                        self.settings.aigc_duplicate_code,
                        "The SessionId was used within the last three days; the request was deduplicated.",
                    )
            sub_app = params.get("SubAppId") or 251000000
            task_id = f"{sub_app}-{kind}-{self.context.rng.getrandbits(64):016x}"
            refused = self._over_concurrency()
            failure = REFUSED if refused else (self.failures.pop(0) if self.failures else None)
            self.tasks[task_id] = {
                "TaskId": task_id,
                "kind": kind,
                "params": {k: v for k, v in params.items() if k not in ("FileInfos",)},
                "created": now,
                "started": time.monotonic(),
                "duration": 0.0 if refused else float(self.settings.aigc_duration),
                "failure": failure,
                "refused": refused,
                "RequestId": request_id,
                "polls": 0,
            }
            if session_id:
                self.sessions[session_id] = (task_id, now)
        return task_id

    def _over_concurrency(self) -> bool:
        """Whether the account already runs as many tasks as the ``aigc_concurrency`` setting allows (lock held)."""
        limit = self.settings.aigc_concurrency
        if limit is None:
            return False
        running = [t for t in self.tasks.values() if not t["refused"] and self.progress(t)[0] != "FINISH"]
        return len(running) >= int(limit)

    # -- the test's controls ----------------------------------------------------------------------
    def queue_failures(self, err_code_ext: str, message: str, times: int) -> None:
        """The next ``times`` tasks created finish failed with ``err_code_ext`` and ``message``."""
        with self.lock:
            self.failures += [(err_code_ext, message or f"{err_code_ext} (injected)")] * int(times)

    def break_downloads(self, times: int) -> None:
        with self.lock:
            self.broken_downloads += int(times)

    def take_broken_download(self) -> bool:
        """Whether this output download breaks (consumes one of :attr:`broken_downloads`)."""
        with self.lock:
            if self.broken_downloads <= 0:
                return False
            self.broken_downloads -= 1
            return True

    def age_tasks(self, seconds: float) -> None:
        """Move every task and SessionId ``seconds`` into the past."""
        with self.lock:
            for task in self.tasks.values():
                task["created"] -= seconds
                task["started"] -= seconds
            self.sessions = {sid: (tid, at - seconds) for sid, (tid, at) in self.sessions.items()}

    # -- reading tasks --------------------------------------------------------------------------
    def progress(self, task: dict[str, Any]) -> tuple[str, int]:
        """``(status, progress)``: WAITING for the first tenth of the duration, then PROCESSING, then FINISH."""
        elapsed = time.monotonic() - task["started"]
        duration = task["duration"]
        if elapsed >= duration:
            return "FINISH", 100
        if elapsed < duration / 10:
            return "WAITING", 0
        return "PROCESSING", min(99, int(100 * elapsed / duration))

    def visible(self, task: dict[str, Any]) -> bool:
        """Whether the service still shows ``task``: created within the last three days."""
        return bool(self.context.clock() - task["created"] < SESSION_WINDOW)

    def poll_task(self, task_id: str | None) -> dict[str, Any]:
        """DescribeTaskDetail: a copy of the task (its poll counted).

        :raises ApiError: no TaskId, or no such task within three days.
        """
        if not task_id:
            raise ApiError("MissingParameter", "TaskId is required.")
        with self.lock:
            task = self.tasks.get(task_id)
            if task is None or not self.visible(task):
                raise ApiError("InvalidParameterValue.TaskId", f"The task {task_id!r} does not exist.")
            task["polls"] += 1
            return dict(task)

    def list_tasks(self, status: str | None, limit: int) -> list[tuple[dict[str, Any], str]]:
        """DescribeTasks: ``(task copy, status)`` of the visible tasks, newest first, only ``status`` when given."""
        check_task_query(limit, status)
        with self.lock:
            rows = []
            for task in sorted(self.tasks.values(), key=lambda t: t["created"], reverse=True):
                now_status = self.progress(task)[0]
                if self.visible(task) and (not status or now_status == status):
                    rows.append((dict(task), now_status))
        return rows

    def outputs(self, task: dict[str, Any]) -> list[OutputFile]:
        """The output files of ``task``: one when it finished without failure, none otherwise."""
        if self.progress(task)[0] != "FINISH" or task["failure"] is not None:
            return []
        ext = "mp4" if task["kind"] == "AigcVideoTask" else "png"
        name = f"output-1.{ext}"
        url = f"{self.context.url}{FILE_PREFIX}{task['TaskId']}/{name}"
        return [OutputFile(name, ext, url, file_bytes(task["TaskId"], name))]

    def output_file(self, task_id: str, name: str) -> bytes | None:
        """The bytes of output file ``name`` of ``task_id`` when that task finished and produced it."""
        with self.lock:
            task = self.tasks.get(task_id)
            if task is None or task["failure"] is not None or self.progress(task)[0] != "FINISH":
                return None
        if not name.startswith("output-"):
            return None
        return file_bytes(task_id, name)
