"""Progress lines of long batches (issue 21 item 3): the reporter on a fake clock, and through ``run_batch``."""

from __future__ import annotations

import logging
import re

import pytest

from airflow_provider_tencent.batch.progress import Progress, duration_text, sync_progress
from airflow_provider_tencent.batch.runner import ItemResult, run_batch
from airflow_provider_tencent.contracts import ErrorKind
from airflow_provider_tencent.exceptions import TencentCloudAPIError
from airflow_provider_tencent.hooks.retry import RetryPolicy
from airflow_provider_tencent.utils.connection import RetrySettings


class Clock:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Lines:
    """A logger keeping its INFO lines."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def info(self, fmt: str, *args: object) -> None:
        self.lines.append(fmt % args)


def completed_counts(lines: list[str]) -> list[int]:
    return [int(re.search(r"progress: (\d+)/", line).group(1)) for line in lines]  # type: ignore[union-attr]


def test_a_line_at_every_tenth_when_tenths_come_faster_than_the_interval():
    clock, log = Clock(), Lines()
    progress = Progress(300, log=log, clock=clock)
    for i in range(300):
        clock.now += 0.1  # 30 items in 3 s: a tenth long before 30 s
        progress.record(i % 25 != 0)
    assert completed_counts(log.lines) == [30, 60, 90, 120, 150, 180, 210, 240, 270]
    progress.finish()
    assert log.lines[-1] == "progress: 300/300 (100%) done=288 failed=12 rate=10.0/s eta=0s"
    assert progress.lines == 10


def test_a_line_every_interval_when_a_tenth_takes_longer():
    clock, log = Clock(), Lines()
    throttles = [0]
    progress = Progress(10_000, log=log, label="CreateImage", throttled=lambda: throttles[0], clock=clock)
    for i in range(3000):
        clock.now += 0.125  # 8 items/s: a tenth takes 125 s, the interval 30 s (240 items)
        throttles[0] += i % 12 == 0
        progress.record(i % 300 != 0)
    # every 30 s, and at each tenth (which restarts the 30 s)
    tenths = [1000, 2000, 3000]
    every_30s = [240, 480, 720, 960, 1240, 1480, 1720, 1960, 2240, 2480, 2720, 2960]
    assert completed_counts(log.lines) == sorted(tenths + every_30s)
    assert log.lines[-1] == (
        "CreateImage progress: 3000/10000 (30%) done=2990 failed=10 throttled=250 rate=8.0/s eta=14m35s"
    )


def test_tick_logs_a_stalled_batch_every_interval():
    clock, log = Clock(), Lines()
    progress = Progress(100, log=log, clock=clock)
    progress.record(True)
    clock.now += 29.0
    progress.tick()
    assert log.lines == []
    clock.now += 1.0
    progress.tick()
    clock.now += 5.0
    progress.tick()
    assert log.lines == ["progress: 1/100 (1%) done=1 failed=0 rate=0.033/s eta=49m30s"]


def test_an_unknown_total_shows_no_percentage_until_it_is_known():
    clock, log = Clock(), Lines()
    progress = Progress(None, log=log, clock=clock)
    for _ in range(40):
        clock.now += 1.0
        progress.record(True)
    assert log.lines == ["progress: 30/? done=30 failed=0 rate=1.0/s"]
    progress.set_total(50)
    clock.now += 1.0
    progress.record(False)  # 41 of 50: four tenths passed at once, one line
    assert log.lines[-1] == "progress: 41/50 (82%) done=40 failed=1 rate=1.0/s eta=9s"


def test_items_resumed_from_the_checkpoint_do_not_count_in_the_rate():
    clock, log = Clock(), Lines()
    progress = Progress(20, log=log, clock=clock)
    for _ in range(10):
        progress.record(True, resumed=True)
    clock.now += 5.0
    progress.record(True)
    progress.finish()
    assert log.lines[-1] == "progress: 11/20 (55%) done=11 failed=0 resumed=10 rate=0.2/s eta=45s"


@pytest.mark.parametrize(("seconds", "text"), [(0, "0s"), (44.6, "45s"), (707, "11m47s"), (7500, "2h05m")])
def test_duration_text(seconds, text):
    assert duration_text(seconds) == text


def test_the_sync_total_counts_a_replaced_and_finished_picture_once():
    class Limiter:
        throttled = 3

    plan = {"create": ["a", "b"], "replace": ["c"], "finish": ["c", "d"], "delete": ["e"], "unchanged": ["f"]}
    log = Lines()
    progress = sync_progress(plan, Limiter(), log)
    progress.finish()
    assert progress.total == 5 and log.lines == ["Sync progress: 0/5 (0%) done=0 failed=0 throttled=3 rate=0/s eta=?"]


# -- through run_batch and the retry policy -----------------------------------------------------------
class CountingLimiter:
    """What the retry policy and the batch need from a limiter; counts the throttles."""

    def __init__(self) -> None:
        self.throttled = 0

    def acquire(self) -> None:
        pass

    def on_throttled(self) -> None:
        self.throttled += 1


def throttled(key: str) -> TencentCloudAPIError:
    return TencentCloudAPIError(
        code="RequestLimitExceeded", message=f"too fast ({key})", action="CreateImage", kind=ErrorKind.THROTTLED
    )


def test_absorbed_throttles_log_at_debug_are_counted_and_one_that_runs_out_is_a_warning(caplog):
    """Items ``k3`` and ``k7`` are throttled once and then done; ``k5`` is throttled every time: its
    retries run out, and its failure is the one WARNING line (naming ``RequestLimitExceeded``)."""
    limiter = CountingLimiter()
    settings = RetrySettings(max_attempts=2, backoff_base=0.001, backoff_max=0.001)
    log = logging.getLogger("test.progress")
    answers: dict[str, int] = {}

    def send(key, payload, mark):
        def attempt() -> ItemResult:
            answers[key] = answers.get(key, 0) + 1
            if key == "k5" or (key in ("k3", "k7") and answers[key] == 1):
                raise throttled(key)
            mark()
            return ItemResult(key, "created")

        return RetryPolicy("CreateImage", settings, limiter=limiter, log=log).run(attempt)

    caplog.set_level(logging.DEBUG, logger="test.progress")
    items = [(f"k{i}", {}) for i in range(10)]
    report = run_batch(items, send, concurrency=2, log=log, limiter=limiter, total=len(items), label="CreateImage")
    assert [r.key for r in report.failures] == ["k5"]
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1 and warnings[0].startswith("item k5 failed") and "RequestLimitExceeded" in warnings[0]
    retries = [r for r in caplog.records if "retrying in" in r.getMessage()]
    assert len(retries) == 2 + 5 and {r.levelno for r in retries} == {logging.DEBUG}  # k5: 6 answers, 5 repeats
    assert limiter.throttled == 2 + 6
    final = [r.getMessage() for r in caplog.records if r.levelno == logging.INFO][-1]
    assert re.fullmatch(r"CreateImage progress: 10/10 \(100%\) done=9 failed=1 throttled=8 rate=\S+/s eta=0s", final)


def test_other_repeats_stay_warnings(caplog):
    limiter = CountingLimiter()
    calls = []

    def attempt() -> str:
        calls.append(1)
        if len(calls) == 1:
            raise TencentCloudAPIError(code="InternalError", message="", action="SearchImage", kind=ErrorKind.TRANSIENT)
        return "ok"

    log = logging.getLogger("test.progress")
    caplog.set_level(logging.DEBUG, logger="test.progress")
    settings = RetrySettings(max_attempts=3, backoff_base=0.001, backoff_max=0.001)
    assert RetryPolicy("SearchImage", settings, repeat_transient=True, limiter=limiter, log=log).run(attempt) == "ok"
    assert [(r.levelno, r.getMessage().split(";")[0]) for r in caplog.records] == [
        (logging.WARNING, "SearchImage attempt 1 failed (InternalError)")
    ]


# -- against the emulator: the batch, the search batch and the sync ----------------------------------------
PROGRESS = re.compile(
    r"(\w+) progress: (\d+)/(\d+) \((\d+)%\) done=(\d+) failed=(\d+) throttled=(\d+) rate=\S+ eta=\S+"
)


def to_caplog(op):
    """``op`` with its and its hook's logs on stdlib loggers, which ``caplog`` sees at every level (the task
    SDK's structlog loggers bypass it, and drop DEBUG below the task's log level)."""
    op._log = op._cached_logger = logging.getLogger("test.operator")  # (the name differs between Airflow 3.x)
    op.hook._log = logging.getLogger("test.hook")
    return op


def warnings_of(caplog) -> list[str]:
    """The WARNING (and worse) lines, but the task SDK's own about ``execute`` outside a task runner."""
    found = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    return [m for m in found if "outside of the Task Runner" not in m]


