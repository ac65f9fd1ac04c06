"""Thinned recording: every K-th step, watched pairs only; and reading such runs back."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import numpy as np
import pytest

from alignsim.io.reader import read_run
from alignsim.io.run_folder import write_run_folder
from alignsim.model import simulate
from alignsim.model.recorder import ThinnedRecordingError, recorded_rows

WHOLE_NETWORK = ["balance_ratio", "closed_triads", "mean_strength", "count.partner"]


@pytest.fixture(scope="module")
def full(flagship):
    return simulate(flagship, seed=2, steps=30)


@pytest.mark.parametrize("every", [1, 4, 7, 30, 31])
def test_every_kth_step_and_the_last(flagship, full, every):
    thin = simulate(flagship, seed=2, steps=30, record_every=every)
    steps = thin.recorded_steps
    assert steps[0] == 0 and steps[-1] == 30
    assert set(steps[:-1]) == set(range(0, 31, every)) - {30}
    assert len(steps) == recorded_rows(30, every)
    assert np.array_equal(
        thin.strength("China", "Pakistan"), full.strength("China", "Pakistan")[steps]
    )
    for name in WHOLE_NETWORK:
        assert np.array_equal(thin.metric(name), full.metric(name)[steps])
    assert len(thin.ties_frame()) == len(steps) * len(full.pairs)
    assert thin.recorder.events == full.recorder.events  # events are kept at every step


def test_watched_pairs_only(flagship, full):
    thin = simulate(flagship, seed=2, steps=30, record="watched")
    watched = {frozenset(p) for p in flagship.watched_ties()}
    assert {frozenset(p) for p in thin.pairs} == watched
    for a, b in flagship.watched_ties():
        assert np.array_equal(thin.strength(a, b), full.strength(a, b))
    # metrics still describe the whole network
    for name in [*WHOLE_NETWORK, "frustration", "blocs"]:
        assert np.array_equal(thin.metric(name), full.metric(name))
    with pytest.raises(ThinnedRecordingError, match="--record all"):
        thin.strength("India", "Japan")
    with pytest.raises(ThinnedRecordingError, match="--record watched"):
        thin.tie_matrix(3)


@pytest.mark.parametrize("options", [{"record_every": 5}, {"record": "watched", "record_every": 3}])
def test_thinned_run_folder_reads_back(flagship, tmp_path, options):
    thin = simulate(flagship, seed=2, steps=20, **options)
    folder = write_run_folder(thin, tmp_path / "run", command=["test"], started=datetime.now(UTC))
    back = read_run(folder)
    assert not back.complete
    assert np.array_equal(back.recorded_steps, thin.recorded_steps)
    assert np.allclose(back.strength("China", "Pakistan"), thin.strength("China", "Pakistan"))
    assert np.allclose(back.metric("frustration"), thin.metric("frustration"))
    with pytest.raises(ThinnedRecordingError, match=r"--record-every|--record watched"):
        back.require_complete("the figures")


def test_a_snapshot_keeps_the_run_so_far_while_the_model_steps_on(flagship, full):
    from alignsim.model.model import AlignmentModel
    from alignsim.model.simulate import result_of

    model = AlignmentModel(flagship, rng=2, steps=30)
    for _ in range(12):
        model.step()
    taken = result_of(model)
    snapshot = taken.recorder.snapshot()
    events_then = list(model.recorder.events)
    for _ in range(18):
        model.step()
    assert len(model.recorder.events) > len(events_then), "the flagship has events after 12"
    frozen = dataclasses.replace(taken, recorder=snapshot)
    assert frozen.recorded_steps.tolist() == list(range(13))
    assert snapshot.strength.shape[0] == 13
    assert np.array_equal(snapshot.strength, full.recorder.strength[:13])
    for name in WHOLE_NETWORK:  # metrics were pending at the snapshot: computed then
        assert np.array_equal(frozen.metric(name), full.metric(name)[:13])
    assert list(snapshot.events) == events_then
    assert list(snapshot.events) == [e for e in full.recorder.events if e["step"] <= 12]


@pytest.mark.parametrize("prepared", [False, True])
def test_watched_pairs_and_more(flagship, full, prepared):
    """``record_pairs`` keeps pairs the scenario does not watch, as if it watched them."""
    from alignsim.model.prepared import PreparedScenario

    scenario = PreparedScenario(flagship) if prepared else flagship
    extra = [("Japan", "India"), ("France", "Israel")]
    thin = simulate(scenario, seed=2, steps=30, record="watched", record_pairs=extra)
    watched = {frozenset(p) for p in flagship.watched_ties()}
    assert {frozenset(p) for p in thin.pairs} == watched | {frozenset(p) for p in extra}
    for a, b in [*extra, *flagship.watched_ties()]:
        assert np.array_equal(thin.strength(a, b), full.strength(a, b))
        assert thin.levels(a, b) == full.levels(a, b)
    with pytest.raises(ThinnedRecordingError, match="--record all"):
        thin.strength("Iran", "Japan")
