"""Provider metadata read by Airflow's ProvidersManager (entry point ``apache_airflow_provider``).

Connection form fields are declared here once (``conn-fields`` / ``ui-field-behaviour``), not with
the deprecated hook methods, so the UI shows them without importing the hook (Airflow 3.2+). Airflow 3.1
only reads the hook methods: :func:`legacy_connection_form_widgets` and :func:`legacy_ui_field_behaviour`
generate them from the same declaration (see
:func:`airflow_provider_tencent.compat.connection_form_from_provider_info`).
"""

from __future__ import annotations

from typing import Any

from airflow_provider_tencent import __version__
from airflow_provider_tencent.contracts.common import REGIONS

_INTEGRATION = "Tencent Cloud"


def _string(label: str, description: str, **schema: Any) -> dict[str, Any]:
    return {"label": label, "description": description, "schema": {"type": ["string", "null"], **schema}}


def _number(label: str, description: str, kind: str = "number", **schema: Any) -> dict[str, Any]:
    return {"label": label, "description": description, "schema": {"type": [kind, "null"], **schema}}


CONN_FIELDS: dict[str, dict[str, Any]] = {
    "region": _string("Region", "Default region of API calls.", default="ap-guangzhou", enum=list(REGIONS)),
    "token": _string("Session token", "STS session token, with temporary SecretId/SecretKey.", format="password"),
    "role_arn": _string("Role ARN", "Assume this CAM role through STS (refreshed before expiry)."),
    "role_session_name": _string("Role session name", "Session name for the assumed role.", default="airflow"),
    "duration_seconds": _number(
        "Role duration (s)", "Lifetime of assumed-role keys, 900-43200.", "integer", default=7200
    ),
    "credential_source": _string(
        "Key-less credential source",
        "Used when no SecretId is set: env, profile (~/.tencentcloud/credentials), cvm_role, tke_oidc, "
        "or default_chain (all in that order).",
        enum=["env", "profile", "cvm_role", "tke_oidc", "default_chain"],
    ),
    "endpoint_url": _string(
        "Endpoint URL",
        "One base URL for every service (http allowed): the local emulator or a private gateway.",
    ),
    "root_domain": _string(
        "Root domain", "e.g. intl.tencentcloudapi.com for vod.intl.tencentcloudapi.com (international)."
    ),
    "vod_endpoint": _string("VOD host", "Host or URL for VOD only, e.g. vod.intl.tencentcloudapi.com."),
    "tiia_endpoint": _string("Image Search host", "Host or URL for Image Search (TIIA) only."),
    "cos_endpoint_url": _string(
        "COS endpoint URL", "S3-compatible COS endpoint; default https://cos.<region>.myqcloud.com."
    ),
    "cos_region": _string("COS region", "Region of the COS buckets when it differs from the API region."),
    "proxy": _string("Proxy", "http(s)://[user:password@]host:port", format="password"),
    "connect_timeout": _number("Connect timeout (s)", "TCP/TLS connect timeout.", default=10),
    "read_timeout": _number("Read timeout (s)", "Time to wait for an answer.", default=60),
    "max_attempts": _number(
        "Max attempts",
        "Attempts per call for retryable failures (throttling: three times as many).",
        "integer",
        default=5,
    ),
    "backoff_base": _number("Backoff base (s)", "Exponential backoff multiplier (full jitter).", default=0.5),
    "backoff_max": _number("Backoff max (s)", "Longest pause between two attempts.", default=20),
    "sub_app_id": _number(
        "VOD SubAppId",
        "VOD application id for AIGC generation tasks (required for accounts opened from 2023-12-25 on).",
        "integer",
    ),
    "language": _string("Language", "Language of error messages.", default="en-US", enum=["en-US", "zh-CN"]),
}


UI_FIELD_BEHAVIOUR: dict[str, Any] = {
    "hidden-fields": ["schema", "port", "host"],
    "relabeling": {"login": "SecretId", "password": "SecretKey"},
    "placeholders": {
        "login": "AKID...",
        "password": "SecretKey",
        "region": "ap-guangzhou",
        "endpoint_url": "http://127.0.0.1:9000 (emulator); leave empty for Tencent Cloud",
    },
}


def legacy_connection_form_widgets() -> dict[str, Any]:
    """``CONN_FIELDS`` as the WTForms fields Airflow 3.1 reads from ``get_connection_form_widgets``.

    Airflow 3.1 accepts only string, integer, password and boolean fields: a ``number`` is a string
    field there (the connection parser reads numbers from strings). Enums become ``any_of`` validators,
    ``format: password`` a password field; labels, descriptions and defaults are carried over.
    """
    from flask_appbuilder.fieldwidgets import BS3PasswordFieldWidget, BS3TextFieldWidget
    from flask_babel import lazy_gettext
    from wtforms import BooleanField, IntegerField, PasswordField, StringField
    from wtforms.validators import Optional, any_of

    widgets: dict[str, Any] = {}
    for name, spec in CONN_FIELDS.items():
        schema = spec["schema"]
        kinds = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        validators: list[Any] = [Optional()]
        if "enum" in schema:
            validators.append(any_of(schema["enum"]))
        options: dict[str, Any] = {"validators": validators, "description": spec.get("description", "")}
        if "default" in schema:
            options["default"] = schema["default"]
        label = lazy_gettext(spec["label"])
        if schema.get("format") == "password":
            widgets[name] = PasswordField(label, widget=BS3PasswordFieldWidget(), **options)
        elif "integer" in kinds:
            widgets[name] = IntegerField(label, widget=BS3TextFieldWidget(), **options)
        elif "boolean" in kinds:
            widgets[name] = BooleanField(label, **options)
        else:
            widgets[name] = StringField(label, widget=BS3TextFieldWidget(), **options)
    return widgets


def legacy_ui_field_behaviour() -> dict[str, Any]:
    """``UI_FIELD_BEHAVIOUR`` in the form of Airflow 3.1's ``get_ui_field_behaviour``."""
    return {
        "hidden_fields": list(UI_FIELD_BEHAVIOUR["hidden-fields"]),
        "relabeling": dict(UI_FIELD_BEHAVIOUR["relabeling"]),
        "placeholders": dict(UI_FIELD_BEHAVIOUR["placeholders"]),
    }


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
                    "airflow_provider_tencent.operators.image_search_gallery",
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
