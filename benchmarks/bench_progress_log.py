"""Benchmark: the task log of a 10,000-picture batch with 8 % of its requests throttled (issue 21 item 3).

``python benchmarks/bench_progress_log.py [--items 10000] [--scale 10] [--throttle 0.08] [--log PATH]``

At CreateImage's real quota (10/s) the batch runs about 17 minutes. Here the emulator (its own process, 50-100 ms
per call) admits ``--scale`` times the quota, the batch is paced at that, and the progress interval is divided by
the same factor (30 s / 10 = 3 s): the log has the lines the real 17-minute batch would have, in under two
minutes. The operator's and the hook's logs go to ``--log`` at INFO (a task's default log level); the DEBUG lines
(the throttles the limiter absorbed) are counted but not written. Prints the line count by level, the progress
lines, and the summary; asserts nothing.
"""

from __future__ import annotations

import argparse
import collections
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.run import Ctx, EmulatorProcess, picture_pool, use_connection  # noqa: E402


class Levels(logging.Handler):
    """Counts the records of each level (DEBUG included)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.counts: collections.Counter[str] = collections.Counter()

    def emit(self, record: logging.LogRecord) -> None:
        self.counts[record.levelname] += 1


def task_logger(path: Path) -> tuple[logging.Logger, Levels]:
    """A stdlib logger writing INFO and above to ``path`` (as a task log does), counting every level."""
    logger = logging.getLogger("bench.task")
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    to_file = logging.FileHandler(path, mode="w")
    to_file.setLevel(logging.INFO)
    to_file.setFormatter(logging.Formatter("[%(asctime)s] %(levelname)s - %(message)s"))
    levels = Levels()
    logger.addHandler(to_file)
    logger.addHandler(levels)
    return logger, levels


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--scale", type=float, default=10.0, help="quota and progress-interval factor")
    parser.add_argument("--throttle", type=float, default=0.08, help="share of requests answered RequestLimitExceeded")
    parser.add_argument("--log", type=Path, default=None, help="where the task log goes (default: a temporary file)")
    args = parser.parse_args()
    os.environ.setdefault("AIRFLOW_HOME", tempfile.mkdtemp(prefix="bench-airflow-"))
    os.environ["NO_PROXY"] = "*"
    from airflow_provider_tencent.batch import progress
    from airflow_provider_tencent.hooks.image_search import ImageSearchHook
    from airflow_provider_tencent.operators.image_search import ImageSearchCreateImageBatchOperator

    quota = 10 * args.scale
    progress.DEFAULT_INTERVAL = 30.0 / args.scale
    path = args.log or Path(tempfile.mkdtemp(prefix="bench-progress-")) / "task.log"
    emulator = EmulatorProcess(qps_scale=args.scale, latency=(0.05, 0.1))
    try:
        use_connection(emulator.url)
        ImageSearchHook().create_group("bench", "bench", max_capacity=100_000)
        emulator.inject(kind="throttle", action="CreateImage", probability=args.throttle)
        pool = picture_pool()
        items = [
            {"key": f"k{i}", "entity_id": f"e{i // 10}", "pic_name": f"p{i}", "image_base64": pool[i % len(pool)]}
            for i in range(args.items)
        ]
        with tempfile.TemporaryDirectory(prefix="bench-progress-") as tmp:
            op = ImageSearchCreateImageBatchOperator(
                task_id="b", group_id="bench", items=items, max_qps=quota, checkpoint_path=f"{tmp}/c.jsonl"
            )
            logger, levels = task_logger(path)
            op._log = op._cached_logger = logger  # type: ignore[attr-defined]
            op.hook._log = logger
            started = time.monotonic()
            summary = op.execute(Ctx())
            wall = time.monotonic() - started
        answers = emulator.query("answers", "CreateImage")
    finally:
        emulator.stop()
    lines = path.read_text().splitlines()
    print(f"{args.items} pictures at {quota:g}/s (x{args.scale:g}), {args.throttle:.0%} throttled: {wall:.1f} s")
    print(f"emulator answers: {answers}")
    print(f"summary: created {summary['created']}, failed {summary['failed']}, throttled {summary['throttled']}")
    print(f"task log {path}: {len(lines)} lines; records by level (DEBUG not written): {dict(levels.counts)}")
    shown = [line for line in lines if " progress: " in line]
    print(f"progress lines: {len(shown)}")
    for line in shown:
        print(f"  {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
