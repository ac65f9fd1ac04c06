"""Scenario variants: a file that says ``extends: PATH`` gives only what it changes.

The merge works on raw documents (plain data with positions), between reading and
overriding, so the merged document is overridden and validated exactly like a
single file, and every value keeps the position of the file it came from: a
problem in the parent is reported at the parent's line, one in the child at the
child's. The rules (also in docs/scenarios.md):

* mappings merge recursively and the child wins; any other value (text, number,
  list, ``null``) in the child replaces the parent's;
* ``relations`` and ``ties`` merge by pair: a child entry replaces the parent's
  entry for the same two states (in either order), other entries are appended;
* ``events`` merge by ``id``: a child event replaces the parent's event with its
  id (in the parent's place), ``{id: X, remove: true}`` deletes event X, and
  events with a new id or no id are appended.

Reading the parent file (and following its own ``extends``) is the loader's job
(:func:`alignsim.scenario.loading.resolve_raw`); this module only merges.
"""

from __future__ import annotations

from typing import Any

from .crossref import did_you_mean
from .problems import Path, Problem, format_path
from .validation import describe
from .yamlpos import RawDocument

EXTENDS = "extends"
REMOVE = "remove"
#: Top-level lists merged entry by entry, keyed by the pair in ``between``.
PAIR_LISTS = ("relations", "ties")
EVENTS = "events"


def parent_reference(raw: RawDocument) -> tuple[str | None, Problem | None]:
    """The ``extends`` value of a document: (path as written, problem if it is unusable)."""
    if not isinstance(raw.data, dict) or EXTENDS not in raw.data:
        return None, None
    value = raw.data[EXTENDS]
    if isinstance(value, str) and value.strip():
        return value, None
    message = f"`extends` needs the path of the parent scenario file, got {describe(value)}"
    return None, problem_at(raw, (EXTENDS,), message)


def problem_at(raw: RawDocument, path: Path, message: str, at: str = "value") -> Problem:
    """A problem at ``path`` of ``raw`` (its key or value position)."""
    pos = raw.positions.locate(path, "key" if at == "key" else "value")
    file, line, col = pos or (raw.filename, 1, 1)
    return Problem(file, line, col, format_path(path, raw.data), message)


def orphan_removes(raw: RawDocument) -> list[Problem]:
    """``remove:`` markers in a file without ``extends`` (there is no parent to remove from).

    Such an entry is no event, so the checks of events skip it (its path is marked as
    reported).
    """
    events = raw.data.get(EVENTS) if isinstance(raw.data, dict) else None
    if not isinstance(events, list):
        return []
    problems = []
    for i, event in enumerate(events):
        if isinstance(event, dict) and REMOVE in event:
            path: Path = (EVENTS, i, REMOVE)
            message = (
                "`remove: true` deletes an event of a parent scenario, "
                "but this file has no `extends:`"
            )
            problems.append(problem_at(raw, path, message, "key"))
            raw.reported.add((EVENTS, i))
    return problems


def merge_documents(parent: RawDocument, child: RawDocument) -> RawDocument:
    """The child merged over its (already resolved) parent; ``extends`` is dropped.

    Both documents must have mapping data. The result is named after the child; it
    carries both documents' reading problems plus those of the merge itself
    (unusable ``remove`` markers).
    """
    return _Merger(parent, child).run()


def _pair(entry: Any) -> frozenset[str] | None:
    """The pair an entry of ``relations``/``ties`` is about, if it names one."""
    if not isinstance(entry, dict):
        return None
    between = entry.get("between")
    if not isinstance(between, list | tuple) or len(between) != 2:
        return None
    return frozenset(between) if all(isinstance(n, str) for n in between) else None


#: Where a merged list entry comes from: (document, its path there, its value).
_Source = tuple[RawDocument, Path, Any]


