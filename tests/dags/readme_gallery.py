"""README: every picture under a COS folder into an Image Search gallery (created when missing)."""

from airflow.sdk import DAG

from airflow_provider_tencent.operators.image_search import (
    ImageSearchCreateGroupOperator,
    ImageSearchCreateImageBatchOperator,
)

PICTURES = "cos://examplebucket-1250000000/shoes/"  # one EntityId per file stem: sku-42.jpg -> sku-42

with DAG(dag_id="readme_gallery", schedule=None, doc_md=__doc__):
    gallery = ImageSearchCreateGroupOperator(task_id="gallery", group_id="shoes", group_name="Shoes")
    pictures = ImageSearchCreateImageBatchOperator(
        task_id="pictures",
        group_id="shoes",
        source_prefix=PICTURES,
        checkpoint_path="cos://examplebucket-1250000000/checkpoints/shoes/",  # a retry sends only what is left
        manifest_path="cos://examplebucket-1250000000/manifests/shoes.jsonl",  # one JSON line per picture
    )
    gallery >> pictures
