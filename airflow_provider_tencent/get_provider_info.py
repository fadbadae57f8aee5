"""Provider metadata read by Airflow's ProvidersManager (entry point ``apache_airflow_provider``).

The connection form (``conn-fields`` / ``ui-field-behaviour``) is declared once, in
:mod:`airflow_provider_tencent.contracts.connection`, and given to Airflow here, so the UI shows it
without importing the hook (Airflow 3.2+); the same module generates the hook methods Airflow 3.1
reads. The ``[tencentcloud]`` configuration section is declared here too (``config``).
"""

from __future__ import annotations

from typing import Any

from airflow_provider_tencent import __version__
from airflow_provider_tencent.contracts.connection import CONN_FIELDS, UI_FIELD_BEHAVIOUR

__all__ = ["get_provider_info"]

_INTEGRATION = "Tencent Cloud"


_HOOK_MODULES = (
    "airflow_provider_tencent.hooks.base",
    "airflow_provider_tencent.hooks.image_search",
    "airflow_provider_tencent.hooks.vod",
    "airflow_provider_tencent.hooks.cos",
)
_OPERATOR_MODULES = (
    "airflow_provider_tencent.operators.image_search",
    "airflow_provider_tencent.operators.vod",
)
_EXTRA_LINKS = (
    "airflow_provider_tencent.links.image_search.ImageSearchGalleryLink",
    "airflow_provider_tencent.links.vod.VodAigcLink",
    "airflow_provider_tencent.links.vod.VodAigcTaskLink",
)


def get_provider_info() -> dict[str, Any]:
    """The provider's metadata as Airflow's ProvidersManager reads it (a new dict on every call)."""
    return {
        "package-name": "airflow-provider-tencent",
        "name": "Tencent Cloud",
        "description": "Tencent Cloud: Image Search (TIIA) galleries, VOD AIGC subjects and COS object storage.",
        "versions": [__version__],
        "integrations": [
            {
                "integration-name": _INTEGRATION,
                "external-doc-url": "https://www.tencentcloud.com/document/api",
                "tags": ["service"],
            },
        ],
        "hooks": _in_integration(*_HOOK_MODULES),
        "operators": _in_integration(*_OPERATOR_MODULES),
        "sensors": _in_integration("airflow_provider_tencent.sensors.vod"),
        "triggers": _in_integration("airflow_provider_tencent.triggers.vod"),
        "connection-types": [_connection_type()],
        "filesystems": ["airflow_provider_tencent.fs.cos"],
        "asset-uris": [
            {
                "schemes": ["cos"],
                "handler": "airflow_provider_tencent.fs.cos.sanitize_uri",
                "to_openlineage_converter": "airflow_provider_tencent.openlineage.convert_asset_to_openlineage",
            },
        ],
        "extra-links": list(_EXTRA_LINKS),
        "config": _config(),
    }


def _config() -> dict[str, Any]:
    """The provider's ``[tencentcloud]`` configuration section (``airflow config list``, the docs)."""
    return {
        "tencentcloud": {
            "description": "Settings of the Tencent Cloud provider shared by every task.",
            "options": {
                "checkpoint_prefix": {
                    "description": (
                        "Where the batch operators keep their checkpoints when a task gives no checkpoint_path: "
                        "a cos:// or s3:// prefix (or a local folder) that every worker can reach, so that a "
                        "retry on another machine resumes the batch. Each task gets "
                        "<prefix>/<dag_id>/<run_id>/<task_id>[.<map_index>]. Empty: a local file under "
                        "$AIRFLOW_HOME/tencentcloud/checkpoints. A checkpoint is removed when its batch ends "
                        "with nothing left to retry, and kept when items failed or the batch stopped (the AIGC "
                        "subjects' batch always keeps it: it is what stops a re-run creating subjects twice)."
                    ),
                    "version_added": "0.1.0",
                    "type": "string",
                    "example": "cos://examplebucket-1250000000/airflow/checkpoints/",
                    "default": "",
                },
                "shared_quota_redis_url": {
                    "description": (
                        "A Redis (typically the Celery broker's) through which the batch tasks of one account "
                        "share its per-action quota: before each request leaves, a Lua script run by Redis on "
                        "its own clock admits it or says how long to wait (a sliding one-second window per "
                        "account, region, service and action; the account is a SHA-256 prefix of the SecretId). "
                        "A request waits at most 120 s, then fails unsent; when Redis cannot be reached the task "
                        "paces on its own limiter with a warning. Needs pip install "
                        "'airflow-provider-tencent[redis]'. Empty (the default): each task paces alone at its "
                        "max_qps."
                    ),
                    "version_added": "0.1.0",
                    "type": "string",
                    "example": "redis://127.0.0.1:6379/0",
                    "default": "",
                },
            },
        },
    }


def _in_integration(*modules: str) -> list[dict[str, Any]]:
    """A ``hooks``/``operators``/``sensors``/``triggers`` entry: ``modules`` under the one integration."""
    return [{"integration-name": _INTEGRATION, "python-modules": list(modules)}]


def _connection_type() -> dict[str, Any]:
    """The ``tencentcloud`` connection type, with its form declared in :mod:`~.contracts.connection`."""
    return {
        "connection-type": "tencentcloud",
        "hook-class-name": "airflow_provider_tencent.hooks.base.TencentCloudHook",
        "hook-name": "Tencent Cloud",
        "conn-fields": CONN_FIELDS,
        "ui-field-behaviour": UI_FIELD_BEHAVIOUR,
    }
