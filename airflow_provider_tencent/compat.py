"""What differs between the Airflow releases this provider supports (3.1, 3.2 and 3.3), in one place.

* Exceptions moved to the task SDK (``airflow.sdk.exceptions``) in 3.2; 3.1 has them in ``airflow.exceptions``.
* ``DagBag`` moved from ``airflow.models.dagbag`` to ``airflow.dag_processing.dagbag`` in 3.2.
* The configuration (``conf``) is ``airflow.sdk.configuration`` from 3.2, ``airflow.configuration`` on 3.1.
* ``ObjectStoragePath.conn_id`` exists from 3.2; before, the connection id is only a storage option.
* universal-pathlib 0.2 (Airflow 3.1) fixes a scheme's path flavour on its first path: ``cos://`` is
  declared (:mod:`airflow_provider_tencent.fs.cos_path`) when this module loads, before any path is made.
* Declarative ``conn-fields`` / ``ui-field-behaviour`` (provider info) are read from 3.2; on 3.1 the
  connection form comes from the hook's ``get_connection_form_widgets`` / ``get_ui_field_behaviour``,
  which :func:`connection_form_from_provider_info` generates from that same declaration.
Everything else comes from ``airflow.sdk``, identical on all three.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

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

if not AIRFLOW_V_3_2_PLUS:
    import airflow_provider_tencent.fs.cos_path  # noqa: F401

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
    "connection_form_from_provider_info",
    "dagbag_class",
    "default_deferrable",
    "storage_conn_id",
]

_Hook = TypeVar("_Hook", bound=type)


def dagbag_class() -> type[Any]:
    """Airflow's ``DagBag`` (imported on call: it pulls in the scheduler's models)."""
    if AIRFLOW_V_3_2_PLUS:
        from airflow.dag_processing.dagbag import DagBag
    else:
        from airflow.models.dagbag import DagBag  # type: ignore[no-redef,unused-ignore]
    return DagBag  # type: ignore[no-any-return,unused-ignore]


def default_deferrable() -> bool:
    """Airflow's ``[operators] default_deferrable`` (the configuration moved to the task SDK in 3.2)."""
    if AIRFLOW_V_3_2_PLUS:
        from airflow.sdk.configuration import conf
    else:
        from airflow.configuration import conf  # type: ignore[no-redef,unused-ignore]
    return bool(conf.getboolean("operators", "default_deferrable", fallback=False))


def storage_conn_id(path: ObjectStoragePath) -> str | None:
    """The connection id of ``path`` (``path.conn_id`` from 3.2; a storage option on 3.1)."""
    if AIRFLOW_V_3_2_PLUS:
        return path.conn_id  # type: ignore[no-any-return,unused-ignore]
    conn_id = path.storage_options.get("conn_id")
    return None if conn_id is None else str(conn_id)


def connection_form_from_provider_info(hook: _Hook) -> _Hook:
    """On Airflow < 3.2, give ``hook`` the form methods 3.1 reads, generated from ``get_provider_info()``.

    From 3.2 the hook is returned untouched: Airflow reads the declaration itself (and warns about
    the hook methods as deprecated).
    """
    if AIRFLOW_V_3_2_PLUS:
        return hook

    def get_connection_form_widgets(cls: type) -> dict[str, Any]:
        from airflow_provider_tencent.get_provider_info import legacy_connection_form_widgets

        return legacy_connection_form_widgets()

    def get_ui_field_behaviour(cls: type) -> dict[str, Any]:
        from airflow_provider_tencent.get_provider_info import legacy_ui_field_behaviour

        return legacy_ui_field_behaviour()

    hook.get_connection_form_widgets = classmethod(get_connection_form_widgets)  # type: ignore[attr-defined]
    hook.get_ui_field_behaviour = classmethod(get_ui_field_behaviour)  # type: ignore[attr-defined]
    return hook
