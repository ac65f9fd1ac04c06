"""Batches of a sweep's tasks: sized by the measured time of a run."""

from __future__ import annotations

from alignsim.sweep.tasks import Batches


def test_batches_start_with_one_run_then_follow_the_measured_time():
    batches = Batches(iter(range(1000)), remaining=1000, workers=2, seconds=0.25)
    sizes = iter(batches)
    assert len(next(sizes)) == 1  # no run timed yet
    batches.record(1, 1.5)  # a worker's first batch: its start-up and one run
    assert len(next(sizes)) == 1  # all that is known
    batches.record(1, 1.4)  # the other worker's first
    batches.record(10, 0.05)  # 5 ms a run: 50 runs make a quarter of a second
    assert len(next(sizes)) == 50  # the first batches, start-up included, no longer count
    batches.record(1, 10.0)  # runs got long: one at a time
    assert len(next(sizes)) == 1
    assert batches.remaining == 1000 - (1 + 1 + 50 + 1)


def test_batches_leave_every_worker_a_share_of_the_end():
    batches = Batches(iter(range(40)), remaining=40, workers=1, seconds=10.0)
    batches.record(100, 0.1)  # 1 ms a run: time alone would send all 40 at once
    got = [len(batch) for batch in batches]
    assert sum(got) == 40 and max(got) <= 40 // 4
    fixed = Batches(iter(range(10)), remaining=10, workers=2, fixed=3)
    assert [len(batch) for batch in fixed] == [3, 3, 3, 1]
