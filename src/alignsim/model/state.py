"""State: a Mesa agent standing for one country in the alignment model."""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

if TYPE_CHECKING:
    from alignsim.model.model import AlignmentModel


class State(mesa.Agent):
    """A state with power, stances and salience; its numbers live in the model's arrays.

    The agent holds its row index, not copies, so that reading ``interests`` always shows
    the current values and the model can update everyone at once with matrix algebra.
    """

    model: AlignmentModel

    def __init__(self, model: AlignmentModel, index: int, name: str) -> None:
        super().__init__(model)
        self.index = index
        self.name = name

    @property
    def interests(self) -> np.ndarray:
        return self.model.world.stances[self.index]

    @property
    def salience(self) -> np.ndarray:
        return self.model.world.salience[self.index]

    @property
    def power(self) -> float:
        return float(self.model.world.power[self.index])

    @property
    def ties(self) -> np.ndarray:
        return self.model.world.ties[self.index]

    def step(self) -> None:
        """Asynchronous activation: revise my ties from the current network."""
        self.model.update_ties_of(self.index)

    def __repr__(self) -> str:
        return f"State({self.name!r})"
