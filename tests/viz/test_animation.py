"""The animation: one frame per step, deterministic, small enough to share."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest
from PIL import Image, ImageSequence

from alignsim.model import simulate
from alignsim.scenario import load_scenario
from alignsim.viz.animation import (
    DPI,
    HEIGHT,
    WIDTH,
    AnimationError,
    _Scene,
    durations_ms,
    find_ffmpeg,
    frame_count,
    write_animation,
)
from tests.conftest import FLAGSHIP

STEPS = 8


@pytest.fixture(scope="module")
def short_result():
    return simulate(load_scenario(FLAGSHIP), seed=3, steps=STEPS)


@pytest.fixture(scope="module")
def short_gif(short_result, tmp_path_factory):
    return write_animation(short_result, tmp_path_factory.mktemp("gif") / "run.gif")


def test_gif_has_one_frame_per_step(short_gif):
    assert frame_count(short_gif) == STEPS + 1
    with Image.open(short_gif) as image:
        assert image.format == "GIF"
        assert image.size == (int(WIDTH * DPI), int(HEIGHT * DPI))
        assert image.info.get("loop") == 0  # loops forever
        frames = [np.asarray(f.convert("RGB")) for f in ImageSequence.Iterator(image)]
    assert len(frames) == STEPS + 1
    assert all(frame.std() > 20 for frame in frames)  # not blank
    assert not np.array_equal(frames[0], frames[-1])
    assert (frames[0][:5, :5] == 255).all()  # a white page, not a tinted one


def test_gif_is_identical_for_the_same_run(short_result, short_gif, tmp_path):
    again = write_animation(
        simulate(load_scenario(FLAGSHIP), seed=3, steps=STEPS), tmp_path / "again.gif"
    )
    assert again.read_bytes() == short_gif.read_bytes()
    assert not list(tmp_path.glob(".*.part"))


def test_frame_durations(short_result):
    durations = durations_ms(short_result, fps=4)
    assert len(durations) == STEPS + 1
    assert min(durations) == 250
    assert durations[-1] >= 3000
    assert max(durations[:-1]) == 750  # steps with scenario events are held longer


def test_unknown_format_and_bad_fps(short_result, tmp_path):
    with pytest.raises(AnimationError, match="gif or mp4"):
        write_animation(short_result, tmp_path / "x.avi", fmt="avi")
    with pytest.raises(AnimationError, match="fps"):
        write_animation(short_result, tmp_path / "x.gif", fps=0)


def test_mp4_without_ffmpeg_says_so(short_result, tmp_path, monkeypatch):
    import alignsim.viz.animation as animation

    monkeypatch.setattr(animation, "find_ffmpeg", lambda: None)  # a machine without ffmpeg
    with pytest.raises(AnimationError, match=r"MP4 needs ffmpeg.*--format gif"):
        write_animation(short_result, tmp_path / "run.mp4", fmt="mp4")
    assert not (tmp_path / "run.mp4").exists()


@pytest.mark.skipif(find_ffmpeg() is None, reason="no ffmpeg (PATH or imageio-ffmpeg)")
def test_mp4_has_one_frame_per_step(short_result, tmp_path):
    path = write_animation(short_result, tmp_path / "run.mp4", fmt="mp4")
    assert path.stat().st_size > 10_000
    assert frame_count(path) == STEPS + 1


@pytest.mark.slow
def test_flagship_gif_is_small(tmp_path):
    result = simulate(load_scenario(FLAGSHIP), seed=3)
    path = write_animation(result, tmp_path / "flagship.gif")
    assert frame_count(path) == result.steps + 1 == 49
    assert path.stat().st_size < 10 * 1024 * 1024


@pytest.mark.parametrize("all_ties", [False, True])
def test_animation_draws_the_ties_the_figures_draw(short_result, all_ties):
    """Hostile ties at the hostile level only, as in plots/, unless all_ties."""
    scene = _Scene(short_result, all_ties)
    thresholds = short_result.scenario.params.thresholds
    limit = thresholds.rival if all_ties else thresholds.hostile
    try:
        for step in (0, STEPS):
            scene.draw(step)
            hostile = (short_result.recorder.strength[step] <= limit).sum()
            assert len(scene.network.hostile.get_segments()) == hostile
    finally:
        plt.close(scene.fig)
    assert (short_result.recorder.strength[STEPS] <= thresholds.rival).sum() > (
        short_result.recorder.strength[STEPS] <= thresholds.hostile
    ).sum()  # rival ties exist, so the two cases differ


def test_event_captions_give_the_own_date_when_applied_later(short_result):
    scene = _Scene(short_result, all_ties=False)
    try:
        scene.draw(1)  # 2014-Q2: Crimea, dated 2014-03
        assert "(dated 2014-03)" in " ".join(scene.now.get_text().split())
        assert scene.header.get_text() == "Applied at this step"
    finally:
        plt.close(scene.fig)
