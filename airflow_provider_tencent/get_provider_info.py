"""Provider metadata read by Airflow's ProvidersManager (entry point ``apache_airflow_provider``).

The connection form (``conn-fields`` / ``ui-field-behaviour``) is declared once, in
:mod:`airflow_provider_tencent.contracts.connection`, and given to Airflow here, so the UI shows it
without importing the hook (Airflow 3.2+); the same module generates the hook methods Airflow 3.1
reads.
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
