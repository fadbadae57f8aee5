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
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from airflow_provider_tencent.compat import default_deferrable
from airflow_provider_tencent.contracts import vod as contract
from airflow_provider_tencent.exceptions import (
    TencentCloudInputError,
)
from airflow_provider_tencent.hooks.vod import VodHook
from airflow_provider_tencent.links.vod import VodAigcTaskLink
from airflow_provider_tencent.operators.base import TencentCloudBaseOperator
from airflow_provider_tencent.operators.vod.request import element_ids, request_digest, structured
from airflow_provider_tencent.operators.vod.submit import VodAigcSubmitMixin
from airflow_provider_tencent.operators.vod.wait import DEFAULT_TIMEOUT, wait_setting
from airflow_provider_tencent.payloads.vod import generation_problems
from airflow_provider_tencent.validation import raise_if, strict_bool, template_int

if TYPE_CHECKING:
    from airflow.sdk.definitions.context import Context


__all__ = ["VodCreateAigcImageOperator", "VodCreateAigcVideoOperator"]


class _VodCreateAigcTaskOperator(VodAigcSubmitMixin, TencentCloudBaseOperator[VodHook]):
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
        wait_for_completion: bool = True,
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
        self.wait_for_completion = strict_bool("wait_for_completion", wait_for_completion)
        self.poll_interval = wait_setting("poll_interval", poll_interval)
        self.max_poll_interval = wait_setting("max_poll_interval", max_poll_interval)
        self.backoff = wait_setting("backoff", backoff)
        self.timeout = wait_setting("timeout", timeout)
        self._check_wait_arguments()

    def _check_wait_arguments(self) -> None:
        """What the wait settings must agree on, checked when the operator is built.

        :raises TencentCloudInputError: ``max_poll_interval`` below ``poll_interval``, or an ``output_path``
            without the wait that copies the files.
        """
        if self.max_poll_interval < self.poll_interval:
            raise TencentCloudInputError(
                f"max_poll_interval ({self.max_poll_interval:g}) must be >= poll_interval ({self.poll_interval:g})",
                field="max_poll_interval",
                limit=f">= poll_interval ({self.poll_interval:g})",
                actual=f"{self.max_poll_interval:g}",
            )
        if not self.wait_for_completion and self.output_path:
            raise TencentCloudInputError(
                "output_path needs wait_for_completion=True: the files exist only when the task has finished "
                "(give output_path to the VodAigcTaskSensor that waits for it)",
                field="output_path",
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
            "FileInfos": structured(self.file_infos, "file_infos", list),
            "OutputConfig": structured(self.output_config, "output_config", dict),
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
        if not self.wait_for_completion:
            return self._submitted(task_id, session_id)
        return self._wait(context, task_id, sub_app_id, session_id, generation=generation, deadline=deadline)


class VodCreateAigcVideoOperator(_VodCreateAigcTaskOperator):
    """Generate a video with VOD ``CreateAigcVideoTask`` (API 2018-07-17) and wait for it; see the module docs.

    :param element_ids: AIGC subjects (``ElementId``) to keep in the video: a list, a JSON or Python list text
        (a rendered template), a comma-separated string, or an ``XComArg``
        (``VodCreateAigcElementOperator(...).output``, mapped or not). Each becomes ``SubjectInfos[].Id`` (the
        Kling model requires it). Templated.
    :param subject_infos: full ``SubjectInfos`` objects (``Id``, ``Name``, ``VoiceId``...), added after
        ``element_ids``.
    :param model_name: ``ModelName`` (default ``Kling``).
    :param model_version: ``ModelVersion``, required (no default in the API; one of the model's versions,
        :data:`~airflow_provider_tencent.contracts.vod.VIDEO_MODEL_VERSIONS`).
    :param prompt: ``Prompt``, at most 1000 characters; required without ``file_infos``.
    :param negative_prompt: ``NegativePrompt``, at most 1000 characters.
    :param output_config: ``OutputConfig`` (``StorageMode``, ``Duration``, ``Resolution``, ``AspectRatio``...):
        a dict, or its JSON (or Python) text; ``file_infos`` and ``subject_infos`` likewise as lists.
    :param file_infos: ``FileInfos``: reference pictures or videos.
    :param last_frame_file_id: ``LastFrameFileId``.
    :param last_frame_url: ``LastFrameUrl``.
    :param enhance_prompt: ``EnhancePrompt`` (``Enabled``/``Disabled``).
    :param input_region: ``InputRegion``.
    :param scene_type: ``SceneType``.
    :param seed: ``Seed``.
    :param session_context: ``SessionContext``.
    :param tasks_priority: ``TasksPriority`` (an integer).
    :param ext_info: ``ExtInfo``.
    :param procedure: ``Procedure``: a VOD task flow to run on the output.
    :param session_id: the de-duplication key; default derived from DAG, run, task, map index and the
        request. ``""`` switches de-duplication off (then an ambiguous submit fails saying a task may exist).
        A given ``session_id`` found on a task made from another request fails the task (never its result).
    :param sub_app_id: ``SubAppId``; default: the connection extra ``sub_app_id``. Required: without either the
        request is refused before sending.
    :param output_path: a ``cos://``/``s3://`` (or existing local) folder: the output files are streamed there
        as ``<TaskId>-<n>.<type>`` (under a temporary name, renamed when whole) and their paths returned under
        ``"paths"``.
    :param deferrable: wait in the triggerer (default: ``[operators] default_deferrable``).
    :param wait_for_completion: ``False``: submit (still never twice), push the TaskId and end at once, returning
        ``{"TaskId", "SessionId"}``; a :class:`~airflow_provider_tencent.sensors.vod.VodAigcTaskSensor` waits for
        it elsewhere (``output_path`` then belongs to the sensor). ``true``/``false`` only: any other value is refused.
    :param poll_interval: seconds between two ``DescribeTaskDetail`` reads at first (default 10).
    :param max_poll_interval: the longest interval between two reads (default 60).
    :param backoff: the factor by which the interval grows after each read (default 1.5).
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
        subjects = [{"Id": element_id} for element_id in element_ids(self.element_ids)]
        subjects += [dict(s) for s in structured(self.subject_infos, "subject_infos", list) or []]
        return {
            "SubjectInfos": subjects or None,
            "LastFrameFileId": self.last_frame_file_id,
            "LastFrameUrl": self.last_frame_url,
            "Procedure": self.procedure,
        }


class VodCreateAigcImageOperator(_VodCreateAigcTaskOperator):
    """Generate pictures with VOD ``CreateAigcImageTask`` (API 2018-07-17) and wait for them.

    De-duplication, waiting and result are those of :class:`VodCreateAigcVideoOperator` (``docs/operators``).

    :param model_name: ``ModelName``, required (:data:`~airflow_provider_tencent.contracts.vod.IMAGE_MODEL_VERSIONS`).
    :param model_version: ``ModelVersion``, required: one of the model's versions.
    :param prompt: ``Prompt``, at most 1000 characters; required without ``file_infos``.
    :param negative_prompt: ``NegativePrompt``, at most 1000 characters.
    :param enhance_prompt: ``EnhancePrompt`` (``Enabled``/``Disabled``).
    :param file_infos: ``FileInfos``: reference pictures (a list, or its JSON/Python text).
    :param output_config: ``AigcImageOutputConfig`` (``Resolution``, ``AspectRatio``, ``OutputImageCount``...):
        a dict, or its JSON/Python text.
    :param input_region: ``InputRegion``.
    :param scene_type: ``SceneType``.
    :param seed: ``Seed``.
    :param session_id: the de-duplication key (default: derived from the task instance and the request).
    :param session_context: ``SessionContext``.
    :param tasks_priority: ``TasksPriority`` (an integer).
    :param ext_info: ``ExtInfo``.
    :param sub_app_id: ``SubAppId``; default: the connection extra ``sub_app_id``.
    :param output_path: a ``cos://``/``s3://`` (or existing local) folder to copy the pictures to.
    :param deferrable: wait in the triggerer (default: ``[operators] default_deferrable``).
    :param wait_for_completion: ``False``: submit, push the TaskId and end; a sensor waits elsewhere.
    :param poll_interval: seconds between two reads at first (default 10).
    :param max_poll_interval: the longest interval between two reads (default 60).
    :param backoff: the interval's growth factor (default 1.5).
    :param timeout: seconds to wait (default two hours, at most 72 hours).
    :return: ``{"TaskId", "Status", "files", "paths"?}`` (``{"TaskId", "SessionId"}`` without waiting).
    """

    action_contract = contract.CREATE_AIGC_IMAGE_TASK
    lineage_action = contract.CREATE_AIGC_IMAGE_TASK.action
    template_fields: Sequence[str] = _VodCreateAigcTaskOperator.common_template_fields
