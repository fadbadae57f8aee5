"""Running many requests as one task: the runner, its checkpoint journal and its rate limiter.

* :mod:`~airflow_provider_tencent.batch.runner` - :func:`run_batch`, item results and the report;
* :mod:`~airflow_provider_tencent.batch.checkpoint` - the journal a retry or re-run resumes from;
* :mod:`~airflow_provider_tencent.batch.rate_limit` - pacing at a quota, slowing down when throttled.
"""
