"""VOD AIGC generation: ``VodCreateAigcVideoOperator`` and ``VodCreateAigcImageOperator``.

Each submits one generation task - never twice: a ``SessionId`` derived from the task instance and a digest
of the request, and the TaskId kept in Airflow's ``task_state_store`` - then waits for it (in the triggerer
when ``deferrable``, else in the worker) and optionally copies its files to object storage. The contract (never
paying twice, never another request's result, terminal states, lineage, secrets) is described in the docs:
``docs/operators/create_aigc_video.rst`` and ``docs/lineage.rst``. The wait, the errors and the SessionId are in
:mod:`~airflow_provider_tencent.operators.vod.wait`. Importing this module imports no Tencent Cloud SDK
module, no s3fs and no boto.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from airflow_provider_tencent.compat import default_deferrable
from airflow_provider_tencent.contracts import ErrorKind
from airflow_provider_tencent.contracts import vod as contract
from airflow_provider_tencent.exceptions import (
    TencentCloudAPIError,
    TencentCloudError,
    TencentCloudInputError,
    VodAigcRequestMismatchError,
)
from airflow_provider_tencent.hooks.vod import VodHook
from airflow_provider_tencent.hooks.vod_results import TaskOutcome
from airflow_provider_tencent.links.vod import VodAigcTaskLink
from airflow_provider_tencent.operators.base import TencentCloudBaseOperator
from airflow_provider_tencent.operators.vod.wait import (
    DEFAULT_TIMEOUT,
    STATE_KEY,
    STATE_RETENTION,
    VodAigcTaskWaitMixin,
    _element_ids,
    derive_session_id,
    input_differences,
    request_digest,
    wait_setting,
)
from airflow_provider_tencent.payloads.vod import generation_problems
from airflow_provider_tencent.validation import parse_structured, raise_if, template_int

if TYPE_CHECKING:
    from airflow.sdk.definitions.context import Context

#: At most this many tasks (generations) per task instance and request: each but the last one failed retryably
#: or was refused for the account's concurrency.
MAX_GENERATIONS = 1000

__all__ = ["MAX_GENERATIONS", "VodCreateAigcImageOperator", "VodCreateAigcVideoOperator"]


def _structured(value: Any, field: str, expected: type) -> Any:
    """A structured argument (``output_config``, ``file_infos``...) given as JSON or Python text, parsed."""
    if isinstance(value, str) and value.strip():
        return parse_structured(value, field, expected)
    return value


class _VodCreateAigcTaskOperator(VodAigcTaskWaitMixin, TencentCloudBaseOperator[VodHook]):
    """Submit one AIGC generation task (never twice), then wait for it: ``docs/operators/create_aigc_video.rst``."""

    hook_class = VodHook
    action_contract: ClassVar[Any]
    operator_extra_links = (VodAigcTaskLink(),)
    common_template_fields: ClassVar[tuple[str, ...]] = (
        "tencentcloud_conn_id",
        "region",
        "sub_app_id",
        "model_name",
        "model_version",
        "prompt",
        "negative_prompt",
        "enhance_prompt",
        "file_infos",
        "output_config",
        "input_region",
        "scene_type",
        "seed",
        "session_id",
        "session_context",
        "tasks_priority",
        "ext_info",
        "output_path",
    )
    template_fields_renderers: ClassVar[dict[str, str]] = {"file_infos": "json", "output_config": "json"}

    def __init__(
        self,
        *,
        model_name: str,
        model_version: str | None = None,
        prompt: str | None = None,
        negative_prompt: str | None = None,
        enhance_prompt: str | None = None,
        file_infos: list[dict[str, Any]] | None = None,
        output_config: dict[str, Any] | None = None,
        input_region: str | None = None,
        scene_type: str | None = None,
        seed: int | None = None,
        session_id: str | None = None,
        session_context: str | None = None,
        tasks_priority: int | None = None,
        ext_info: str | None = None,
        sub_app_id: int | str | None = None,
        output_path: str | None = None,
        deferrable: bool | None = None,
        poll_interval: float = 10.0,
        max_poll_interval: float = 60.0,
        backoff: float = 1.5,
        timeout: float = DEFAULT_TIMEOUT,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.model_name = model_name
        self.model_version = model_version
        self.prompt = prompt
        self.negative_prompt = negative_prompt
        self.enhance_prompt = enhance_prompt
        self.file_infos = file_infos
        self.output_config = output_config
        self.input_region = input_region
        self.scene_type = scene_type
        self.seed = seed
        self.session_id = session_id
        self.session_context = session_context
        self.tasks_priority = tasks_priority
        self.ext_info = ext_info
        self.sub_app_id = sub_app_id
        self.output_path = output_path
        self.deferrable = default_deferrable() if deferrable is None else bool(deferrable)
        self.poll_interval = wait_setting("poll_interval", poll_interval)
        self.max_poll_interval = wait_setting("max_poll_interval", max_poll_interval)
        self.backoff = wait_setting("backoff", backoff)
        self.timeout = wait_setting("timeout", timeout)
        if self.max_poll_interval < self.poll_interval:
            raise TencentCloudInputError(
                f"max_poll_interval ({max_poll_interval!r}) must be >= poll_interval ({poll_interval!r})",
                field="max_poll_interval",
                limit=f">= poll_interval ({self.poll_interval:g})",
                actual=f"{self.max_poll_interval:g}",
            )

    # -- the request -----------------------------------------------------------------------------
    def extra_params(self) -> dict[str, Any]:
        return {}

    def lineage_inputs(self, region: str) -> list[tuple[str, str]]:
        """The subjects and files the request names (OpenLineage inputs; ``docs/lineage.rst``)."""
        from airflow_provider_tencent.openlineage import VOD_NAMESPACE, dataset_name

        vod = VOD_NAMESPACE.format(region=region)
        try:
            extra = self.extra_params()
        except Exception:  # arguments not rendered (an unresolved XComArg): nothing they name is known
            extra = {}
        found: list[tuple[str, str] | None] = [
            (vod, f"{s['Id']}") for s in extra.get("SubjectInfos") or [] if isinstance(s, dict) and s.get("Id")
        ]
        files = self.file_infos if isinstance(self.file_infos, list) else []
        for info in [*files, {"Url": extra.get("LastFrameUrl"), "FileId": extra.get("LastFrameFileId")}]:
            if not isinstance(info, dict):
                continue
            if info.get("FileId"):
                found.append((vod, f"{info['FileId']}"))
            if info.get("Url"):
                found.append(dataset_name(info["Url"]))
        return list(dict.fromkeys(d for d in found if d is not None))

    def build_params(self, session_id: str | None, sub_app_id: int | None) -> dict[str, Any]:
        """The validated request (API field names, empty values left out).

        :raises TencentCloudInputError: naming each field that breaks the contract (limit and size). No
            request has been sent.
        """
        shape: dict[str, Any] = {
            "SubAppId": sub_app_id,
            "ModelName": self.model_name,
            "ModelVersion": None if self.model_version in (None, "") else f"{self.model_version}",
            "Prompt": self.prompt,
            "NegativePrompt": self.negative_prompt,
            "EnhancePrompt": self.enhance_prompt,
            "FileInfos": _structured(self.file_infos, "file_infos", list),
            "OutputConfig": _structured(self.output_config, "output_config", dict),
            "InputRegion": self.input_region,
            "SceneType": self.scene_type,
            "Seed": template_int(self.seed),
            "SessionId": session_id,
            "SessionContext": self.session_context,
            "TasksPriority": template_int(self.tasks_priority),
            "ExtInfo": self.ext_info,
            **self.extra_params(),
        }
        raise_if(generation_problems(self.action_contract, shape), self.action_contract.action, self.task_id)
        return {k: v for k, v in shape.items() if v not in (None, "", [])}

    # -- identity: which remote task belongs to this task instance and request --------------------
    def _session_id(self, context: Context, generation: int, digest: str) -> str:
        """The SessionId of ``generation``: ``session_id`` as given (``-g<n>`` added from generation 1), else
        derived from DAG, run, task, map index, generation and the request's digest."""
        if self.session_id is not None:
            text = f"{self.session_id}"
            suffix = f"-g{generation}"
            return text if generation == 0 or not text else f"{text[: contract.SESSION_ID_MAX - len(suffix)]}{suffix}"
        ti = context["ti"]
        map_index = getattr(ti, "map_index", -1)
        return derive_session_id(
            ti.dag_id, ti.run_id, ti.task_id, -1 if map_index is None else int(map_index), generation, digest
        )

    def _request(self, sub_app_id: int | None) -> dict[str, Any]:
        """The validated request without its SessionId (``session_id`` is checked too)."""
        params = self.build_params(None if self.session_id in (None, "") else f"{self.session_id}", sub_app_id)
        params.pop("SessionId", None)
        return params

    def _check_output_path(self) -> None:
        """A local ``output_path`` must be an existing folder (checked before anything is submitted)."""
        text = f"{self.output_path or ''}"
        if not text or ("://" in text and not text.startswith("file://")):
            return
        folder = Path(os.path.expanduser(text.removeprefix("file://")))
        if not folder.is_dir():
            raise TencentCloudInputError(
                f"output_path {text!r}: no such local folder; create it first (no task was submitted)",
                field="output_path",
                limit="an existing local folder",
                actual="missing folder",
            )

    def _stored(self, store: Any, digest: str) -> dict[str, Any] | None:
        """The stored record when it belongs to this request (same digest and ``session_id``), else ``None``.

        A record of an earlier release has no digest: it is returned marked ``legacy`` (its task's Input is
        compared instead).
        """
        record: Any = store.get(STATE_KEY) if store is not None else None
        if not isinstance(record, dict):
            return None
        if "digest" not in record:
            return {**record, "legacy": True}
        if record.get("digest") != digest or record.get("session_base", "") != f"{self.session_id or ''}":
            self.log.info(
                "the stored AIGC task %s was made from another request (inputs or session_id changed since): "
                "not reattaching; submitting for this request",
                record.get("TaskId") or "-",
            )
            return None
        return record

    def _check_input(
        self, task_id: str, request: dict[str, Any], outcome: TaskOutcome, session: str, *, proven: bool = False
    ) -> bool:
        """Whether task ``task_id`` is this request's, from its ``Input``; raises when it is not (unless legacy).

        ``proven``: the request's digest already ties the task to this request (a stored record with the same
        digest, or a derived SessionId, which embeds it): a difference is then an echo the service shows
        otherwise (trimmed, enhanced...) and is only logged.
        """
        differing = input_differences(request, outcome.echoed_input)
        if not differing:
            return True
        names = ", ".join(f"{self.action_contract.field(k).arg} ({k})" for k in differing)
        if proven:
            self.log.warning(
                "AIGC task %s shows %s otherwise than this request, but its SessionId/stored digest is this "
                "request's: reattaching",
                task_id,
                names,
            )
            return True
        if session == "legacy":
            self.log.warning("the stored AIGC task %s was made from other inputs (%s): not reattaching", task_id, names)
            return False
        hint = (
            f"set another session_id (this one, {session}, is taken for three days from its first submit), or "
            "leave session_id unset to derive one from the request"
        )
        raise VodAigcRequestMismatchError(
            f"{self.action_contract.action}: AIGC task {task_id} (SessionId {session}) was made from another "
            f"request - {names} differ(s) - so it is not this request's result; not returning it, and not "
            f"submitting another task under the same SessionId: {hint}"
        )

    def _read_known(self, task_id: str, sub_app_id: int | None) -> TaskOutcome | None:
        """The state of a task found earlier; ``None`` when the service no longer knows it."""
        try:
            return self._describe(task_id, sub_app_id)
        except TencentCloudAPIError as exc:
            if exc.code != contract.TASK_NOT_FOUND:
                raise
        self.log.warning(
            "AIGC task %s is unknown to the service (%s; it shows the tasks of the last %d hours only)",
            task_id,
            contract.TASK_NOT_FOUND,
            contract.TASK_VISIBLE_SECONDS // 3600,
        )
        return None

    # -- execution -------------------------------------------------------------------------------
    def execute(self, context: Context) -> Any:
        sub_app_id = self.hook.resolve_sub_app_id(self.sub_app_id)
        request = self._request(sub_app_id)
        self._check_output_path()
        digest = request_digest(request)
        deadline = time.time() + self.timeout
        stored = self._stored(context.get("task_state_store"), digest)
        generation = int((stored or {}).get("generation") or 0)
        if stored and stored.get("TaskId"):
            outcome = self._stored_outcome(stored, request, sub_app_id)
            if outcome is not None and not (outcome.failed and outcome.retryable):
                return self._reattach(context, outcome, stored, sub_app_id, digest, deadline)
            if outcome is not None:
                generation += 1
                self.log.warning(
                    "AIGC task %s of an earlier try failed (%s): submitting a new one",
                    outcome.task_id,
                    outcome.err_code_ext,
                )
        task_id, session_id, generation = self._submit(context, request, digest, generation, sub_app_id)
        return self._wait(context, task_id, sub_app_id, session_id, generation=generation, deadline=deadline)

    def _stored_outcome(
        self, stored: dict[str, Any], request: dict[str, Any], sub_app_id: int | None
    ) -> TaskOutcome | None:
        """The stored task's state; ``None`` when the service no longer knows it, or (a record of an earlier
        release) it was made from other inputs: a new task is then submitted."""
        task_id = f"{stored['TaskId']}"
        outcome = self._read_known(task_id, sub_app_id)
        if outcome is None:
            self.log.warning("the stored AIGC task %s is gone: submitting a new task for this request", task_id)
            return None
        legacy = bool(stored.get("legacy"))
        session = "legacy" if legacy else f"{stored.get('SessionId')}"
        if not self._check_input(task_id, request, outcome, session, proven=not legacy):
            return None
        return outcome

    def _reattach(
        self,
        context: Context,
        outcome: TaskOutcome,
        stored: dict[str, Any],
        sub_app_id: int | None,
        digest: str,
        deadline: float,
    ) -> Any:
        """Go on with the stored task of an earlier try: its result, its failure (for good), or the wait."""
        if outcome.failed:
            return self._finish(context, outcome, sub_app_id)  # raises, for good
        task_id, session_id = outcome.task_id, stored.get("SessionId")
        generation = int(stored.get("generation") or 0)
        self.log.info("reattaching to AIGC task %s (%s), submitted by an earlier try", task_id, outcome.status)
        self._remember(context, task_id, session_id, generation, sub_app_id, digest)
        if outcome.done:
            return self._finish(context, outcome, sub_app_id)
        return self._wait(context, task_id, sub_app_id, session_id, generation=generation, deadline=deadline)

    def _submit(
        self, context: Context, request: dict[str, Any], digest: str, generation: int, sub_app_id: int | None
    ) -> tuple[str, str, int]:
        """Submit ``request`` (never twice): ``(TaskId, SessionId, generation)``, the TaskId stored before any wait.

        A SessionId refused as a repeat means "submitted before": its task is found (``DescribeTasks``) and
        reattached when it is this request's; when it failed retryably (an earlier try, and no
        ``task_state_store`` to say so), the next generation's SessionId is submitted.
        """
        for _ in range(MAX_GENERATIONS):
            session_id = self._session_id(context, generation, digest)
            params = {**request, "SessionId": session_id} if session_id else dict(request)
            found = self._create(params, session_id, sub_app_id)
            if found is None:
                raise TencentCloudError(
                    f"{self.action_contract.action}: SessionId {session_id} was already submitted (the service "
                    "refused the repeat) but the service shows no task with it; not submitting another. Look for "
                    "it in the VOD console, or set session_id to submit anew"
                )
            task_id, submitted = found
            if not submitted:
                outcome = self._read_known(task_id, sub_app_id)
                if outcome is None:
                    raise TencentCloudError(f"AIGC task {task_id} of SessionId {session_id} cannot be read")
                self._check_input(task_id, request, outcome, session_id, proven=self.session_id is None)
                if outcome.failed and outcome.retryable:
                    self.log.warning(
                        "AIGC task %s of SessionId %s (an earlier try) failed (%s): submitting a new one",
                        task_id,
                        session_id,
                        outcome.err_code_ext,
                    )
                    generation += 1
                    continue
            self._remember(context, task_id, session_id, generation, sub_app_id, digest)
            return task_id, session_id, generation
        raise TencentCloudError(
            f"{self.action_contract.action}: {MAX_GENERATIONS} tasks of this task instance failed; not submitting more"
        )

    def _create(self, params: dict[str, Any], session_id: str, sub_app_id: int | None) -> tuple[str, bool] | None:
        """``(TaskId, True)`` for a new task; ``(TaskId, False)`` for the one a refused SessionId names; ``None``
        when the refused SessionId's task cannot be found."""
        action = self.action_contract.action
        try:
            response = self.hook.create_aigc_task(action, params)
        except TencentCloudAPIError as exc:
            if exc.code not in contract.SESSION_DUPLICATE_CODES or exc.kind is not ErrorKind.CONFLICT:
                raise
            self.log.info("SessionId %s was submitted before (%s): finding its task", session_id, exc.code)
            found = self.hook.find_task_by_session(session_id, sub_app_id)
            if found is not None:
                self.log.info("found AIGC task %s of SessionId %s: not submitting again", found, session_id)
            return None if found is None else (found, False)
        task_id = f"{response['TaskId']}"
        self.record_lineage(request_ids=[response.get("RequestId")])
        self.log.info(
            "submitted AIGC task %s (SessionId %s, RequestId %s)", task_id, session_id, response.get("RequestId")
        )
        return task_id, True

    def _after_refusal(
        self, context: Context, outcome: TaskOutcome, sub_app_id: int | None, generation: int, deadline: float
    ) -> tuple[str, str | None, int] | None:
        """After a task refused for the account's concurrency: pause, then submit the next generation.

        The pause grows from ``poll_interval`` by ``backoff`` up to ``max_poll_interval``; deferred, it is spent
        in the triggerer (:class:`~airflow_provider_tencent.triggers.vod.VodAigcPauseTrigger`). ``None`` when the
        task was not refused so, or when the pause would pass the deadline (the refusal is then raised).
        """
        if not outcome.failed or outcome.err_code_ext not in contract.TASK_ERR_RESUBMIT:
            return None
        pause = min(self.max_poll_interval, self.poll_interval * self.backoff ** min(generation, 30))
        if time.time() + pause >= deadline:
            return None
        self.log.info(
            "AIGC task %s was refused: the account's AIGC concurrency is in use (%s); submitting again in %.1f s",
            outcome.task_id,
            outcome.err_code_ext,
            pause,
        )
        if self.deferrable:
            from airflow_provider_tencent.triggers.vod import VodAigcPauseTrigger

            self.defer(
                trigger=VodAigcPauseTrigger(until=time.time() + pause),
                method_name="resume_after_pause",
                kwargs={"sub_app_id": sub_app_id, "generation": generation + 1, "deadline": deadline},
                timeout=timedelta(seconds=pause + 60),
            )
        time.sleep(pause)
        return self._submit_generation(context, sub_app_id, generation + 1)

    def _submit_generation(self, context: Context, sub_app_id: int | None, generation: int) -> tuple[str, str, int]:
        request = self._request(sub_app_id)
        return self._submit(context, request, request_digest(request), generation, sub_app_id)

    def resume_after_pause(
        self, context: Context, event: dict[str, Any], sub_app_id: int | None, generation: int, deadline: float
    ) -> Any:
        """Back in the worker after a pause (:meth:`_after_refusal`): submit the next generation and wait for it."""
        task_id, session_id, generation = self._submit_generation(context, sub_app_id, generation)
        return self._wait(context, task_id, sub_app_id, session_id, generation=generation, deadline=deadline)

    def _remember(
        self,
        context: Context,
        task_id: str,
        session_id: str | None,
        generation: int,
        sub_app_id: int | None,
        digest: str,
    ) -> None:
        """Persist the TaskId before any wait (task_state_store), and show it (XCom ``aigc_task_id``, link).

        The record names the request (``digest``, ``session_base``): a re-run with other inputs or another
        ``session_id`` does not reattach to it.
        """
        store = context.get("task_state_store")
        if store is not None:
            record: dict[str, Any] = {
                "TaskId": task_id,
                "SessionId": session_id,
                "generation": generation,
                "digest": digest,
                "session_base": f"{self.session_id or ''}",
            }
            store.set(STATE_KEY, record, retention=STATE_RETENTION)
        else:
            self.log.warning("no task_state_store (Airflow < 3.3): a retry relies on the SessionId alone")
        ti = context["ti"]
        ti.xcom_push(key="aigc_task_id", value=task_id)
        VodAigcTaskLink.persist(context, taskId=task_id, subAppId=sub_app_id)

    def _on_failed(self, context: Context, outcome: TaskOutcome) -> None:
        store = context.get("task_state_store")
        if store is None or not outcome.retryable:
            return
        stored: Any = store.get(STATE_KEY)
        if not isinstance(stored, dict) or stored.get("TaskId") != outcome.task_id:
            return
        # the retry must not reattach to the failed task, nor be refused as its duplicate
        store.set(
            STATE_KEY,
            {**stored, "TaskId": "", "SessionId": "", "generation": int(stored.get("generation") or 0) + 1},
            retention=STATE_RETENTION,
        )


