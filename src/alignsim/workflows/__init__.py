"""What a command does from end to end, composed from the layers below it.

The layers below never import each other upwards: ``model/`` simulates, ``io/`` and
``sweep/`` store, ``analysis/`` reads and computes, ``viz/`` draws tables and results it is
given (a leaf: it never reads a folder). This package is the one place that chains them —
run → folder → summary → figures, sweep → summary → figures — and the command line
(:mod:`alignsim.cli`) and the teaching page (:mod:`alignsim.app`) call it. The contract is
checked by import-linter (``[tool.importlinter]`` in ``pyproject.toml``).
"""
