"""VOD AIGC generation: ``VodCreateAigcVideoOperator`` and ``VodCreateAigcImageOperator``.

(Formerly ``CreateAigcVideoOperator`` and ``CreateAigcImageOperator``: those names still import.)

From subjects to a finished video: ``element_ids`` (a list, or the ``.output`` of
``VodCreateAigcElementOperator``, mapped or not) become ``SubjectInfos[].Id`` of one ``CreateAigcVideoTask``;
the task is then waited for - in the triggerer when ``deferrable`` (the default follows Airflow's
``[operators] default_deferrable``), else in the worker - and its files are optionally copied to object
storage.

**Never pay twice.** A generation task costs money, so:

1. every request carries a ``SessionId`` derived from the DAG, run, task and map index (overridable with
   ``session_id``): the service refuses a repeat within three days (``InvalidParameterValue.SessionId``),
   and that refusal is read as "already submitted" - the task is then found with ``DescribeTasks`` by its
   SessionId;
2. the ``TaskId`` is stored in Airflow's ``task_state_store`` (AIP-103, Airflow >= 3.3) right after the
   submit, before any wait: a retry after a worker crash, a wait timeout or a triggerer restart reads it
   and reattaches (a triggerer restart needs nothing: the trigger's serialised state holds the TaskId).
   Without a ``task_state_store`` (older Airflow), (1) alone protects;
3. a submit whose outcome is unknown without a SessionId (``session_id=""`` switches de-duplication off)
   fails with the RequestId, saying a task may exist.

**Terminal states.** Success returns ``{"TaskId", "Status", "files": [...]}`` (and ``"paths"`` when copied)
through XCom. A task that ended with an error raises with its ``ErrCode``, ``ErrCodeExt`` and message; it is
retried (a new task with a new SessionId, by Airflow's ``retries``) only when its ``ErrCodeExt`` says a new
task may succeed (:data:`airflow_provider_tencent.contracts.vod.TASK_ERR_RETRYABLE`: throttling, backlog,
internal errors, timeouts, a failed generation); content, parameter and cancellation errors fail for good.
A wait that runs out (``timeout``, or the task's ``execution_timeout``) leaves the remote task running and
says how to find it; a retry reattaches to it.

**Lineage** (OpenLineage): inputs the subjects (``tencentcloud-vod://<region>``, name the ``ElementId``) and
the files the request names (``FileInfos``, ``LastFrameUrl``/``LastFrameFileId``: a URL by its address
without query string, a VOD file by its ``FileId`` in ``tencentcloud-vod://<region>``); outputs the files
copied to ``output_path``, else the finished task (``tencentcloud-vod://<region>``, name the ``TaskId``);
action ``CreateAigcVideoTask``/``CreateAigcImageTask``; RequestIds of the submit and of each
``DescribeTaskDetail`` read by this worker process (after a deferral: those read after it).
:class:`~airflow_provider_tencent.sensors.aigc.VodAigcTaskSensor` reads the task (an input) and writes only
the files it copies.

**Secrets.** Output URLs can carry signatures: XCom gets them without their query string
(``FileUrl``); the full URL is used only in the worker, to copy the file. The trigger serialises ids only.

The wait, the errors and the SessionId are in :mod:`~airflow_provider_tencent.operators.aigc_wait`.
Importing this module imports no Tencent Cloud SDK module, no s3fs and no boto.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from airflow_provider_tencent.compat import default_deferrable
from airflow_provider_tencent.contracts import ErrorKind
from airflow_provider_tencent.contracts import vod as contract
from airflow_provider_tencent.exceptions import TencentCloudAPIError, TencentCloudError
from airflow_provider_tencent.hooks.vod import TencentVodHook
from airflow_provider_tencent.links.console import VodAigcTaskLink
from airflow_provider_tencent.operators.aigc_wait import (
    DEFAULT_TIMEOUT,
    STATE_KEY,
    STATE_RETENTION,
    AigcTaskFailedError,
    AigcTaskFailedForGoodError,
    AigcTaskWaitMixin,
    AigcWaitTimeoutError,
    _AigcTaskWaitMixin,
    _element_ids,
    derive_session_id,
    public_files,
)
from airflow_provider_tencent.operators.base import TencentCloudBaseOperator
from airflow_provider_tencent.payloads.vod import generation_problems
from airflow_provider_tencent.triggers.aigc import TaskOutcome, task_outcome
from airflow_provider_tencent.validation import raise_if

if TYPE_CHECKING:
    from airflow.sdk.definitions.context import Context

__all__ = [
    "DEFAULT_TIMEOUT",
    "STATE_KEY",
    "STATE_RETENTION",
    "AigcTaskFailedError",
    "AigcTaskFailedForGoodError",
    "AigcTaskWaitMixin",
    "AigcWaitTimeoutError",
    "CreateAigcImageOperator",
    "CreateAigcVideoOperator",
    "VodAigcTaskLink",
    "VodCreateAigcImageOperator",
    "VodCreateAigcVideoOperator",
    "_AigcTaskWaitMixin",
    "derive_session_id",
    "public_files",
]


class _CreateAigcTaskOperator(AigcTaskWaitMixin, TencentCloudBaseOperator[TencentVodHook]):
    """Submit one AIGC generation task (never twice), then wait for it. See the module docstring."""

    hook_class = TencentVodHook
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
        if float(poll_interval) <= 0 or float(max_poll_interval) < float(poll_interval) or float(backoff) < 1:
            raise ValueError("need 0 < poll_interval <= max_poll_interval and backoff >= 1")
        if float(timeout) <= 0:
            raise ValueError(f"timeout must be > 0 seconds, got {timeout!r}")
        self.poll_interval = float(poll_interval)
        self.max_poll_interval = float(max_poll_interval)
        self.backoff = float(backoff)
        self.timeout = float(timeout)

    # -- the request -----------------------------------------------------------------------------
    def extra_params(self) -> dict[str, Any]:
        return {}

    def lineage_inputs(self, region: str) -> list[tuple[str, str]]:
        """The subjects and files the request names (OpenLineage inputs; see the module docstring)."""
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
        seed = self.seed
        priority = self.tasks_priority
        shape: dict[str, Any] = {
            "SubAppId": sub_app_id,
            "ModelName": self.model_name,
            "ModelVersion": None if self.model_version in (None, "") else f"{self.model_version}",
            "Prompt": self.prompt,
            "NegativePrompt": self.negative_prompt,
            "EnhancePrompt": self.enhance_prompt,
            "FileInfos": self.file_infos,
            "OutputConfig": self.output_config,
            "InputRegion": self.input_region,
            "SceneType": self.scene_type,
            "Seed": int(seed) if isinstance(seed, str) and seed.strip().lstrip("-").isdigit() else seed,
            "SessionId": session_id,
            "SessionContext": self.session_context,
            "TasksPriority": int(priority) if isinstance(priority, str) and priority.strip() else priority,
            "ExtInfo": self.ext_info,
            **self.extra_params(),
        }
        raise_if(generation_problems(self.action_contract, shape), self.action_contract.action, self.task_id)
        return {k: v for k, v in shape.items() if v not in (None, "", [])}

    def _session_id(self, context: Context, generation: int) -> str:
        if self.session_id is not None:
            text = f"{self.session_id}"
            return text if generation == 0 or not text else f"{text[: contract.SESSION_ID_MAX - 4]}-g{generation}"
        ti = context["ti"]
        map_index = getattr(ti, "map_index", -1)
        return derive_session_id(
            ti.dag_id, ti.run_id, ti.task_id, -1 if map_index is None else int(map_index), generation
        )

    # -- execution -------------------------------------------------------------------------------
    def execute(self, context: Context) -> Any:
        sub_app_id = self.hook.resolve_sub_app_id(self.sub_app_id)
        store = context.get("task_state_store")
        stored: Any = store.get(STATE_KEY) if store is not None else None
        generation = 0
        if isinstance(stored, dict) and stored.get("TaskId"):
            task_id = f"{stored['TaskId']}"
            generation = int(stored.get("generation") or 0)
            outcome = task_outcome(task_id, self._detail(task_id, sub_app_id))
            if not outcome.failed:
                self.log.info("reattaching to AIGC task %s (%s), submitted by an earlier try", task_id, outcome.status)
                self._remember(context, store, task_id, stored.get("SessionId"), generation, sub_app_id)
                if outcome.done:
                    return self._finish(context, outcome, sub_app_id)
                return self._wait(context, task_id, sub_app_id, stored.get("SessionId"))
            if not outcome.retryable:
                return self._finish(context, outcome, sub_app_id)  # raises, for good
            generation += 1
            self.log.warning(
                "AIGC task %s of an earlier try failed (%s): submitting a new one", task_id, outcome.err_code_ext
            )
        elif isinstance(stored, dict):
            generation = int(stored.get("generation") or 0)
        session_id = self._session_id(context, generation)
        params = self.build_params(session_id or None, sub_app_id)
        task_id = self._submit(params, session_id, sub_app_id)
        self._remember(context, store, task_id, session_id, generation, sub_app_id)
        return self._wait(context, task_id, sub_app_id, session_id)

    def _submit(self, params: dict[str, Any], session_id: str, sub_app_id: int | None) -> str:
        action = self.action_contract.action
        try:
            response = self.hook.create_aigc_task(action, params)
        except TencentCloudAPIError as exc:
            if exc.code != contract.SESSION_DUPLICATE or exc.kind is not ErrorKind.CONFLICT:
                raise
            self.log.info("SessionId %s was submitted before (refused as a repeat): finding its task", session_id)
            found = self.hook.find_task_by_session(session_id, sub_app_id)
            if found is None:
                raise TencentCloudError(
                    f"{action}: SessionId {session_id} was already submitted (the service refused the repeat, "
                    f"RequestId {exc.request_id}) but DescribeTasks lists no task with it; not submitting "
                    "another. Look for it in the VOD console, or set session_id to submit anew"
                ) from None
            self.log.info("found AIGC task %s of SessionId %s: not submitting again", found, session_id)
            return found
        task_id = f"{response['TaskId']}"
        self.record_lineage(request_ids=[response.get("RequestId")])
        self.log.info(
            "submitted AIGC task %s (SessionId %s, RequestId %s)", task_id, session_id, response.get("RequestId")
        )
        return task_id

    def _remember(
        self,
        context: Context,
        store: Any,
        task_id: str,
        session_id: str | None,
        generation: int,
        sub_app_id: int | None,
    ) -> None:
        """Persist the TaskId before any wait (task_state_store), and show it (XCom ``aigc_task_id``, link)."""
        if store is not None:
            store.set(
                STATE_KEY,
                {"TaskId": task_id, "SessionId": session_id, "generation": generation},
                retention=STATE_RETENTION,
            )
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
        generation = int(stored.get("generation") or 0) if isinstance(stored, dict) else 0
        # the retry must not reattach to the failed task, nor be refused as its duplicate
        store.set(STATE_KEY, {"TaskId": "", "SessionId": "", "generation": generation + 1}, retention=STATE_RETENTION)


class VodCreateAigcVideoOperator(_CreateAigcTaskOperator):
    """Generate a video with VOD ``CreateAigcVideoTask`` (API 2018-07-17) and wait for it; see the module docs.

    :param element_ids: AIGC subjects (``ElementId``) to keep in the video: a list, a comma-separated
        string, or an ``XComArg`` (``VodCreateAigcElementOperator(...).output``, mapped or not). Each becomes
        ``SubjectInfos[].Id`` (the Kling model requires it). Templated.
    :param subject_infos: full ``SubjectInfos`` objects (``Id``, ``Name``, ``VoiceId``...), added after
        ``element_ids``.
    :param model_name: ``ModelName`` (default ``Kling``); ``model_version``: ``ModelVersion``, required (no default
        in the API; one of the model's versions, :data:`~airflow_provider_tencent.contracts.vod.VIDEO_MODEL_VERSIONS`).
    :param prompt: ``Prompt``, at most 1000 characters; required without ``file_infos``.
    :param negative_prompt: ``NegativePrompt``, at most 1000 characters.
    :param output_config: ``OutputConfig`` (``StorageMode``, ``Duration``, ``Resolution``, ``AspectRatio``...).
    :param file_infos: ``FileInfos``; likewise ``last_frame_file_id``, ``last_frame_url``, ``enhance_prompt``,
        ``input_region``, ``scene_type``, ``seed``, ``session_context``, ``tasks_priority``, ``ext_info`` and
        ``procedure`` are the request fields of the same names.
    :param session_id: the de-duplication key; default derived from DAG, run, task and map index. ``""``
        switches de-duplication off (then an ambiguous submit fails saying a task may exist).
    :param sub_app_id: ``SubAppId``; default: the connection extra ``sub_app_id``. Required: without either the
        request is refused before sending.
    :param output_path: a ``cos://``/``s3://`` (or local) folder: the output files are streamed there as
        ``<TaskId>-<n>.<type>`` and their paths returned under ``"paths"``.
    :param deferrable: wait in the triggerer (default: ``[operators] default_deferrable``).
    :param poll_interval: seconds between two ``DescribeTaskDetail`` reads at first (default 10), growing by
        ``backoff`` (default 1.5) up to ``max_poll_interval`` (default 60).
    :param timeout: seconds to wait for the task (default two hours); then it fails leaving the task running.
    :return: ``{"TaskId", "Status", "files": [{"FileUrl" (no query string), "FileType", ...}], "paths"?}``.
    """

    action_contract = contract.CREATE_AIGC_VIDEO_TASK
    lineage_action = contract.CREATE_AIGC_VIDEO_TASK.action
    template_fields: Sequence[str] = (
        *_CreateAigcTaskOperator.common_template_fields,
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
        subjects += [dict(s) for s in self.subject_infos or []]
        return {
            "SubjectInfos": subjects or None,
            "LastFrameFileId": self.last_frame_file_id,
            "LastFrameUrl": self.last_frame_url,
            "Procedure": self.procedure,
        }


class VodCreateAigcImageOperator(_CreateAigcTaskOperator):
    """Generate pictures with VOD ``CreateAigcImageTask`` (API 2018-07-17) and wait for them.

    Same arguments, de-duplication, waiting and result as :class:`VodCreateAigcVideoOperator`, without the
    video-only fields; ``model_name`` and ``model_version`` are required (``IMAGE_MODEL_VERSIONS``), and
    ``output_config`` takes ``AigcImageOutputConfig`` (``Resolution``, ``AspectRatio``, ``OutputImageCount``...).
    """

    action_contract = contract.CREATE_AIGC_IMAGE_TASK
    lineage_action = contract.CREATE_AIGC_IMAGE_TASK.action
    template_fields: Sequence[str] = _CreateAigcTaskOperator.common_template_fields


#: The earlier name (``CreateAigcVideoOperator``): the same class.
CreateAigcVideoOperator = VodCreateAigcVideoOperator
#: The earlier name (``CreateAigcImageOperator``): the same class.
CreateAigcImageOperator = VodCreateAigcImageOperator
