"""Every payoff term gets the same checks: subclass TermContract and name the term."""

from __future__ import annotations

import numpy as np
import pytest

from alignsim.model.payoffs import REGISTRY, Payoffs, PayoffTerm
from alignsim.model.world import World
from tests.conftest import random_document, scenario_from


def make_world(seed: int = 3, n: int = 6, k: int = 3) -> World:
    world = World.from_scenario(scenario_from(random_document(seed, n, k)))
    rng = np.random.default_rng(seed)
    ties = rng.uniform(-1, 1, (n, n))
    ties = np.triu(ties, 1)
    world.ties[:] = ties + ties.T
    return world


class TermContract:
    """Checks that hold for any registered payoff term."""

    name: str
    symmetric: bool = False

    @pytest.fixture
    def term(self):
        return REGISTRY[self.name]()

    def test_shape_and_zero_diagonal(self, term):
        world = make_world()
        parts = term.parts(world, np.random.default_rng(0))
        assert parts.shape == (len(term.part_names(world)), world.n, world.n)
        for part in parts:
            assert np.all(np.diag(part) == 0.0)
            assert np.all(np.isfinite(part))

    def test_symmetry_where_required(self, term):
        if not self.symmetric:
            pytest.skip(f"{self.name} need not be symmetric")
        world = make_world()
        for part in term.parts(world, np.random.default_rng(0)):
            np.testing.assert_allclose(part, part.T, atol=1e-12)

    def test_deterministic_under_seed(self, term):
        world = make_world()
        a = term.parts(world, np.random.default_rng(11))
        b = term.parts(world, np.random.default_rng(11))
        np.testing.assert_array_equal(a, b)
        if term.dynamic:  # a dynamic term evaluated twice in a row draws afresh or repeats
            rng = np.random.default_rng(11)
            again = term.parts(world, rng), term.parts(world, rng)
            assert term.name != "noise" or not np.array_equal(*again)

    def test_rows_agree_with_matrix(self, term):
        """A term that computes single rows itself must agree with its full matrix."""
        if type(term).row_parts is PayoffTerm.row_parts:
            pytest.skip(f"{self.name} takes its rows from the full matrix")
        if term.name == "noise":
            pytest.skip("noise is drawn afresh at every evaluation")
        world = make_world()
        full = term.parts(world, np.random.default_rng(0))
        for i in range(world.n):
            rows = term.row_parts(world, i, np.random.default_rng(0))
            np.testing.assert_allclose(rows[:, 0, :], full[:, i, :], atol=1e-12)
            np.testing.assert_allclose(rows[:, 1, :], full[:, :, i], atol=1e-12)

    def test_weight_zero_silences_term(self, term):
        world = make_world()
        if term.weight_param is None:
            pytest.skip("term has no weight")
        world.params[term.weight_param] = 0.0
        assert np.all(term.parts(world, np.random.default_rng(0)) == 0.0)


class TestInterest(TermContract):
    name = "interest"

    def test_shared_agreement_bonds_and_complementarity_trades(self):
        world = make_world(n=2, k=2)
        world.sign[:] = [1.0, -1.0]
        world.salience[:] = 1.0
        world.stances[:] = [[0.8, 0.9], [0.8, -0.9]]  # agree on d0, buyer/seller on d1
        world.corridors.clear()
        world.corridors_changed()
        parts = REGISTRY["interest"]().parts(world, np.random.default_rng(0))
        assert parts[0, 0, 1] > 0 and parts[1, 0, 1] > 0

    def test_salience_weighted_mean(self):
        world = make_world(n=2, k=2)
        world.corridors.clear()
        world.corridors_changed()
        world.sign[:] = 1.0
        world.stances[:] = [[1.0, 1.0], [1.0, -1.0]]
        world.salience[:] = [[1.0, 0.0], [1.0, 1.0]]
        total = REGISTRY["interest"]().parts(world, np.random.default_rng(0)).sum(axis=0)
        assert total[0, 1] == pytest.approx(1.0)  # cares only about d0
        assert total[1, 0] == pytest.approx(0.0)  # +1 and -1 averaged


class TestBalance(TermContract):
    name = "balance"
    symmetric = True

    def test_enemy_of_enemy_is_friend(self):
        world = make_world(n=3)
        world.ties[:] = [[0, -1, 0], [-1, 0, -1], [0, -1, 0]]
        b = REGISTRY["balance"]().parts(world, np.random.default_rng(0))[0]
        assert b[0, 2] > 0

    def test_mean_norm(self):
        world = make_world(n=4)
        world.params["balance_norm"] = "mean"
        b = REGISTRY["balance"]().parts(world, np.random.default_rng(0))[0]
        expected = world.params["balance_weight"] * (world.ties @ world.ties) / 2
        np.fill_diagonal(expected, 0.0)
        np.testing.assert_allclose(b, expected, atol=1e-12)


class TestHistory(TermContract):
    name = "history"
    symmetric = True


class TestPower(TermContract):
    name = "power"


class TestCost(TermContract):
    name = "cost"
    symmetric = True


class TestNoise(TermContract):
    name = "noise"

    def test_scale(self):
        world = make_world(n=40)
        world.params["noise"] = 0.3
        values = REGISTRY["noise"]().parts(world, np.random.default_rng(0))[0]
        off = values[~np.eye(40, dtype=bool)]
        assert off.std() == pytest.approx(0.3, rel=0.1)


def test_every_registered_term_has_a_contract_test():
    tested = {cls.name for cls in TermContract.__subclasses__()}
    assert tested == set(REGISTRY)


def test_parts_sum_to_payoff():
    world = make_world(n=7, k=4)
    payoffs = Payoffs(world)
    parts = payoffs.full(np.random.default_rng(5))
    assert parts.shape[0] == len(payoffs.names)
    assert payoffs.names[:4] == [f"interest.{d}" for d in world.dimensions]
    # the fast path (static total + dynamic parts) gives the sum of the parts
    payoff, dynamic = payoffs.evaluate(np.random.default_rng(5))
    np.testing.assert_allclose(parts.sum(axis=0), payoff, atol=1e-12, rtol=0)
    for i, j in [(0, 1), (3, 2), (6, 0)]:
        assembled = payoffs.pair_parts(i, j, dynamic[:, i, j])
        np.testing.assert_allclose(assembled, parts[:, i, j], atol=1e-12, rtol=0)
    payoff_rows, dynamic = payoffs.around(2, np.random.default_rng(5))
    rebuilt = np.stack([payoffs.pair_parts(2, j, dynamic[:, 0, j]) for j in range(world.n)], 1)
    np.testing.assert_allclose(rebuilt.sum(axis=0), payoff_rows[0], atol=1e-12, rtol=0)
    static = [p for p, name in enumerate(payoffs.names) if name not in ("balance", "noise")]
    np.testing.assert_allclose(rebuilt[static], parts[static, 2, :], atol=1e-12, rtol=0)
