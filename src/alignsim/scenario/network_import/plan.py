"""What an import takes from the edge file: the windows the user named, checked.

``alignsim import-network`` names windows by their labels (``--window 46-49``); this module
turns the options into positions in the file's windows, or into one-line messages naming the
option (with a did-you-mean over the file's windows), before anything is built.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..crossref import did_you_mean
from ..schema import MAX_STEPS
from .edges import SignedNetworks, Window

#: Steps of a scenario made from a plain file (one network, no years), unless --steps says.
PLAIN_STEPS = 10


class NetworkImportError(ValueError):
    """The options do not fit the edge file; ``str`` is every message, one per line."""

    def __init__(self, messages: list[str]):
        self.messages = messages
        super().__init__("\n".join(messages))


#: The pairs a window of the observed history gives rows for (``--observed-pairs``).
OBSERVED_PAIRS = ("tied", "all")


@dataclass(frozen=True)
class ImportOptions:
    """What to import, as the command line gives it (window labels, not positions)."""

    window: str | None = None
    """The window whose signs are the initial ties (required for a file with windows)."""
    until: str | None = None
    """The last window the scenario covers; None: the file's last."""
    relations_from: str | None = None
    """First of the earlier windows whose mean sign is the history; None: no history."""
    observed_from: str | None = None
    observed_to: str | None = None
    observed_every: int = 1
    """Keep every N-th window of the observed history, from --observed-from."""
    observed_pairs: str = "tied"
    """Which pairs a window gives a row for: ``tied`` or ``all`` (see ``history.py``)."""
    name: str | None = None
    """The scenario's name; None: the file's stem and the window."""
    label: str = ""
    """Names the data in notes and descriptions (``COW``)."""
    strength: float = 1.0
    """The initial tie strength of a +1 (and minus it of a -1)."""
    steps: int | None = None
    """Steps of a scenario from a plain file; None: PLAIN_STEPS."""


@dataclass(frozen=True)
class Plan:
    """The windows of an import, as positions in ``networks.windows``."""

    networks: SignedNetworks
    start: int
    end: int
    history: range
    """The earlier windows the relations summarise (empty: no relations)."""
    observed: range
    """The windows of the observed history (empty: none)."""
    steps: int

    @property
    def windows(self) -> list[Window]:
        """The windows the scenario covers, from the start window to the last."""
        return self.networks.windows[self.start : self.end + 1]


def plan_import(networks: SignedNetworks, options: ImportOptions) -> Plan:
    """Check ``options`` against the file's windows; raises :class:`NetworkImportError`."""
    if not networks.dated:
        return _plain_plan(networks, options)
    errors: list[str] = []
    find = _Finder(networks, errors)
    if options.window is None:
        errors.append(f"{networks.file}: --window: the file has windows; name the one whose "
                      f"signs start the scenario ({_span(networks)})")  # fmt: skip
    if options.steps is not None:
        errors.append(f"{networks.file}: --steps: a scenario of a file with windows runs to "
                      "the last year of --until; leave out --steps")  # fmt: skip
    start = find("--window", options.window)
    end = find("--until", options.until, default=len(networks.windows) - 1)
    first = find("--relations-from", options.relations_from)
    low = find("--observed-from", options.observed_from)
    high = find("--observed-to", options.observed_to)
    if errors or start is None or end is None:
        raise NetworkImportError(errors)
    _order(errors, networks, ("--until", end), "on or after", ("--window", start),
           "the scenario runs forwards from --window")  # fmt: skip
    history = range(0)
    if first is not None:
        _order(errors, networks, ("--relations-from", first), "before", ("--window", start),
               "the history is of the windows before the start")  # fmt: skip
        history = range(first, start)
    observed = _observed(errors, networks, options, start, end, low, high)
    if errors:
        raise NetworkImportError(errors)
    steps = _last_year(networks, end) - _last_year(networks, start)
    return Plan(networks, start, end, history, observed, steps)


