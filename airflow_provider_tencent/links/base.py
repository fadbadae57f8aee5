"""Extra links from a task to the Tencent Cloud console: the base of each service's links.

The operator stores the finished URL in XCom under the link's ``xcom_key`` while it runs
(:meth:`TencentConsoleLink.persist`); ``get_link`` only reads it back, so the UI needs no
connection and no network.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import urlencode

from airflow.sdk.bases.operatorlink import BaseOperatorLink

if TYPE_CHECKING:
    from airflow.sdk import BaseOperator
    from airflow.sdk.definitions.context import Context

CONSOLE = "https://console.cloud.tencent.com"


class TencentConsoleLink(BaseOperatorLink):
    """A console page whose URL is built at run time from ``format_str`` and query parameters."""

    path: ClassVar[str] = "/"

    def get_link(self, operator: BaseOperator, *, ti_key: Any) -> str:
        from airflow.sdk.bases.xcom import BaseXCom

        value = BaseXCom.get_value(ti_key=ti_key, key=self.xcom_key)
        return value if isinstance(value, str) else ""

    @classmethod
    def url(cls, **query: Any) -> str:
        params = {k: v for k, v in query.items() if v not in (None, "")}
        return f"{CONSOLE}{cls.path}" + (f"?{urlencode(params)}" if params else "")

    @classmethod
    def persist(cls, context: Context, **query: Any) -> None:
        context["ti"].xcom_push(key=cls().xcom_key, value=cls.url(**query))
