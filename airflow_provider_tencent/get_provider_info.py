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


def get_provider_info() -> dict[str, Any]:
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
        "hooks": [
            {
                "integration-name": _INTEGRATION,
                "python-modules": [
                    "airflow_provider_tencent.hooks.base",
                    "airflow_provider_tencent.hooks.image_search",
                    "airflow_provider_tencent.hooks.vod",
                    "airflow_provider_tencent.hooks.cos",
                ],
            }
        ],
        "operators": [
            {
                "integration-name": _INTEGRATION,
                "python-modules": [
                    "airflow_provider_tencent.operators.image_search",
                    "airflow_provider_tencent.operators.image_search_query",
                    "airflow_provider_tencent.operators.image_search_manage",
                    "airflow_provider_tencent.operators.image_search_sync",
                    "airflow_provider_tencent.operators.vod",
                    "airflow_provider_tencent.operators.aigc_generation",
                ],
            }
        ],
        "sensors": [
            {"integration-name": _INTEGRATION, "python-modules": ["airflow_provider_tencent.sensors.aigc"]},
        ],
        "triggers": [
            {"integration-name": _INTEGRATION, "python-modules": ["airflow_provider_tencent.triggers.aigc"]},
        ],
        "connection-types": [
            {
                "connection-type": "tencentcloud",
                "hook-class-name": "airflow_provider_tencent.hooks.base.TencentCloudHook",
                "hook-name": "Tencent Cloud",
                "conn-fields": CONN_FIELDS,
                "ui-field-behaviour": UI_FIELD_BEHAVIOUR,
            }
        ],
        "filesystems": ["airflow_provider_tencent.fs.cos"],
        "asset-uris": [
            {
                "schemes": ["cos"],
                "handler": "airflow_provider_tencent.fs.cos.sanitize_uri",
                "to_openlineage_converter": "airflow_provider_tencent.openlineage.convert_asset_to_openlineage",
            },
        ],
        "extra-links": [
            "airflow_provider_tencent.links.console.ImageGalleryLink",
            "airflow_provider_tencent.links.console.VodAigcLink",
            "airflow_provider_tencent.links.console.VodAigcTaskLink",
        ],
    }
