"""Submitting an AIGC generation task once: the SessionId, the stored TaskId, reattaching, the next generation.

:class:`VodAigcSubmitMixin` is the half of the generating operators that decides whether to submit. A task
instance's task is found again, never paid twice, through two keys: the ``SessionId`` (derived from the task
instance and the request's digest, or the user's ``session_id``; the service refuses a repeat within three
days) and the record kept in Airflow's ``task_state_store`` (TaskId, SessionId, generation, the request's
digest). A task made from another request is never returned; a task that failed retryably, or was refused for
the account's AIGC concurrency, is followed by the next *generation* (a new SessionId).
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import TYPE_CHECKING, Any, ClassVar

from airflow_provider_tencent.contracts import ApiContract, ErrorKind
from airflow_provider_tencent.contracts import vod as contract
from airflow_provider_tencent.exceptions import TencentCloudAPIError, TencentCloudError, VodAigcRequestMismatchError
from airflow_provider_tencent.hooks.vod_results import TaskOutcome
from airflow_provider_tencent.links.vod import VodAigcTaskLink
from airflow_provider_tencent.operators.vod.request import derive_session_id, input_differences, request_digest
from airflow_provider_tencent.operators.vod.wait import VodAigcTaskWaitMixin

if TYPE_CHECKING:
    from airflow.sdk.definitions.context import Context

__all__ = ["MAX_GENERATIONS", "STATE_KEY", "STATE_RETENTION", "VodAigcSubmitMixin"]

#: The key under which the submitted task is kept in ``task_state_store``.
STATE_KEY = "tencent_aigc_task"
#: How long the stored TaskId is kept: longer than the service's 3-day SessionId window.
STATE_RETENTION = timedelta(days=7)
#: At most this many tasks (generations) per task instance and request: each but the last one failed retryably
#: or was refused for the account's concurrency.
MAX_GENERATIONS = 1000


class VodAigcSubmitMixin(VodAigcTaskWaitMixin):
    """Submit the request once per task instance (or reattach to its task), then wait for it.

    The generating operator provides :attr:`action_contract`, :attr:`session_id` (the user's, or ``None``) and
    :meth:`_request` (the validated request without its SessionId).
    """

    action_contract: ClassVar[ApiContract]
    session_id: str | None
    #: ``False``: end once the task is submitted (or found), returning :meth:`_submitted`; a sensor waits.
    wait_for_completion: bool = True

    def _request(self, sub_app_id: int | None) -> dict[str, Any]:
        """The validated request without its SessionId (the operator's)."""
        raise NotImplementedError

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

    def _stored(self, store: Any, digest: str) -> dict[str, Any] | None:
        """The stored record when it belongs to this request (same digest and ``session_id``), else ``None``."""
        record: Any = store.get(STATE_KEY) if store is not None else None
        if not isinstance(record, dict):
            return None
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
    ) -> None:
        """Check that task ``task_id`` is this request's, from its ``Input``.

        ``proven``: the request's digest already ties the task to this request (a stored record with the same
        digest, or a derived SessionId, which embeds it): a difference is then an echo the service shows
        otherwise (trimmed, enhanced...) and is only logged.

        :raises VodAigcRequestMismatchError: it was made from another request (and nothing proves otherwise).
        """
        differing = input_differences(request, outcome.echoed_input)
        if not differing:
            return
        names = ", ".join(f"{self.action_contract.field(k).arg} ({k})" for k in differing)
        if proven:
            self.log.warning(
                "AIGC task %s shows %s otherwise than this request, but its SessionId/stored digest is this "
                "request's: reattaching",
                task_id,
                names,
            )
            return
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

    def _stored_outcome(
        self, stored: dict[str, Any], request: dict[str, Any], sub_app_id: int | None
    ) -> TaskOutcome | None:
        """The stored task's state; ``None`` when the service no longer knows it (a new task is then submitted).

        The record names this request (:meth:`_stored` compared its digest), so its task is this request's.
        """
        task_id = f"{stored['TaskId']}"
        outcome = self._read_known(task_id, sub_app_id)
        if outcome is None:
            self.log.warning("the stored AIGC task %s is gone: submitting a new task for this request", task_id)
            return None
        self._check_input(task_id, request, outcome, f"{stored.get('SessionId')}", proven=True)
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
        if not self.wait_for_completion:
            return self._submitted(task_id, session_id)
        if outcome.done:
            return self._finish(context, outcome, sub_app_id)
        return self._wait(context, task_id, sub_app_id, session_id, generation=generation, deadline=deadline)

    def _submitted(self, task_id: str, session_id: str | None) -> dict[str, Any]:
        """The result without waiting (``wait_for_completion=False``): the task to wait for elsewhere."""
        self.log.info(
            "AIGC task %s submitted (SessionId %s); not waiting: wait for it with VodAigcTaskSensor(aigc_task_id=...)",
            task_id,
            session_id or "-",
        )
        return {"TaskId": task_id, "SessionId": session_id or None}

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