def progress_lines(caplog, label: str) -> list[re.Match[str]]:
    found = [PROGRESS.fullmatch(r.getMessage()) for r in caplog.records if r.levelno == logging.INFO]
    return [m for m in found if m is not None and m.group(1) == label]


def test_a_300_picture_batch_with_8_percent_throttling_logs_progress_not_warnings(provider, context, tmp_path, caplog):
    """The issue's batch: 300 pictures, 8 % of the requests throttled. Before, 46 WARNING lines; now the
    throttles the limiter absorbs are DEBUG lines, counted in the progress lines, and the summary stays."""
    import base64

    from airflow_provider_tencent.operators.image_search import ImageSearchCreateImageBatchOperator
    from airflow_provider_tencent.testing.images import make_image

    provider.emulator.qps_scale = 4  # CreateImage at 40/s: the 300 pictures take about 8 s
    provider.emulator.inject("throttle", action="CreateImage", probability=0.08)
    good = base64.b64encode(make_image(48, 48, "png", seed=3)).decode()
    items = [{"key": f"k{i}", "entity_id": f"e{i // 8}", "pic_name": f"p{i}", "image_base64": good} for i in range(300)]
    caplog.set_level(logging.DEBUG)
    op = to_caplog(
        ImageSearchCreateImageBatchOperator(
            task_id="b", group_id="g1", items=items, max_qps=40, checkpoint_path=str(tmp_path / "c.jsonl")
        )
    )
    summary = op.execute(context)
    throttled = provider.emulator.counters()["CreateImage"].get("RequestLimitExceeded", 0)
    assert (summary["created"], summary["failed"]) == (300, 0) and summary["throttled"] == throttled > 0
    assert warnings_of(caplog) == []
    absorbed = [r for r in caplog.records if "failed (RequestLimitExceeded); retrying" in r.getMessage()]
    assert len(absorbed) == throttled and {r.levelno for r in absorbed} == {logging.DEBUG}
    lines = progress_lines(caplog, "CreateImage")
    assert [int(m.group(4)) for m in lines][:-1] == [10, 20, 30, 40, 50, 60, 70, 80, 90]  # tenths (+ any 30 s)
    assert any(int(m.group(7)) > 0 for m in lines[:-1])
    assert lines[-1].group(2, 3, 5, 6, 7) == ("300", "300", "300", "0", f"{throttled}")
    messages = [r.getMessage() for r in caplog.records if r.levelno == logging.INFO]
    assert messages[-1].startswith("CreateImage batch done: {") and '"throttled": ' in messages[-1]


