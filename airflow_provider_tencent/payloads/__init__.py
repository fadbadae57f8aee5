"""Request builders: operator arguments in, a validated request ready to send out.

One builder per action, used by the single and the batch operator alike:

* :mod:`~airflow_provider_tencent.payloads.image_search` - ``CreateImage`` and ``SearchImage``;
* :mod:`~airflow_provider_tencent.payloads.vod` - ``CreateAigcCustomElement``;
* :mod:`~airflow_provider_tencent.payloads.pictures` - the picture-source rules they share (one
  source, a data URI prefix, base64 decoding, reading a storage path, the picture's rules).

A builder raises :class:`~airflow_provider_tencent.exceptions.TencentCloudInputError` naming every
argument that breaks the contract, with its limit and the value's size, before any API call.
Importing this package imports no Tencent Cloud SDK module, no s3fs and no boto.
"""
