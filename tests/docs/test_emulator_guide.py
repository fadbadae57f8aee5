"""The emulator guide's pytest example (included in docs/emulator.rst between the markers), run as written."""

# [START howto_test_with_the_emulator]
import base64

from airflow_provider_tencent.operators.image_search import ImageSearchCreateImageOperator
from airflow_provider_tencent.testing.images import make_image


class TaskInstanceStub:
    """The one task-instance method the operators call while executing: ``xcom_push``."""

    def __init__(self) -> None:
        self.xcom: dict = {}

    def xcom_push(self, key: str, value: object) -> None:
        self.xcom[key] = value


def test_adds_the_picture(tencentcloud_conn):
    emulator = tencentcloud_conn.emulator
    emulator.create_group("g1")
    picture = base64.b64encode(make_image(64, 48, "png")).decode()
    operator = ImageSearchCreateImageOperator(
        task_id="add", group_id="g1", entity_id="e1", pic_name="p1", image_base64=picture
    )

    result = operator.execute({"ti": TaskInstanceStub()})

    assert result["status"] == "created"
    [stored] = emulator.images("g1")
    assert (stored["EntityId"], stored["PicName"], stored["RequestId"]) == ("e1", "p1", result["RequestId"])


def test_throttling_is_retried(tencentcloud_conn):
    emulator = tencentcloud_conn.emulator
    emulator.create_group("g1")
    emulator.inject("throttle", action="CreateImage", times=2)  # the next two CreateImage calls are throttled
    picture = base64.b64encode(make_image(64, 48, "png")).decode()
    operator = ImageSearchCreateImageOperator(
        task_id="add", group_id="g1", entity_id="e1", pic_name="p1", image_base64=picture
    )

    assert operator.execute({"ti": TaskInstanceStub()})["status"] == "created"
    assert emulator.counters()["CreateImage"] == {"RequestLimitExceeded": 2, "ok": 1}


# [END howto_test_with_the_emulator]


def test_the_guide_lists_every_action_the_emulator_serves():
    """docs/emulator.rst's "What it serves" names, for each API service, exactly the actions its code answers."""
    import re
    from pathlib import Path

    from airflow_provider_tencent.testing.emulator import Emulator

    guide = (Path(__file__).resolve().parents[2] / "docs" / "emulator.rst").read_text(encoding="utf-8")
    section = guide.split("What it serves\n--------------\n", 1)[1].split("\n-----", 1)[0]
    listed = {
        service: set(re.findall(r"``([A-Z][A-Za-z]+)``", actions))
        for service, actions in re.findall(r"\(API service ``(\w+)``[^)]*\): (.*?);?\n\*", section, re.DOTALL)
    }
    served = {
        service: {name.removeprefix("action_") for name in dir(front) if name.startswith("action_")}
        for service, front in Emulator().services.items()
    }
    assert listed == served
