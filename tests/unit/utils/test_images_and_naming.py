"""Picture sniffing, derived names and the rate limiter's pacing (pure functions, no network)."""

from __future__ import annotations

import pytest

from airflow_provider_tencent.batch.rate_limit import RateLimiter
from airflow_provider_tencent.contracts import image_search, vod
from airflow_provider_tencent.testing.images import make_image
from airflow_provider_tencent.utils import images
from airflow_provider_tencent.utils.naming import entity_id_for, pic_name_for


@pytest.mark.parametrize("fmt", ["png", "jpeg", "bmp", "gif"])
def test_inspect_reads_format_and_size(fmt):
    info = images.inspect(make_image(321, 123, fmt, seed=7))
    assert (info.format, info.width, info.height) == (fmt, 321, 123)


@pytest.mark.parametrize(
    ("w", "h", "ok"),
    [(300, 300, True), (299, 600, False), (300, 750, True), (300, 751, False), (750, 300, True), (751, 300, False)],
)
def test_vod_side_and_aspect_rules(w, h, ok):
    problems = images.check(images.inspect(make_image(w, h, "png", seed=1)), vod.IMAGE_RULES)
    assert (problems == []) is ok, problems


def test_tiia_rejects_gif_but_vod_rejects_bmp():
    assert images.check(images.inspect(make_image(50, 50, "gif")), image_search.IMAGE_RULES)[0].rule == "format"
    assert images.check(images.inspect(make_image(400, 400, "bmp")), vod.IMAGE_RULES)[0].rule == "format"
    assert images.check(images.inspect(make_image(400, 400, "bmp")), image_search.IMAGE_RULES) == []


def test_empty_bytes_are_refused():
    assert images.check(images.inspect(b""), image_search.IMAGE_RULES)[0].actual == "0 bytes"


def test_names_are_stable_and_valid():
    key = "cos://bucket-125/gallery/incoming/Red shoe (left)/ü-photo 01.JPG"
    assert pic_name_for(key) == pic_name_for(key) and len(pic_name_for(key)) <= 64
    assert pic_name_for(key) != pic_name_for(key + "x")
    entity = entity_id_for(key)
    assert entity == entity_id_for(key) and len(entity) <= 64 and "/" not in entity and " " not in entity
    assert entity_id_for("s3://b/a/product-001.png") == "product-001"
    assert entity_id_for("s3://b/shoes/x.png", "parent") == "shoes"
    assert len(entity_id_for("s3://b/" + "y" * 200 + ".png")) == 64


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


def test_rate_limiter_spaces_requests_and_backs_off():
    clock = FakeClock()
    limiter = RateLimiter(10, safety=1.0, margin=0.0, clock=clock, sleep=clock.sleep)
    stamps = []
    for _ in range(21):
        limiter.acquire()
        stamps.append(clock.now)
    assert stamps[-1] == pytest.approx(2.0)
    # no sliding one-second window holds more than the quota
    assert max(sum(1 for t in stamps if s <= t < s + 1.0 - 1e-9) for s in stamps) == 10
    for _ in range(3):  # three throttles for the 21 requests of the last five seconds: the pace stays
        limiter.on_throttled()
    assert limiter.current == pytest.approx(10.0)
    limiter.on_throttled()  # a fourth: over 15 % of them, slow down
    assert limiter.current == pytest.approx(9.0)
    before = clock.now
    limiter.acquire()
    assert clock.now - before >= 1 / 9 - 1e-9
    for _ in range(30):  # a quota really shared: throttle after throttle, the rate falls to its floor
        limiter.on_throttled()
    assert limiter.current == pytest.approx(limiter.min_rate)
    clock.sleep(2.5)  # and climbs back linearly: half the target in half of recovery_seconds
    limiter.acquire()
    assert limiter.current == pytest.approx(limiter.min_rate + 10 * 0.5, abs=0.2)


def test_rate_limiter_rides_out_stray_throttles():
    """One stray RequestLimitExceeded a second (5 % of 20/s) costs little: the batch stays near its quota."""
    clock = FakeClock()
    limiter = RateLimiter(20, clock=clock, sleep=clock.sleep)
    for n in range(400):
        if n % 20 == 19:
            limiter.on_throttled()
        limiter.acquire()
    assert 400 / clock.now >= 0.95 * 20
    assert limiter.current == pytest.approx(limiter.target)


def test_rate_limiter_window_guard_absorbs_a_late_thread():
    """A sender that wakes 30 ms after its slot must not let the next ten make eleven in one second."""
    clock = FakeClock()
    late = {"first": True}

    def sleep(seconds):
        clock.sleep(seconds)
        if late["first"]:
            late["first"] = False
            clock.sleep(0.030)  # the first thread is scheduled late

    limiter = RateLimiter(10, clock=clock, sleep=sleep)
    clock.now = 5.0
    limiter._next = 5.05  # the first caller has to wait for its slot
    stamps = []
    for _ in range(25):
        limiter.acquire()
        stamps.append(clock.now)
    assert max(sum(1 for t in stamps if s <= t < s + 1.0) for s in stamps) <= 10
    assert limiter.guard_waits >= 1
    # and pacing alone would not have been enough here
    unguarded = [stamps[0]] + [5.05 + i / limiter.target for i in range(1, 25)]
    assert max(sum(1 for t in unguarded if s <= t < s + 1.0) for s in unguarded) == 11


@pytest.mark.parametrize(
    ("w", "h", "ok"),
    [(2000, 2000, True), (2001, 100, False), (1990, 200, True), (2000, 200, False), (200, 2000, False)],
)
def test_subject_detection_rules(w, h, ok):
    problems = images.check(images.inspect(make_image(w, h, "png", seed=1)), image_search.DETECT_IMAGE_RULES)
    assert (problems == []) is ok, problems
    assert (
        image_search.image_rules(8, None) is image_search.DETECT_IMAGE_RULES
        and image_search.image_rules(8, False) is image_search.IMAGE_RULES
    )
    assert (
        image_search.image_rules(4, True) is image_search.IMAGE_RULES
        and image_search.image_rules(None, None) is image_search.IMAGE_RULES
    )