def _observed(
    errors: list[str], networks: SignedNetworks, options: ImportOptions,
    start: int, end: int, low: int | None, high: int | None,
) -> range:  # fmt: skip
    """The windows of the observed history: after the start window, up to --until."""
    if options.observed_from is None and options.observed_to is None:
        for flag, given in (("--observed-every", options.observed_every != 1),
                            ("--observed-pairs", options.observed_pairs != "tied")):  # fmt: skip
            if given:
                errors.append(f"{networks.file}: {flag}: there is no observed history to "
                              "shape; give --observed-from, --observed-to and "
                              "--observed-out")  # fmt: skip
        return range(0)
    if low is None or high is None:
        if not errors:
            given = "--observed-from" if options.observed_to is None else "--observed-to"
            errors.append(f"{networks.file}: {given}: give --observed-from and --observed-to "
                          "together")  # fmt: skip
        return range(0)
    _order(errors, networks, ("--observed-from", low), "after", ("--window", start),
           "the observed history is of the windows after the start")  # fmt: skip
    _order(errors, networks, ("--observed-to", high), "on or after", ("--observed-from", low),
           "the range runs forwards")  # fmt: skip
    _order(errors, networks, ("--observed-to", high), "on or before", ("--until", end),
           "the scenario ends there")  # fmt: skip
    if options.observed_every < 1:
        errors.append(f"{networks.file}: --observed-every: {options.observed_every} is out of "
                      "range: needs 1 <= x")  # fmt: skip
        return range(0)
    if options.observed_pairs not in OBSERVED_PAIRS:
        errors.append(f"{networks.file}: --observed-pairs: {options.observed_pairs!r} is not "
                      f"one of {', '.join(OBSERVED_PAIRS)}")  # fmt: skip
    return range(low, high + 1, options.observed_every)


def _plain_plan(networks: SignedNetworks, options: ImportOptions) -> Plan:
    """A plain file is one network: no windows to name, no calendar, --steps steps."""
    given = [
        flag for flag, value in (
            ("--window", options.window), ("--until", options.until),
            ("--relations-from", options.relations_from),
            ("--observed-from", options.observed_from), ("--observed-to", options.observed_to),
        ) if value is not None
    ]  # fmt: skip
    given += [flag for flag, changed in (
        ("--observed-every", options.observed_every != 1),
        ("--observed-pairs", options.observed_pairs != "tied"),
    ) if changed]  # fmt: skip
    errors = [
        f"{networks.file}: {flag}: the file is one network (source, target, sign) with no "
        "windows; windows need the columns window, first_year, last_year"
        for flag in given
    ]
    steps = PLAIN_STEPS if options.steps is None else options.steps
    if not 0 <= steps <= MAX_STEPS:
        errors.append(f"{networks.file}: --steps: {steps} is out of range: needs 0 <= x <= "
                      f"{MAX_STEPS}")  # fmt: skip
    if errors:
        raise NetworkImportError(errors)
    return Plan(networks, 0, 0, range(0), range(0), steps)


class _Finder:
    """Finds a window by label, or adds a message with a did-you-mean over the file's."""

    def __init__(self, networks: SignedNetworks, errors: list[str]):
        self.networks, self.errors = networks, errors

    def __call__(self, flag: str, label: str | None, default: int | None = None) -> int | None:
        if label is None:
            return default
        try:
            return self.networks.index(label)
        except ValueError:
            guess = did_you_mean("window", label, self.networks.labels)
            self.errors.append(f"{self.networks.file}: {flag}: {guess}")
            return None


def _order(
    errors: list[str], networks: SignedNetworks, window: tuple[str, int], need: str,
    other: tuple[str, int], why: str,
) -> None:  # fmt: skip
    """A message at ``window``'s flag unless it is ``need`` ("after", "on or after",
    "before", "on or before") ``other``: ranges of windows run forwards."""
    (flag, a), (other_flag, b) = window, other
    holds = {"after": a > b, "on or after": a >= b, "before": a < b, "on or before": a <= b}[need]
    if holds:
        return
    relation = "the same as" if a == b else "before" if a < b else "after"
    label_a, label_b = networks.windows[a].label, networks.windows[b].label
    errors.append(f"{networks.file}: {flag}: window {label_a} is {relation} {other_flag} "
                  f"{label_b}; {why}: give one {need} it")  # fmt: skip


def _last_year(networks: SignedNetworks, index: int) -> int:
    year = networks.windows[index].last_year
    assert year is not None
    return year


def _span(networks: SignedNetworks) -> str:
    labels = networks.labels
    return f"{len(labels)} windows, {labels[0]} to {labels[-1]}"
