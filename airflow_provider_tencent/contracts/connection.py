"""The ``tencentcloud`` connection, declared once: the choices its parser accepts and the form that offers them.

Airflow 3.2+ reads the form from the provider info (``conn-fields`` / ``ui-field-behaviour``,
:mod:`airflow_provider_tencent.get_provider_info`), so the UI shows it without importing the hook.
Airflow 3.1 only reads the hook's ``get_connection_form_widgets`` / ``get_ui_field_behaviour``:
:func:`legacy_connection_form_widgets` and :func:`legacy_ui_field_behaviour` give them, generated
from the same declaration (the hook attaches them, ``hooks/base.py``). The connection parser
(:mod:`airflow_provider_tencent.utils.connection`) takes its choices and defaults from here, so the
form offers exactly what the parser accepts.

Pure data: read by ``get_provider_info`` when Airflow lists providers, so it imports nothing of
Airflow and nothing of the provider beyond the contracts.
"""

from __future__ import annotations

from typing import Any

from airflow_provider_tencent.contracts.common import REGIONS

__all__ = [
    "CONN_FIELDS",
    "CONN_TYPE",
    "CREDENTIAL_SOURCES",
    "DEFAULT_CONN_ID",
    "DEFAULT_LANGUAGE",
    "DEFAULT_REGION",
    "ESSENTIAL_FIELDS",
    "LANGUAGES",
    "TUNING_FIELDS",
    "UI_FIELD_BEHAVIOUR",
    "legacy_connection_form_widgets",
    "legacy_ui_field_behaviour",
]

CONN_TYPE = "tencentcloud"
DEFAULT_CONN_ID = "tencentcloud_default"
DEFAULT_REGION = "ap-guangzhou"
DEFAULT_LANGUAGE = "en-US"
CREDENTIAL_SOURCES = ("env", "profile", "cvm_role", "tke_oidc", "default_chain")
LANGUAGES = ("en-US", "zh-CN")


def _string(label: str, description: str, **schema: Any) -> dict[str, Any]:
    return {"label": label, "description": description, "schema": {"type": ["string", "null"], **schema}}


def _number(label: str, description: str, kind: str = "number", **schema: Any) -> dict[str, Any]:
    return {"label": label, "description": description, "schema": {"type": [kind, "null"], **schema}}


#: The form's extra fields in the order shown: the essentials first (with SecretId and SecretKey, the relabelled
#: login and password: region, key-less credential source), then the rest of the credentials, the endpoints,
#: and last the tuning (:data:`TUNING_FIELDS`: timeouts, retries and backoff, language, proxy).
CONN_FIELDS: dict[str, dict[str, Any]] = {
    # essentials
    "region": _string(
        "Region",
        f"Default region of API calls, e.g. {DEFAULT_REGION}. A region newer than the provider's list of "
        f"{len(REGIONS)} is accepted, with a warning.",
        default=DEFAULT_REGION,
    ),
    "credential_source": _string(
        "Key-less credential source",
        "Used when no SecretId is set: env, profile (~/.tencentcloud/credentials), cvm_role, tke_oidc, "
        "or default_chain (all in that order).",
        enum=list(CREDENTIAL_SOURCES),
    ),
    # more credentials, and what the account needs
    "token": _string("Session token", "STS session token, with temporary SecretId/SecretKey.", format="password"),
    "role_arn": _string("Role ARN", "Assume this CAM role through STS (refreshed before expiry)."),
    "role_session_name": _string("Role session name", "Session name for the assumed role.", default="airflow"),
    "duration_seconds": _number(
        "Role duration (s)", "Lifetime of assumed-role keys, 900-43200.", "integer", default=7200
    ),
    "sub_app_id": _number(
        "VOD SubAppId",
        "VOD application id for AIGC generation tasks (required for accounts opened from 2023-12-25 on).",
        "integer",
    ),
    # where the calls go
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
    # tuning
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
    "language": _string("Language", "Language of error messages.", default=DEFAULT_LANGUAGE, enum=list(LANGUAGES)),
    "proxy": _string("Proxy", "http(s)://[user:password@]host:port", format="password"),
}
#: The extra fields shown first, after SecretId and SecretKey.
ESSENTIAL_FIELDS = ("region", "credential_source")
#: The extra fields shown last: how calls are made, not who makes them or where.
TUNING_FIELDS = ("connect_timeout", "read_timeout", "max_attempts", "backoff_base", "backoff_max", "language", "proxy")


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
