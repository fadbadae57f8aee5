"""The rate limiter's first window (issue 19): paced faster, never more than the quota in any window."""

from __future__ import annotations

import itertools

from airflow_provider_tencent.batch.rate_limit import RateLimiter


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def most_in_any_second(stamps: list[float]) -> int:
    return max(sum(1 for t in stamps if s <= t < s + 1.0) for s in stamps)


def sends(limiter: RateLimiter, clock: FakeClock, n: int) -> list[float]:
    stamps = []
    for _ in range(n):
        limiter.acquire()
        stamps.append(clock.now)
    return stamps


def test_the_first_window_is_paced_twice_as_fast_and_the_quota_still_holds():
    clock = FakeClock()
    stamps = sends(RateLimiter(20, clock=clock, sleep=clock.sleep), clock, 200)
    assert stamps[19] < 0.5  # the first 20 within half a second: no earlier request of ours is in the window
    assert most_in_any_second(stamps) == 20
    # every 20 consecutive requests span the window plus the guard's margin
    assert min(b - a for a, b in zip(stamps, stamps[20:], strict=False)) >= 1.02 - 1e-9
    steady = RateLimiter(20, first_window_speedup=1, clock=(other := FakeClock()), sleep=other.sleep)
    assert sends(steady, other, 20)[-1] > 0.95  # without the speed-up: one slot every 1 / (20 x 0.985) s


def test_only_the_first_window_of_slots_is_closer_together():
    """The slots handed out (the pacing half, without the guard): n at half the spacing, then the steady one."""
    clock = FakeClock()
    limiter = RateLimiter(10, clock=clock, sleep=clock.sleep)
    slots = []
    for _ in range(30):
        limiter.reserve()
        slots.append(clock.now)
    spacing = 1 / limiter.target
    gaps = [b - a for a, b in itertools.pairwise(slots)]
    assert all(abs(g - spacing / 2) < 1e-9 for g in gaps[:10])
    assert all(abs(g - spacing) < 1e-9 for g in gaps[10:])
