"""The alignment model: states, payoff terms, tie rules, events, metrics and blocs."""

from alignsim.model.model import AlignmentModel
from alignsim.model.payoffs import REGISTRY as PAYOFF_TERMS
from alignsim.model.payoffs import PayoffTerm
from alignsim.model.prepared import PreparedScenario
from alignsim.model.recorder import Result
from alignsim.model.rules import RULES, TieRule
from alignsim.model.simulate import simulate
from alignsim.model.state import State

__all__ = [
    "PAYOFF_TERMS",
    "RULES",
    "AlignmentModel",
    "PayoffTerm",
    "PreparedScenario",
    "Result",
    "State",
    "TieRule",
    "simulate",
]