def test_the_search_batch_and_the_sync_log_progress(provider, context, tmp_path, caplog):
    from conftest import put_object

    from airflow_provider_tencent.operators.image_search import (
        ImageSearchSearchImageBatchOperator,
        ImageSearchSyncGalleryOperator,
    )
    from airflow_provider_tencent.testing.images import make_image

    for i in range(12):
        put_object(provider.bucket, f"catalogue/item{i}.png", make_image(120, 90, seed=i))
    provider.emulator.inject("throttle", action="CreateImage", times=3)
    caplog.set_level(logging.DEBUG)
    sync = to_caplog(
        ImageSearchSyncGalleryOperator(
            task_id="sync",
            group_id="g1",
            source_prefix=f"cos://{provider.bucket}/catalogue/",
            manifest_path=str(tmp_path / "s.json"),
        )
    )
    assert sync.execute(context)["outcome"]["created"] == 12
    lines = progress_lines(caplog, "Sync")
    assert len(lines) == 10 and lines[-1].group(2, 3, 5, 6, 7) == ("12", "12", "12", "0", "3")  # 9 tenths + final
    assert warnings_of(caplog) == []  # the 3 throttles were absorbed: DEBUG lines

    search = to_caplog(
        ImageSearchSearchImageBatchOperator(
            task_id="ss",
            group_id="g1",
            source_prefix=f"cos://{provider.bucket}/catalogue/",
            checkpoint_path=str(tmp_path / "q.jsonl"),
        )
    )
    assert search.execute(context)["done"] == 12
    lines = progress_lines(caplog, "SearchImage")
    assert lines and lines[-1].group(2, 3, 4, 5, 6) == ("12", "12", "100", "12", "0")  # the listing's total, at the end


def test_throttles_of_a_batch_s_other_calls_are_counted_too(provider, context, tmp_path, caplog):
    """``CreateImage`` items named with ``{content_hash}`` first read their EntityId (``DescribeImages``, paced
    by a limiter of its own): its throttles are DEBUG lines too, counted in the progress line and the summary."""
    import base64

    from airflow_provider_tencent.operators.image_search import ImageSearchCreateImageBatchOperator
    from airflow_provider_tencent.testing.images import make_image

    provider.emulator.inject("throttle", action="DescribeImages", times=2)
    items = [
        {
            "key": f"k{i}",
            "entity_id": f"e{i}",
            "pic_name": f"p{i}-{{content_hash}}",
            "image_base64": base64.b64encode(make_image(48, 48, "png", seed=i)).decode(),
        }
        for i in range(4)
    ]
    caplog.set_level(logging.DEBUG)
    op = to_caplog(
        ImageSearchCreateImageBatchOperator(
            task_id="b", group_id="g1", items=items, checkpoint_path=str(tmp_path / "c")
        )
    )
    summary = op.execute(context)
    assert provider.emulator.counters()["DescribeImages"].get("RequestLimitExceeded") == 2
    assert (summary["created"], summary["throttled"]) == (4, 2)
    assert warnings_of(caplog) == []
    assert progress_lines(caplog, "CreateImage")[-1].group(2, 7) == ("4", "2")
