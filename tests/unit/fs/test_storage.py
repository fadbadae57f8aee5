"""fs/storage.py: storage paths the operators read pictures from."""

from __future__ import annotations

import pytest
from conftest import image_op

from airflow_provider_tencent.exceptions import TencentCloudInputError
from airflow_provider_tencent.operators.vod import VodCreateAigcElementOperator


def test_a_bucket_without_key_is_a_clear_error(provider, context):
    with pytest.raises(TencentCloudInputError, match="a bucket, not an object"):
        image_op(image_path=f"cos://{provider.bucket}").execute(context)
    with pytest.raises(TencentCloudInputError, match="a bucket, not an object"):
        VodCreateAigcElementOperator(
            task_id="el",
            element_name="n",
            element_description="d",
            element_frontal_image=f"cos://{provider.bucket}",
            element_refer_list=[f"cos://{provider.bucket}/"],
        ).execute(context)
