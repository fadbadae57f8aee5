"""VOD operators: import them from here.

* :class:`VodCreateAigcElementOperator`, :class:`VodCreateAigcElementBatchOperator` - ``CreateAigcCustomElement``
  (:mod:`.element`);
* :class:`VodCreateAigcVideoOperator`, :class:`VodCreateAigcImageOperator` - AIGC generation tasks, waited for
  in the worker or the triggerer (:mod:`.generate`, the wait in :mod:`.wait`).

The sensor for a task submitted elsewhere is :class:`airflow_provider_tencent.sensors.vod.VodAigcTaskSensor`.
Importing this package imports no Tencent Cloud SDK module, no s3fs and no boto.
"""

from __future__ import annotations

from airflow_provider_tencent.operators.vod.element import (
    VodCreateAigcElementBatchOperator,
    VodCreateAigcElementOperator,
)
from airflow_provider_tencent.operators.vod.generate import VodCreateAigcImageOperator, VodCreateAigcVideoOperator

__all__ = [
    "VodCreateAigcElementBatchOperator",
    "VodCreateAigcElementOperator",
    "VodCreateAigcImageOperator",
    "VodCreateAigcVideoOperator",
]
