"""Figures and the animation of a run.

``figures.write_plots(result, folder, snapshot_steps=None)`` writes every figure into
``folder/plots/``; ``animation.write_animation(result, path, fmt="gif", fps=4)`` writes the
run as a GIF (or an MP4 when ffmpeg is on the PATH). Both work from a simulated ``Result``
or one rebuilt from a run folder by ``alignsim.io.reader.read_run``.
"""
