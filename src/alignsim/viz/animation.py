"""The run as an animation: the signed network, one frame per step, with the date and the
scenario events that fire at each step.

GIF needs only Pillow (which matplotlib already requires) and is byte-for-byte the same for
the same run: frames are drawn by Agg, mapped to one shared palette without dithering and
written with fixed frame durations. MP4 needs an ``ffmpeg`` program: the one on the PATH, or
the one the ``imageio-ffmpeg`` package ships (``pip install alignsim[video]``).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import textwrap
from collections.abc import Iterator
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Rectangle
from PIL import Image, ImageSequence

from alignsim.model.recorder import Result
from alignsim.viz.network import (
    NetworkArtists,
    add_legend,
    hostile_limit,
    layout,
    legend_handles,
)
from alignsim.viz.style import NEGATIVE, OKABE_ITO, POSITIVE, UNALIGNED, inches, minus, render
from alignsim.viz.timeline import FiredEvent, fired_events

#: Frame size in inches at DPI dots per inch: 960 × 640 pixels.
WIDTH, HEIGHT, DPI = 9.6, 6.4, 100
FORMATS = ("gif", "mp4")
#: A GIF frame at which scenario events fire is shown this many times longer than others,
#: and the last frame is held for LAST_HOLD_MS, so captions can be read.
EVENT_HOLD = 3
LAST_HOLD_MS = 3000
#: Right-hand panel: characters per caption line, caption lines at most, earlier events shown.
WRAP, MAX_NOW_LINES, EARLIER = 40, 10, 3
#: Inches from the bottom to the top of the legend.
LEGEND_TOP = 2.4
#: Colours in the GIF palette.
PALETTE_SIZE = 192


def find_ffmpeg() -> str | None:
    """The ffmpeg on the PATH, else the binary shipped by the imageio-ffmpeg package."""
    found = shutil.which("ffmpeg")
    if found is not None:
        return found
    try:
        import imageio_ffmpeg
    except ImportError:
        return None
    try:
        return imageio_ffmpeg.get_ffmpeg_exe()
    except RuntimeError:
        return None


class AnimationError(Exception):
    """The animation cannot be written as asked (unknown format, MP4 without ffmpeg, …)."""


def write_animation(
    result: Result, path: Path, *, fmt: str = "gif", fps: float = 4, all_ties: bool = False
) -> Path:
    """Write the run as an animated GIF (``fmt="gif"``) or an MP4 video (``fmt="mp4"``).

    One frame per step (``steps + 1`` frames) on one fixed layout, showing the date, the
    captions of the scenario events applied at that step (with their own dates when those
    fall before the step), the three events before them and a legend. Hostile ties are drawn
    at the hostile level only, as in ``plots/``, unless ``all_ties``. ``fps`` is the frame
    rate; in a GIF, frames with events are held ``EVENT_HOLD`` times as long and the last
    frame ``LAST_HOLD_MS`` ms. Raises :class:`AnimationError` for an unknown format, MP4
    without ``ffmpeg``, or ``fps <= 0``.
    """
    result.require_complete("alignsim animate")
    fmt = fmt.lower()
    if fmt not in FORMATS:
        raise AnimationError(f"unknown animation format {fmt!r}; use gif or mp4")
    if not fps > 0:
        raise AnimationError(f"fps must be more than 0, got {fps}")
    ffmpeg = find_ffmpeg() if fmt == "mp4" else None
    if fmt == "mp4" and ffmpeg is None:
        raise AnimationError(
            "MP4 needs ffmpeg, which is not on the PATH (install it, e.g. `apt install "
            "ffmpeg`, `brew install ffmpeg` or `pip install imageio-ffmpeg`); use --format gif"
        )
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.part")
    try:
        if fmt == "gif":
            _write_gif(result, partial, fps, all_ties)
        else:
            _write_mp4(result, partial, fps, ffmpeg, all_ties)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return path


def frame_count(path: Path) -> int:
    """Number of frames of a GIF (read with Pillow) or of a video (counted by ffmpeg)."""
    path = Path(path)
    if path.suffix.lower() == ".gif":
        with Image.open(path) as image:
            return sum(1 for _ in ImageSequence.Iterator(image))
    ffmpeg = find_ffmpeg()
    if ffmpeg is None:
        raise AnimationError(f"{path}: counting the frames of a video needs ffmpeg")
    run = subprocess.run(
        [
            ffmpeg,
            "-nostdin",
            "-v",
            "info",
            "-i",
            str(path),
            "-map",
            "0:v:0",
            "-c",
            "copy",
            "-f",
            "null",
            "-",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    counts = re.findall(r"frame=\s*(\d+)", run.stderr)
    if run.returncode != 0 or not counts:
        raise AnimationError(f"{path}: ffmpeg could not read it: {run.stderr.strip()[-300:]}")
    return int(counts[-1])


def frames(result: Result, all_ties: bool = False) -> Iterator[np.ndarray]:
    """Every frame as a 640 × 960 × 3 RGB array, step 0 first."""
    scene = _Scene(result, all_ties)
    try:
        for step in range(result.steps + 1):
            yield scene.draw(step)
    finally:
        plt.close(scene.fig)


def durations_ms(result: Result, fps: float) -> list[int]:
    """GIF frame durations: events held longer, the last frame longest (multiples of 10 ms)."""
    base = 1000.0 / fps
    steps_with_events = {event.step for event in fired_events(result)}
    out = [
        base * (EVENT_HOLD if step in steps_with_events else 1) for step in range(result.steps + 1)
    ]
    out[-1] = max(out[-1], LAST_HOLD_MS)
    return [max(20, round(d / 10.0) * 10) for d in out]


def _write_gif(result: Result, path: Path, fps: float, all_ties: bool) -> None:
    rgb = list(frames(result, all_ties))
    palette = _shared_palette(rgb)
    quantise = _Quantiser(palette)
    images = [quantise(frame) for frame in rgb]
    images[0].save(
        path,
        format="GIF",
        save_all=True,
        append_images=images[1:],
        duration=durations_ms(result, fps),
        loop=0,
        optimize=True,
        disposal=1,
    )


class _Quantiser:
    """Maps RGB frames to a fixed palette, each colour to its nearest palette entry.

    A lookup table over all 2²⁴ colours is filled as colours are met, so each distinct
    colour is matched once for the whole animation.
    """

    def __init__(self, palette: np.ndarray) -> None:
        self.palette = palette.astype(np.int32)
        self.flat = palette.astype(np.uint8).ravel().tolist()
        self.table = np.full(1 << 24, -1, dtype=np.int16)

    def __call__(self, frame: np.ndarray) -> Image.Image:
        packed = frame[:, :, 0].astype(np.int32) << 16
        packed |= frame[:, :, 1].astype(np.int32) << 8
        packed |= frame[:, :, 2]
        index = self.table[packed]
        new = np.unique(packed[index < 0])
        if len(new):
            rgb = np.stack([(new >> 16) & 255, (new >> 8) & 255, new & 255], axis=1)
            for start in range(0, len(rgb), 4096):
                diff = rgb[start : start + 4096, None, :] - self.palette[None, :, :]
                self.table[new[start : start + 4096]] = np.argmin((diff * diff).sum(axis=2), 1)
            index = self.table[packed]
        image = Image.fromarray(index.astype(np.uint8), mode="P")
        image.putpalette(self.flat)
        return image


def _shared_palette(rgb: list[np.ndarray], colours: int = PALETTE_SIZE) -> np.ndarray:
    """One palette for every frame (deterministic): the figure's own colours exactly, plus
    the most common of the rest (antialiased edges), chosen by median cut from a sample."""
    exact = [
        "#FFFFFF",
        "#000000",
        POSITIVE,
        NEGATIVE,
        UNALIGNED,
        *OKABE_ITO,
        "#0072B2",
        "#E4E4E4",
        "#333333",
        "#444444",
        "#555555",
        "#666666",
    ]
    fixed = list(dict.fromkeys(tuple(int(c[i : i + 2], 16) for i in (1, 3, 5)) for c in exact))
    chosen = [*rgb[:: max(1, len(rgb) // 8)], rgb[-1]]
    sample = np.concatenate([frame[::2, ::2] for frame in chosen], axis=0)
    rest = Image.fromarray(sample).quantize(
        colors=colours - len(fixed), method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE
    )
    extra = np.array(rest.getpalette()[: 3 * (colours - len(fixed))]).reshape(-1, 3)
    return np.concatenate([np.array(fixed), extra]).astype(np.uint8)


def _write_mp4(result: Result, path: Path, fps: float, ffmpeg: str, all_ties: bool) -> None:
    width, height = int(WIDTH * DPI), int(HEIGHT * DPI)
    head = [
        ffmpeg,
        "-nostdin",
        "-y",
        "-loglevel",
        "error",
        "-f",
        "rawvideo",
        "-pix_fmt",
        "rgb24",
        "-s",
        f"{width}x{height}",
        "-r",
        f"{fps:g}",
        "-i",
        "-",
        "-an",
    ]
    tail = [
        "-pix_fmt",
        "yuv420p",
        "-map_metadata",
        "-1",
        "-fflags",
        "+bitexact",
        "-flags:v",
        "+bitexact",
        "-movflags",
        "+faststart",
        "-f",
        "mp4",
        str(path),
    ]
    encoders = (
        ["-c:v", "libx264", "-crf", "23", "-preset", "medium"],
        ["-c:v", "mpeg4", "-q:v", "4"],
    )
    error = ""
    for encoder in encoders:
        process = subprocess.Popen(
            [*head, *encoder, *tail], stdin=subprocess.PIPE, stderr=subprocess.PIPE
        )
        assert process.stdin is not None
        try:
            for frame in frames(result, all_ties):
                process.stdin.write(frame.tobytes())
            process.stdin.close()
        except BrokenPipeError:
            pass
        error = process.stderr.read().decode(errors="replace") if process.stderr else ""
        if process.wait() == 0:
            return
    raise AnimationError(f"ffmpeg failed to write {path.name}: {error.strip()[-400:]}")


class _Scene:
    """One figure, redrawn for every step."""

    def __init__(self, result: Result, all_ties: bool) -> None:
        self.result, self.all_ties = result, all_ties
        self.events: list[FiredEvent] = fired_events(result)
        fig = plt.figure(figsize=(WIDTH, HEIGHT), dpi=DPI)
        self.fig = fig
        network_ax = fig.add_axes(inches(fig, 0.02, 0.62, 5.95, 5.35))
        self.network = NetworkArtists(
            network_ax, result, layout(result), scale=0.8, font_size=10.5, all_ties=all_ties
        )
        fig.text(
            0.15 / WIDTH,
            1 - 0.1 / HEIGHT,
            f"{result.scenario.name} · seed {result.seed}",
            fontsize=12,
            va="top",
            color="#333333",
        )
        x = 6.05 / WIDTH
        self.date = fig.text(x, 1 - 0.1 / HEIGHT, "", fontsize=24, fontweight="bold", va="top")
        self.step = fig.text(x, 1 - 0.62 / HEIGHT, "", fontsize=11, va="top", color="#444444")
        self.header = fig.text(x, 1 - 0.95 / HEIGHT, "", fontsize=11, fontweight="bold", va="top")
        self.now = fig.text(x, 1 - 1.2 / HEIGHT, "", fontsize=10.5, va="top", linespacing=1.25)
        self.earlier = fig.text(x, 1, "", fontsize=10, va="top", color="#666666", linespacing=1.2)
        self.legend_ax = fig.add_axes(inches(fig, 6.05, 0.7, 3.45, LEGEND_TOP - 0.7))
        self.legend_ax.set_axis_off()
        self.legend_labels: tuple = ()
        self._progress(fig)

    def _progress(self, fig: plt.Figure) -> None:
        ax = fig.add_axes(inches(fig, 0.35, 0.3, WIDTH - 0.7, 0.2))
        last = max(self.result.steps, 1)
        ax.set_xlim(0, last)
        ax.set_ylim(0, 1)
        ax.set_axis_off()
        ax.add_patch(Rectangle((0, 0.35), last, 0.3, color="#E4E4E4", lw=0))
        self.bar = Rectangle((0, 0.35), 0, 0.3, color="#0072B2", lw=0)
        ax.add_patch(self.bar)
        marks = sorted({event.step for event in self.events})
        if marks:
            ax.vlines(marks, 0.05, 0.95, colors="#333333", lw=1.0)
        dates = self.result.dates
        ax.text(0, -0.15, dates[0], fontsize=10, ha="left", va="top", transform=ax.transData)
        ax.text(last, -0.15, dates[self.result.steps], fontsize=10, ha="right", va="top")
        ax.text(
            last / 2,
            -0.15,
            "ticks: scenario events",
            fontsize=10,
            ha="center",
            va="top",
            color="#555555",
        )
        ax.set_clip_on(False)
        for artist in ax.texts:
            artist.set_clip_on(False)

    def draw(self, step: int) -> np.ndarray:
        result = self.result
        self.network.update(step)
        self.bar.set_width(step)
        self.date.set_text(result.dates[step])
        self.step.set_text(f"step {step} of {result.steps}")
        now = [event.label() for event in self.events if event.step == step]
        lines: list[str] = []
        for note in now:
            lines.extend(textwrap.wrap(note, WRAP, initial_indent="• ", subsequent_indent="  "))
        if len(lines) > MAX_NOW_LINES:
            lines = [*lines[: MAX_NOW_LINES - 1], lines[MAX_NOW_LINES - 1].rstrip(" .,;") + " …"]
        self.header.set_text("Applied at this step" if now else "No scenario event at this step")
        self.now.set_text("\n".join(lines))
        used = 1.2 + 0.2 * len(lines) + 0.2
        room = int((HEIGHT - used - LEGEND_TOP) / (10 * 1.2 / 72)) - 1  # lines below "Earlier"
        earlier: list[str] = []
        for event in reversed([e for e in self.events if e.step < step][-EARLIER:]):
            entry = textwrap.wrap(f"{event.applied}: {event.label()}", WRAP + 4,
                                  subsequent_indent="   ")  # fmt: skip
            if len(entry) > 2:
                entry = [entry[0], textwrap.shorten(" ".join(entry[1:]), WRAP, placeholder=" …")]
                entry[1] = "   " + entry[1]
            if len(earlier) + len(entry) > room:
                break
            earlier.extend(entry)
        self.earlier.set_y(1 - used / HEIGHT)
        self.earlier.set_text("\n".join(["Earlier", *earlier]) if earlier else "")
        # steps as a list: the key says what is not drawn without counting it at every frame
        handles = _compact(
            legend_handles(result, [step], scale=0.8, all_ties=self.all_ties),
            minus(hostile_limit(result, self.all_ties)),
        )
        labels = tuple((h.get_label(), str(h.get_color())) for h in handles)
        if labels != self.legend_labels:  # rebuild only when the blocs change
            if self.legend_ax.get_legend() is not None:
                self.legend_ax.get_legend().remove()
            add_legend(
                self.legend_ax,
                handles,
                loc="lower left",
                fontsize=10,
                labelspacing=0.35,
                borderaxespad=0,
                handlelength=2.6,
            )
            self.legend_labels = labels
        return render(self.fig, DPI)


def _compact(handles: list, hostile: str) -> list:
    """Animation legend: one friendly and one hostile entry instead of strong and weak; the
    hostile one says from which strength (``hostile``) hostile ties are drawn."""
    keep = []
    for handle in handles:
        label = handle.get_label()
        if label.startswith(("friendly, weak", "hostile, weak")):
            continue
        if label.startswith("friendly, strong"):
            handle.set_label("friendly tie")
        if label.startswith("hostile, strong"):
            handle.set_label(f"hostile tie (≤ {hostile})")
        if label.startswith("Ties"):
            handle.set_label("Ties (width = strength)")
        keep.append(handle)
    return keep
