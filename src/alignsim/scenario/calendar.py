"""Calendar arithmetic: map dates in a scenario file to model steps and back.

Scenario files speak in dates ("2014-03", "2016-Q3") because that is how the
sources speak; the model speaks in integer steps. Everything is done on a
month index (``year * 12 + month - 1``) so the mapping is exact and reversible
at the calendar's granularity. Days are ignored on purpose: the finest step is
a month.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
from typing import Literal

StepUnit = Literal["month", "quarter", "year"]

#: Months per step for each calendar unit.
PERIOD_MONTHS: dict[str, int] = {"month": 1, "quarter": 3, "year": 12}

DATE_FORMATS = "YYYY-MM, YYYY-MM-DD, YYYY-Qn or YYYY"

_PATTERNS = (
    re.compile(r"^(?P<y>\d{4})-(?P<m>\d{1,2})$"),
    re.compile(r"^(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})$"),
    re.compile(r"^(?P<y>\d{4})-?[Qq](?P<q>[1-4])$"),
    re.compile(r"^(?P<y>\d{4})$"),
)


class DateError(ValueError):
    """A date string that is not in one of the accepted forms."""


def month_index(when: str | dt.date) -> int:
    """Return ``year * 12 + month - 1`` for a date object or an accepted date string.

    Accepted strings: ``YYYY-MM``, ``YYYY-MM-DD`` (day ignored), ``YYYY-Qn`` (first
    month of the quarter) and ``YYYY`` (January).
    """
    if isinstance(when, dt.date):
        return when.year * 12 + when.month - 1
    if not isinstance(when, str):
        raise DateError(f"expected a date ({DATE_FORMATS}), got {when!r}")
    text = when.strip()
    for pattern in _PATTERNS:
        match = pattern.match(text)
        if not match:
            continue
        parts = match.groupdict()
        year = int(parts["y"])
        if parts.get("q"):
            month = 3 * (int(parts["q"]) - 1) + 1
        elif parts.get("m"):
            month = int(parts["m"])
        else:
            month = 1
        if not 1 <= month <= 12:
            raise DateError(f"bad date '{when}': month {month} is not 1-12")
        if parts.get("d"):
            try:
                dt.date(year, month, int(parts["d"]))
            except ValueError as exc:
                raise DateError(f"bad date '{when}': {exc}") from None
        return year * 12 + month - 1
    hint = ""
    if text.isdigit() and len(text) < 4:
        hint = f"; for step {int(text)} write the number without quotes"
    raise DateError(f"bad date '{when}'; expected {DATE_FORMATS}{hint}")


def format_month(index: int) -> str:
    """``YYYY-MM`` for a month index."""
    year, month0 = divmod(index, 12)
    return f"{year:04d}-{month0 + 1:02d}"


def normalize_start(value: object) -> str:
    """Canonical ``YYYY-MM`` form of a calendar start (date object, int year or string)."""
    if isinstance(value, bool):
        raise DateError(f"expected a date ({DATE_FORMATS}), got {value!r}")
    if isinstance(value, int):
        value = f"{value:04d}"
    return format_month(month_index(value))  # type: ignore[arg-type]


@functools.lru_cache(maxsize=4096)
def step_of_date(start: str, unit: str, when: str | dt.date) -> int:
    """Step of the first update whose recorded date is on or after ``when``.

    ``m`` months after the start with ``P`` months per step gives ``max(1, ceil(m / P))``.
    Raises :class:`ValueError` for a date before the start. Kept for the dates asked before:
    each design point of a sweep places the same events.
    """
    months = month_index(when) - month_index(start)
    if months < 0:
        raise ValueError(f"{when} is before the calendar start {start}")
    return max(1, math.ceil(months / PERIOD_MONTHS[unit]))


@functools.lru_cache(maxsize=4096)
def date_label(start: str, unit: str, step: int) -> str:
    """Label of the period that starts ``step`` steps after ``start``.

    ``month`` -> ``2016-09``, ``quarter`` -> ``2016-Q3``, ``year`` -> ``2016``. Kept for the
    steps asked before: every run of a sweep labels the same steps.
    """
    index = month_index(start) + step * PERIOD_MONTHS[unit]
    year, month0 = divmod(index, 12)
    if unit == "month":
        return f"{year:04d}-{month0 + 1:02d}"
    if unit == "quarter":
        return f"{year:04d}-Q{month0 // 3 + 1}"
    return f"{year:04d}"
