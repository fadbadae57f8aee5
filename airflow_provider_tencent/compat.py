"""What differs between the Airflow releases this provider supports (3.1, 3.2 and 3.3), in one place.

* Exceptions moved to the task SDK (``airflow.sdk.exceptions``) in 3.2; 3.1 has them in ``airflow.exceptions``.
* ``DagBag`` moved from ``airflow.models.dagbag`` to ``airflow.dag_processing.dagbag`` in 3.2.
* The configuration (``conf``) is ``airflow.sdk.configuration`` from 3.2, ``airflow.configuration`` on 3.1.
* ``ObjectStoragePath.conn_id`` exists from 3.2; before, the connection id is only a storage option.
* universal-pathlib 0.2 (Airflow 3.1) fixes a scheme's path flavour on its first path: ``cos://`` is
  declared when the package loads (``airflow_provider_tencent/__init__.py``), before any path is made.
* Declarative ``conn-fields`` / ``ui-field-behaviour`` (provider info) are read from 3.2; on 3.1 the
  connection form comes from the hook's methods, generated from that same declaration
  (:mod:`airflow_provider_tencent.contracts.connection`, attached by ``hooks/base.py``).
Everything else comes from ``airflow.sdk``, identical on all three.

The lowest module of the package: it imports nothing of the provider.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from airflow import __version__ as AIRFLOW_VERSION
from packaging.version import Version

_BASE = Version(Version(AIRFLOW_VERSION).base_version)
#: True on Airflow 3.2 and later.
AIRFLOW_V_3_2_PLUS = Version("3.2.0") <= _BASE

if TYPE_CHECKING or AIRFLOW_V_3_2_PLUS:
    from airflow.sdk.exceptions import (
        AirflowException,
        AirflowFailException,
        AirflowNotFoundException,
        ParamValidationError,
        TaskDeferred,
    )
else:  # Airflow 3.1
    from airflow.exceptions import (  # type: ignore[no-redef,attr-defined,unused-ignore]
        AirflowException,
        AirflowFailException,
        AirflowNotFoundException,
        ParamValidationError,
        TaskDeferred,
    )

if TYPE_CHECKING:
    from airflow.sdk import ObjectStoragePath

__all__ = [
    "AIRFLOW_VERSION",
    "AIRFLOW_V_3_2_PLUS",
    "AirflowException",
    "AirflowFailException",
    "AirflowNotFoundException",
    "ParamValidationError",
    "TaskDeferred",
    "airflow_conf",
    "dagbag_class",
    "default_deferrable",
    "storage_conn_id",
]


def dagbag_class() -> type[Any]:
    """Airflow's ``DagBag`` (imported on call: it pulls in the scheduler's models)."""
    if AIRFLOW_V_3_2_PLUS:
        from airflow.dag_processing.dagbag import DagBag
    else:
        from airflow.models.dagbag import DagBag  # type: ignore[no-redef,unused-ignore]
    return DagBag  # type: ignore[no-any-return,unused-ignore]


def airflow_conf() -> Any:
    """Airflow's configuration ``conf`` (the task SDK's from 3.2, ``airflow.configuration``'s on 3.1)."""
    if AIRFLOW_V_3_2_PLUS:
        from airflow.sdk.configuration import conf
    else:
        from airflow.configuration import conf  # type: ignore[no-redef,unused-ignore]
    return conf


def default_deferrable() -> bool:
    """Airflow's ``[operators] default_deferrable``."""
    return bool(airflow_conf().getboolean("operators", "default_deferrable", fallback=False))


def storage_conn_id(path: ObjectStoragePath) -> str | None:
    """The connection id of ``path`` (``path.conn_id`` from 3.2; a storage option on 3.1)."""
    if AIRFLOW_V_3_2_PLUS:
        return path.conn_id  # type: ignore[no-any-return,unused-ignore]
    conn_id = path.storage_options.get("conn_id")
    return None if conn_id is None else str(conn_id)
