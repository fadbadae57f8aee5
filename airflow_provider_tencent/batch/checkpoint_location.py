"""Where a batch task's checkpoint lives when its operator is given no ``checkpoint_path``.

Under the provider setting ``[tencentcloud] checkpoint_prefix`` (shared object storage, for clusters: every
worker must read the journal of the try before it), else under ``$AIRFLOW_HOME/tencentcloud/checkpoints``; in
either place the task instance's own ``<dag>/<run>/<task>[.<map index>]``.
"""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from airflow.sdk.definitions.context import Context

__all__ = ["CHECKPOINT_PREFIX_OPTION", "checkpoint_prefix_setting", "default_checkpoint"]


#: The provider setting that gives every batch task a checkpoint under one prefix (get_provider_info ``config``).
CHECKPOINT_PREFIX_OPTION = ("tencentcloud", "checkpoint_prefix")


def _task_checkpoint_name(context: Context) -> str:
    """``<dag>/<run>/<task>[.<map index>]``: the task instance's own place under a checkpoint prefix."""
    ti = context["ti"]
    run_id = re.sub(r"[^A-Za-z0-9_.+-]", "_", f"{ti.run_id}")
    suffix = f".{ti.map_index}" if getattr(ti, "map_index", -1) not in (-1, None) else ""
    return f"{ti.dag_id}/{run_id}/{ti.task_id}{suffix}"


def default_checkpoint(context: Context, prefix: str | None = None) -> str:
    """The task's checkpoint under ``prefix``: ``<prefix>/<dag>/<run>/<task>[.<map index>]/`` on object
    storage (``cos://``, ``s3://``), ``<prefix>/<dag>/<run>/<task>[.<map index>].jsonl`` in a local folder;
    without ``prefix``, under ``$AIRFLOW_HOME/tencentcloud/checkpoints``."""
    name = _task_checkpoint_name(context)
    if prefix and "://" in prefix and not prefix.startswith("file://"):
        return f"{prefix.rstrip('/')}/{name}/"
    if not prefix:
        home = os.environ.get("AIRFLOW_HOME") or os.path.expanduser("~/airflow")
        prefix = os.path.join(home, "tencentcloud", "checkpoints")
    return os.path.join(prefix, *name.split("/")) + ".jsonl"


def checkpoint_prefix_setting() -> str | None:
    """The ``[tencentcloud] checkpoint_prefix`` setting (``AIRFLOW__TENCENTCLOUD__CHECKPOINT_PREFIX``), or ``None``."""
    from airflow_provider_tencent.compat import airflow_conf

    value = airflow_conf().get(*CHECKPOINT_PREFIX_OPTION, fallback="")
    if not isinstance(value, str) or not value.strip():
        return None
    return value.strip()
