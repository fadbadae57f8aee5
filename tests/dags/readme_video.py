"""README: two subjects from pictures in COS, then one video keeping both (their ElementIds through XCom)."""

from airflow.sdk import DAG

from airflow_provider_tencent.operators.vod import VodCreateAigcElementOperator, VodCreateAigcVideoOperator

BUCKET = "cos://examplebucket-1250000000"
SUBJECTS = [
    {
        "element_name": name,
        "element_description": f"A {name}",
        "element_frontal_image": f"{BUCKET}/{name}/front.png",
        "element_refer_list": [f"{BUCKET}/{name}/side.png"],
    }
    for name in ("mug", "lamp")
]

with DAG(dag_id="readme_video", schedule=None, doc_md=__doc__):
    subjects = VodCreateAigcElementOperator.partial(task_id="subjects").expand_kwargs(SUBJECTS)
    VodCreateAigcVideoOperator(
        task_id="video",
        element_ids=subjects.output,  # the ElementIds of the mapped tasks
        prompt="The mug and the lamp on a desk at dawn",
        model_name="Kling",
        model_version="2.1",
        output_path=f"{BUCKET}/videos/",  # the generated files are copied here
        deferrable=True,  # waits in the triggerer, holding no worker slot
    )
