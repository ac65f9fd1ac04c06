"""The teaching page's model on a scenario where a state enters mid-run."""

from __future__ import annotations

from alignsim.app.figures import NetworkPicture
from alignsim.app.session import PageModel
from alignsim.app.settings import PageSettings
from tests.viz.test_active_figures import NEWCOMER


def test_a_pair_not_yet_in_the_world_has_no_parts_to_show(tmp_path):
    path = tmp_path / "newcomer.yaml"
    path.write_text(NEWCOMER, encoding="utf-8")
    model = PageModel(PageSettings(path))
    whole, positions = model.whole_run()
    picture = NetworkPicture(model.so_far(), whole, positions)
    for _ in range(8):
        model.step()
        picture.update(model.so_far())  # the network is drawn at every step
    assert model.explain("Atlantia", "Estoria") is None  # Estoria enters in 1960 (step 10)
    assert model.explain("Atlantia", "Borealis") is not None
    for _ in range(3):
        model.step()
    explanation = model.explain("Atlantia", "Estoria")
    assert list(explanation.table["step"].unique()) == [10, 11]
