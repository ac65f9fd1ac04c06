"""The model is a plain Mesa model: mesa.batch_run drives it with keyword parameters."""

from __future__ import annotations

import mesa
import pandas as pd

from alignsim.model import AlignmentModel
from tests.conftest import FLAGSHIP


def test_flagship_under_batch_run():
    rows = mesa.batch_run(
        AlignmentModel,
        parameters={"scenario": str(FLAGSHIP), "balance_weight": [0.2, 0.8]},
        rng=[1, 2],
        max_steps=8,
        number_processes=1,
        data_collection_period=-1,
        display_progress=False,
    )
    frame = pd.DataFrame(rows)
    assert len(frame) == 4
    assert set(frame["balance_weight"]) == {0.2, 0.8}
    assert (frame["Step"] == 8).all()
    assert frame["watch.China-Russia-Pakistan.formed"].isin([0.0, 1.0]).all()
    assert frame["balance_ratio"].between(0, 1).all()


def test_agents_are_states_with_live_views(flagship):
    model = AlignmentModel(flagship, rng=5)
    pakistan = next(a for a in model.agents if a.name == "Pakistan")
    before = pakistan.ties.copy()
    model.step()
    assert not (pakistan.ties == before).all()  # a view into the model's tie matrix
    assert len(model.agents) == len(flagship.states)