class _Merger:
    def __init__(self, parent: RawDocument, child: RawDocument):
        self.parent = parent
        self.child = child
        self.out = RawDocument(child.filename)
        self.problems: list[Problem] = []

    def run(self) -> RawDocument:
        out = self.out
        self._position(self.child, (), ())
        data: dict[str, Any] = {}
        parent, child = self.parent.data, self.child.data
        for key, value in parent.items():
            here = (key,)
            if key not in child:
                data[key] = self.take(self.parent, here, value, here)
            elif key in PAIR_LISTS and isinstance(value, list) and isinstance(child[key], list):
                data[key] = self.merge_pairs(key, value, child[key])
            elif key == EVENTS and isinstance(value, list) and isinstance(child[key], list):
                data[key] = self.merge_events(value, child[key])
            else:
                data[key] = self.merge(value, here, child[key], here)
        for key, value in child.items():
            if key == EVENTS and key not in parent and isinstance(value, list):
                data[key] = self.merge_events([], value)  # `remove` markers still checked
            elif key not in parent and key != EXTENDS:
                data[key] = self.take(self.child, (key,), value, (key,))
        out.data = data
        out.problems = self.parent.problems + self.child.problems + self.problems
        return out

    # -- copying with positions ----------------------------------------------------------
    def _position(self, doc: RawDocument, src: Path, dst: Path) -> None:
        if src in doc.positions.keys:
            self.out.positions.set(dst, doc.positions.keys[src], doc.positions.values[src])
        if src in doc.reported:
            self.out.reported.add(dst)

    def take(self, doc: RawDocument, src: Path, value: Any, dst: Path) -> Any:
        """A copy of ``value`` (found at ``src`` in ``doc``) placed at ``dst``, with positions."""
        self._position(doc, src, dst)
        if isinstance(value, dict):
            return {k: self.take(doc, (*src, k), v, (*dst, k)) for k, v in value.items()}
        if isinstance(value, list):
            return [self.take(doc, (*src, i), v, (*dst, i)) for i, v in enumerate(value)]
        return value

    def merge(self, old: Any, src: Path, new: Any, dst: Path) -> Any:
        """Child value ``new`` over parent value ``old``: mappings merge, the rest is replaced."""
        if not (isinstance(old, dict) and isinstance(new, dict)):
            return self.take(self.child, src, new, dst)
        self._position(self.child, src, dst)
        out: dict[str, Any] = {}
        for key, value in old.items():
            if key in new:
                out[key] = self.merge(value, (*src, key), new[key], (*dst, key))
            else:
                out[key] = self.take(self.parent, (*src, key), value, (*dst, key))
        for key, value in new.items():
            if key not in old:
                out[key] = self.take(self.child, (*src, key), value, (*dst, key))
        return out

    def _list(self, section: str, plan: list[_Source | None]) -> list[Any]:
        self._position(self.child, (section,), (section,))
        kept = [source for source in plan if source is not None]
        return [
            self.take(doc, src, value, (section, i)) for i, (doc, src, value) in enumerate(kept)
        ]

    # -- relations and ties ----------------------------------------------------------------
    def merge_pairs(self, section: str, old: list[Any], new: list[Any]) -> list[Any]:
        plan: list[_Source | None] = [
            (self.parent, (section, i), entry) for i, entry in enumerate(old)
        ]
        where: dict[frozenset[str], int] = {}
        for i, entry in enumerate(old):
            pair = _pair(entry)
            if pair is not None:
                where.setdefault(pair, i)
        for j, entry in enumerate(new):
            pair = _pair(entry)
            source = (self.child, (section, j), entry)
            if pair is not None and pair in where:
                plan[where.pop(pair)] = source  # a second entry for the pair is appended
            else:  # and then reported as a repeated pair by validation
                plan.append(source)
        return self._list(section, plan)

    # -- events ----------------------------------------------------------------------------
    def merge_events(self, old: list[Any], new: list[Any]) -> list[Any]:
        plan: list[_Source | None] = [
            (self.parent, (EVENTS, i), event) for i, event in enumerate(old)
        ]
        ids: dict[str, int] = {}
        for i, event in enumerate(old):
            handle = event.get("id") if isinstance(event, dict) else None
            if isinstance(handle, str):
                ids.setdefault(handle, i)
        changed: dict[str, int] = {}  # parent id -> index of the child entry that changed it
        for j, event in enumerate(new):
            handle = event.get("id") if isinstance(event, dict) else None
            if isinstance(event, dict) and REMOVE in event:
                target = self.removal(j, event, ids, changed)
                if target is not None:
                    plan[ids[target]] = None
                    changed[target] = j
            elif isinstance(handle, str) and handle in ids and handle not in changed:
                plan[ids[handle]] = (self.child, (EVENTS, j), event)
                changed[handle] = j
            else:  # new, without id, or a second entry for an id (reported as a duplicate)
                plan.append((self.child, (EVENTS, j), event))
        return self._list(EVENTS, plan)

    def removal(
        self, j: int, event: dict[str, Any], ids: dict[str, int], changed: dict[str, int]
    ) -> str | None:
        """Check a ``{id: X, remove: true}`` marker; return X when it can be removed."""
        base: Path = (EVENTS, j)
        ok = True
        if event[REMOVE] is not True:
            message = f"`remove` can only be `true` (got {describe(event[REMOVE])})"
            self.problems.append(problem_at(self.child, (*base, REMOVE), message))
            ok = False
        for key in event:
            if key not in ("id", REMOVE):
                message = (
                    f"an event with `remove: true` takes only `id`, not `{key}`; "
                    "to change the event, give it whole without `remove`"
                )
                self.problems.append(problem_at(self.child, (*base, key), message, "key"))
                ok = False
        handle = event.get("id")
        if not isinstance(handle, str):
            message = "`remove: true` needs the `id` of the parent's event to delete"
            self.problems.append(problem_at(self.child, base, message, "key"))
            return None
        if handle in changed:
            message = f"event '{handle}' is already replaced or removed at events.{changed[handle]}"
            self.problems.append(problem_at(self.child, (*base, "id"), message))
            return None
        if handle not in ids:
            message = did_you_mean("event id", handle, list(ids))
            if not ids:
                message += f"; {self.parent.filename} has no event with an id"
            self.problems.append(problem_at(self.child, (*base, "id"), message))
            return None
        return handle if ok else None