class VodCreateAigcVideoOperator(_VodCreateAigcTaskOperator):
    """Generate a video with VOD ``CreateAigcVideoTask`` (API 2018-07-17) and wait for it; see the module docs.

    :param element_ids: AIGC subjects (``ElementId``) to keep in the video: a list, a JSON or Python list text
        (a rendered template), a comma-separated string, or an ``XComArg``
        (``VodCreateAigcElementOperator(...).output``, mapped or not). Each becomes ``SubjectInfos[].Id`` (the
        Kling model requires it). Templated.
    :param subject_infos: full ``SubjectInfos`` objects (``Id``, ``Name``, ``VoiceId``...), added after
        ``element_ids``.
    :param model_name: ``ModelName`` (default ``Kling``); ``model_version``: ``ModelVersion``, required (no default
        in the API; one of the model's versions, :data:`~airflow_provider_tencent.contracts.vod.VIDEO_MODEL_VERSIONS`).
    :param prompt: ``Prompt``, at most 1000 characters; required without ``file_infos``.
    :param negative_prompt: ``NegativePrompt``, at most 1000 characters.
    :param output_config: ``OutputConfig`` (``StorageMode``, ``Duration``, ``Resolution``, ``AspectRatio``...):
        a dict, or its JSON (or Python) text; ``file_infos`` and ``subject_infos`` likewise as lists.
    :param file_infos: ``FileInfos``; likewise ``last_frame_file_id``, ``last_frame_url``, ``enhance_prompt``,
        ``input_region``, ``scene_type``, ``seed``, ``session_context``, ``tasks_priority``, ``ext_info`` and
        ``procedure`` are the request fields of the same names.
    :param session_id: the de-duplication key; default derived from DAG, run, task, map index and the
        request. ``""`` switches de-duplication off (then an ambiguous submit fails saying a task may exist).
        A given ``session_id`` found on a task made from another request fails the task (never its result).
    :param sub_app_id: ``SubAppId``; default: the connection extra ``sub_app_id``. Required: without either the
        request is refused before sending.
    :param output_path: a ``cos://``/``s3://`` (or existing local) folder: the output files are streamed there
        as ``<TaskId>-<n>.<type>`` (under a temporary name, renamed when whole) and their paths returned under
        ``"paths"``.
    :param deferrable: wait in the triggerer (default: ``[operators] default_deferrable``).
    :param poll_interval: seconds between two ``DescribeTaskDetail`` reads at first (default 10), growing by
        ``backoff`` (default 1.5) up to ``max_poll_interval`` (default 60).
    :param timeout: seconds to wait for the task (default two hours, at most 72 hours); then it fails leaving
        the task running. ``timeout``, ``poll_interval``, ``max_poll_interval`` and ``backoff`` must be finite
        numbers: anything else is refused when the operator is built.
    :return: ``{"TaskId", "Status", "files": [{"FileUrl" (no query string), "FileType", ...}], "paths"?}``.
    """

    action_contract = contract.CREATE_AIGC_VIDEO_TASK
    lineage_action = contract.CREATE_AIGC_VIDEO_TASK.action
    template_fields: Sequence[str] = (
        *_VodCreateAigcTaskOperator.common_template_fields,
        "element_ids",
        "subject_infos",
        "last_frame_file_id",
        "last_frame_url",
        "procedure",
    )
    template_fields_renderers: ClassVar[dict[str, str]] = {
        "file_infos": "json",
        "output_config": "json",
        "subject_infos": "json",
    }

    def __init__(
        self,
        *,
        element_ids: Any = None,
        subject_infos: list[dict[str, Any]] | None = None,
        model_name: str = "Kling",
        last_frame_file_id: str | None = None,
        last_frame_url: str | None = None,
        procedure: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(model_name=model_name, **kwargs)
        self.element_ids = element_ids
        self.subject_infos = subject_infos
        self.last_frame_file_id = last_frame_file_id
        self.last_frame_url = last_frame_url
        self.procedure = procedure

    def extra_params(self) -> dict[str, Any]:
        subjects = [{"Id": element_id} for element_id in _element_ids(self.element_ids)]
        subjects += [dict(s) for s in _structured(self.subject_infos, "subject_infos", list) or []]
        return {
            "SubjectInfos": subjects or None,
            "LastFrameFileId": self.last_frame_file_id,
            "LastFrameUrl": self.last_frame_url,
            "Procedure": self.procedure,
        }


class VodCreateAigcImageOperator(_VodCreateAigcTaskOperator):
    """Generate pictures with VOD ``CreateAigcImageTask`` (API 2018-07-17) and wait for them.

    Same arguments, de-duplication, waiting and result as :class:`VodCreateAigcVideoOperator`, without the
    video-only fields; ``model_name`` and ``model_version`` are required (``IMAGE_MODEL_VERSIONS``), and
    ``output_config`` takes ``AigcImageOutputConfig`` (``Resolution``, ``AspectRatio``, ``OutputImageCount``...).
    """

    action_contract = contract.CREATE_AIGC_IMAGE_TASK
    lineage_action = contract.CREATE_AIGC_IMAGE_TASK.action
    template_fields: Sequence[str] = _VodCreateAigcTaskOperator.common_template_fields
