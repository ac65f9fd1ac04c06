"""data/cow_signed/: the Correlates of War signed networks kept in the repository.

The README's "Checks anyone can repeat" are recomputed from the CSVs, so the copy cannot
change without the README (or this test) noticing.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

DATA = Path(__file__).resolve().parents[1] / "data" / "cow_signed"
README = DATA / "README.md"


def _number(text: str) -> float:
    return float(text.replace(",", ""))


def readme_section(title: str) -> str:
    text = README.read_text(encoding="utf-8")
    return text.split(f"## {title}\n", 1)[1].split("\n## ", 1)[0]


def readme_checks() -> dict[str, list[float]]:
    """window -> states, positive ties, negative ties, triangles, share balanced."""
    rows = {}
    for line in readme_section("Checks anyone can repeat").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 6 and re.fullmatch(r"\d\d-\d\d", cells[0]):
            rows[cells[0]] = [_number(cell) for cell in cells[1:]]
    return rows


@pytest.fixture(scope="module")
def edges() -> pd.DataFrame:
    return pd.read_csv(DATA / "edges.csv", dtype={"window": str})


@pytest.fixture(scope="module")
def states() -> pd.DataFrame:
    return pd.read_csv(DATA / "states.csv", dtype={"window": str})


def signed_matrix(edges: pd.DataFrame, names: list[str]) -> np.ndarray:
    index = {name: i for i, name in enumerate(names)}
    matrix = np.zeros((len(names), len(names)))
    rows = edges["source"].map(index).to_numpy()
    cols = edges["target"].map(index).to_numpy()
    matrix[rows, cols] = matrix[cols, rows] = edges["sign"].to_numpy()
    return matrix


def triangles(matrix: np.ndarray) -> tuple[int, int]:
    """(closed triangles, balanced ones): tr(|A|³)/6 counts triangles and tr(A³)/6 is the
    balanced ones minus the unbalanced ones."""
    closed = round(np.trace(np.linalg.matrix_power(np.abs(matrix), 3)) / 6)
    surplus = round(np.trace(np.linalg.matrix_power(matrix, 3)) / 6)
    return closed, (closed + surplus) // 2


def test_the_readme_lists_five_windows():
    assert list(readme_checks()) == ["46-49", "56-59", "66-69", "76-79", "86-89"]


@pytest.mark.parametrize("window", ["46-49", "56-59", "66-69", "76-79", "86-89"])
def test_the_readmes_checks_hold(edges, states, window):
    n_states, positive, negative, n_triangles, share = readme_checks()[window]
    names = states.loc[states["window"] == window, "state"].tolist()
    ties = edges[edges["window"] == window]
    closed, balanced = triangles(signed_matrix(ties, names))
    assert len(names) == n_states
    assert (ties["sign"] == 1).sum() == positive
    assert (ties["sign"] == -1).sum() == negative
    assert closed == n_triangles
    assert round(balanced / closed, 4) == share


def test_the_triangle_count_is_right_on_a_small_graph():
    # a-b +, b-c +, a-c - (unbalanced); c-d -, b-d - (with b-c +: balanced)
    ties = pd.DataFrame(
        {"source": ["a", "b", "a", "c", "b"], "target": ["b", "c", "c", "d", "d"],
         "sign": [1, 1, -1, -1, -1]}
    )  # fmt: skip
    assert triangles(signed_matrix(ties, ["a", "b", "c", "d"])) == (2, 1)


def test_the_files_table_gives_the_row_counts(edges, states):
    table = readme_section("Files")
    counts = dict(re.findall(r"\| `(\w+\.csv)` \|.*\| ([\d,]+)", table))
    assert _number(counts["edges.csv"]) == len(edges) == 28_927
    assert _number(counts["states.csv"]) == len(states) == 4_415
    assert list(edges.columns) == ["window", "first_year", "last_year", "source", "target", "sign"]
    assert list(states.columns) == ["window", "first_year", "last_year", "state"]


def test_windows_slide_by_a_year_from_46_49_to_86_89(edges, states):
    windows = list(dict.fromkeys(states["window"]))
    assert windows == [f"{y % 100}-{(y + 3) % 100}" for y in range(1946, 1987)]
    assert list(dict.fromkeys(edges["window"])) == windows
    spans = states.drop_duplicates("window")
    assert (spans["last_year"] - spans["first_year"] == 3).all()


def test_ties_are_signed_undirected_and_touch_only_listed_states(edges, states):
    assert set(edges["sign"]) == {-1, 1}
    assert not (edges["source"] == edges["target"]).any()
    pairs = edges.apply(lambda r: (r.window, frozenset((r.source, r.target))), axis=1)
    assert not pairs.duplicated().any()
    listed = set(zip(states["window"], states["state"], strict=True))
    touched = set(zip(edges["window"], edges["source"], strict=True)) | set(
        zip(edges["window"], edges["target"], strict=True)
    )
    assert touched == listed  # every tie's states are listed, and no listed state is isolated


def pair_signs(edges: pd.DataFrame, a: str, b: str) -> dict[str, int]:
    mask = ((edges["source"] == a) & (edges["target"] == b)) | (
        (edges["source"] == b) & (edges["target"] == a)
    )
    return dict(zip(edges.loc[mask, "window"], edges.loc[mask, "sign"], strict=True))


def test_the_plausibility_checks(edges):
    assert set(pair_signs(edges, "USA", "GBR").values()) == {1}
    assert len(pair_signs(edges, "USA", "GBR")) == 41
    assert set(pair_signs(edges, "USA", "RUS").values()) == {-1}
    assert len(pair_signs(edges, "USA", "RUS")) == 41
    # IND-PAK: negative wherever there is a tie, and no tie in five windows (README note)
    india_pakistan = pair_signs(edges, "IND", "PAK")
    assert set(india_pakistan.values()) == {-1} and len(india_pakistan) == 36
    windows = list(dict.fromkeys(edges["window"]))
    assert [w for w in windows if w not in india_pakistan] == [
        "73-76", "74-77", "75-78", "76-79", "77-80"
    ]  # fmt: skip


def test_the_copy_is_small_enough_for_the_repository():
    sizes = {path.name: path.stat().st_size for path in DATA.iterdir()}
    assert set(sizes) == {"README.md", "edges.csv", "states.csv"}
    assert sum(sizes.values()) < 1_000_000
