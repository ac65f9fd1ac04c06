"""Compiled inner loops: one call per step where numpy would make dozens of small ones.

At the few dozen states of a real scenario a step is a hundred small array operations of a
microsecond each, so the interpreter, not the arithmetic, sets the pace. These Numba
functions do the same arithmetic as ``payoffs.py`` and ``rules.py`` (the built-in payoff terms
and the relax rule, in the same order of operations), the level bookkeeping of ``metrics.py``,
the recorded metrics and the bloc search of ``blocs.py``, in one call each. The model uses the
tie update only when it runs exactly the built-in terms and rule (see
``model.AlignmentModel``); any other term or rule runs through the numpy code, which stays the
reference (``tests/model/test_compiled.py`` compares them).

Compiled code is cached beside this file (or in Numba's user cache when that is read-only),
so only the first run on a machine pays for compilation (15–25 s; the set-up scripts do it
with ``python -m alignsim.model.warmup``).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, types
from numba.extending import intrinsic

#: Level codes, as in ``metrics.LEVELS``.
_ALLIANCE, _FORMAL_ALLIANCE = 4, 5


def _jit(**options):
    """``njit`` with the machine code cached on disk; where no cache folder is writable (a
    read-only install and no user cache), kept in memory instead: each process compiles."""

    def wrap(function):
        try:
            return njit(cache=True, nogil=True, **options)(function)
        except RuntimeError:  # Numba found no writable cache location
            return njit(nogil=True, **options)(function)

    return wrap


@_jit(fastmath={"reassoc", "nsz", "contract"})
def _paths(x, y):
    """Σ x·y and Σ |x|·|y|: the two sums of one balance entry, in vector instructions.

    Reassociating the sums lets the compiler use SIMD (4× faster at 200 states); the order,
    and so the last bits, then depend on the CPU's vector width, as BLAS results do.
    """
    s = 0.0
    a = 0.0
    for m in range(x.size):
        s += x[m] * y[m]
        a += abs(x[m]) * abs(y[m])
    return s, a


@_jit()
def relax_simultaneous(
    ties, static_total, paths, norm, mean_norm, floor, noise, beta, eta, kappa, out, payoff, bal
):
    """Every pair at once from T(t): the relax rule on U = static + (β·B + ε).

    ``paths`` is T·T and ``norm`` the balance denominator λ + |T|·|T| (numpy's matrix
    products, for large worlds); when ``paths`` is empty both are summed here (small worlds,
    where calling the products costs more than doing them). ``mean_norm`` > 0 is the constant
    denominator of ``balance_norm: mean``. The diagonal of ``noise`` is ignored. Writes
    T(t+1) to ``out``, U to ``payoff`` and the balance part β·B to ``bal``.
    """
    n = ties.shape[0]
    given = paths.size > 0
    for i in range(n):
        for j in range(n):
            if i == j:
                bal[i, j] = 0.0
                payoff[i, j] = static_total[i, j]
                continue
            if given:
                b = (beta * paths[i, j]) / (mean_norm if mean_norm > 0.0 else norm[i, j])
            else:
                p, a = _paths(ties[i], ties[j])  # T is symmetric: T[m, j] == T[j, m]
                b = (beta * p) / (mean_norm if mean_norm > 0.0 else floor + a)
            bal[i, j] = b
            payoff[i, j] = static_total[i, j] + (b + noise[i, j])
    for i in range(n):
        for j in range(n):
            if i == j:
                out[i, j] = 0.0
                continue
            m = min(payoff[i, j], payoff[j, i])
            new = (math.tanh(kappa * m) - ties[i, j]) * eta + ties[i, j]
            out[i, j] = min(max(new, -1.0), 1.0)


@_jit()
def relax_random(
    ties, static_total, noise, order, beta, floor, mean_norm, eta, kappa, inactive, rows, dyn
):
    """States revise their ties one after another in ``order``, each from the current network.

    A pair is revised once per step, by whichever of its states comes first, from
    U = (static + β·B) + ε with B from the ties as they are at that moment. ``noise`` holds
    the draws of the k-th activation in ``noise[k]`` (its own column is zeroed here).
    Updates ``ties`` in place; ``rows[i]`` gets U_i· and U_·i and ``dyn[i]`` the balance and
    noise parts of state i's activation (as ``Payoffs.around``), for the pairs it revised.
    States flagged in ``inactive`` count as revised from the start: their turn is skipped
    (their draws in ``noise`` go unused) and nobody revises a tie with them.
    """
    n = ties.shape[0]
    revised = inactive.copy()
    new = np.empty(n)
    for k in range(n):
        i = order[k]
        if revised[i]:
            continue
        for j in range(n):
            if j == i or revised[j]:
                continue
            s, a = _paths(ties[i], ties[j])  # T is symmetric: T[m, j] == T[j, m]
            b = (beta * s) / (mean_norm if mean_norm > 0.0 else floor + a)
            e0 = noise[k, 0, j]
            e1 = noise[k, 1, j]
            u0 = (static_total[i, j] + b) + e0
            u1 = (static_total[j, i] + b) + e1
            rows[i, 0, j] = u0
            rows[i, 1, j] = u1
            dyn[i, 0, 0, j] = b
            dyn[i, 0, 1, j] = b
            dyn[i, 1, 0, j] = e0
            dyn[i, 1, 1, j] = e1
            t = ties[i, j]
            value = (math.tanh(kappa * min(u0, u1)) - t) * eta + t
            new[j] = min(max(value, -1.0), 1.0)
        for j in range(n):
            if j != i and not revised[j]:
                ties[i, j] = new[j]
                ties[j, i] = new[j]
        revised[i] = True


@_jit()
def classify(ties, hostile, rival, partner, alliance, codes):
    """Level codes 0..4 of every tie into ``codes`` (as ``metrics.LevelBands.codes``)."""
    n = ties.shape[0]
    for i in range(n):
        for j in range(n):
            t = ties[i, j]
            codes[i, j] = (t > hostile) + (t > rival) + (t >= partner) + (t >= alliance)


@_jit()
def advance_levels(
    ties, hostile, rival, partner, alliance, codes, run, after, levels, crossed, formal
):
    """Classify the ties after a revision and keep the alliance clock, in one pass.

    ``codes`` holds the codes the step started from and gets the new ones; the pairs (i < j,
    row-major) whose code changed go to ``crossed`` and those whose tie has now been at
    alliance level for exactly ``after`` steps to ``formal``. ``run`` counts the consecutive
    steps at alliance level; ``levels`` gets the codes with formal alliances promoted.
    Returns the number of crossed and of formal pairs.
    """
    n = ties.shape[0]
    n_crossed = 0
    n_formal = 0
    for i in range(n):
        for j in range(n):
            t = ties[i, j]
            code = (t > hostile) + (t > rival) + (t >= partner) + (t >= alliance)
            if i < j and code != codes[i, j]:
                crossed[n_crossed, 0] = i
                crossed[n_crossed, 1] = j
                n_crossed += 1
            codes[i, j] = code
            if code == _ALLIANCE:
                run[i, j] += 1
            else:
                run[i, j] = 0
            if i < j and run[i, j] == after:
                formal[n_formal, 0] = i
                formal[n_formal, 1] = j
                n_formal += 1
            levels[i, j] = _FORMAL_ALLIANCE if run[i, j] >= after else code
    return n_crossed, n_formal


@_jit()
def relocate(P, N, ptot, PB, NB, lab, k, max_blocs, tol):
    """Doreian & Mrvar's relocation from compact labels ``lab`` (0..k-1), as ``blocs._relocate``.

    ``ptot`` holds P's row sums; ``PB`` and ``NB`` are P·S and N·S for the one-hot
    membership S, with room for n + 1 columns (column k is the empty "new singleton bloc").
    Moves the best single state while that lowers frustration by more than ``tol``; ties go to
    the smallest state, then the smallest bloc. Updates ``lab`` in place and returns the
    number of moves made.
    """
    n = lab.size
    sizes = np.zeros(n + 1, dtype=np.int64)
    for i in range(n):
        sizes[lab[i]] += 1
    moves = 0
    while True:
        best_gain = -np.inf
        best_i = -1
        best_b = -1
        for i in range(n):
            here = NB[i, lab[i]] + (ptot[i] - PB[i, lab[i]])
            top = k + 1 if k < max_blocs else k
            for b in range(top):
                gain = here - (NB[i, b] + (ptot[i] - PB[i, b]))
                if gain > best_gain:
                    best_gain = gain
                    best_i = i
                    best_b = b
        if not best_gain > tol:
            return moves
        i, b = best_i, best_b
        a = lab[i]
        for r in range(n):
            PB[r, a] -= P[r, i]
            NB[r, a] -= N[r, i]
            PB[r, b] += P[r, i]
            NB[r, b] += N[r, i]
        sizes[a] -= 1
        sizes[b] += 1
        lab[i] = b
        moves += 1
        if b == k:  # a new bloc was opened: the next column becomes the empty one
            k += 1
            for r in range(n):
                PB[r, k] = 0.0
                NB[r, k] = 0.0
            sizes[k] = 0
        if sizes[a] == 0:  # a bloc emptied: close the gap so blocs stay 0..k-1
            for c in range(a, k):
                for r in range(n):
                    PB[r, c] = PB[r, c + 1]
                    NB[r, c] = NB[r, c + 1]
                sizes[c] = sizes[c + 1]
            for r in range(n):
                if lab[r] > a:
                    lab[r] -= 1
            k -= 1


@_jit()
def _first_appearance(values, out):
    """Relabel ``values`` to 0..k-1 in order of first appearance into ``out``; returns k."""
    seen = np.full(values.max() + 2 if values.size else 1, -1, dtype=np.int64)
    k = 0
    for r in range(values.size):
        v = values[r]
        if seen[v] < 0:
            seen[v] = k
            k += 1
        out[r] = seen[v]
    return k


@_jit()
def relocate_labels(P, N, lab, max_blocs, tol, out):
    """``relocate`` from any labels: compact them, build the bloc sums, relocate, and write
    the result, compacted in order of first appearance, to ``out``. Returns the bloc count."""
    m = lab.size
    start = np.empty(m, dtype=np.int64)
    k = _first_appearance(lab, start)
    ptot = np.zeros(m)
    PB = np.zeros((m, m + 1))
    NB = np.zeros((m, m + 1))
    for r in range(m):
        for c in range(m):
            ptot[r] += P[r, c]
            PB[r, start[c]] += P[r, c]
            NB[r, start[c]] += N[r, c]
    relocate(P, N, ptot, PB, NB, start, k, max_blocs, tol)
    return _first_appearance(start, out)


@_jit()
def frustration(P, N, lab):
    """Frustration of compact labels on an aligned sub-problem (``blocs._frustration_compact``):
    positive strength between blocs plus negative strength within them, each pair once."""
    m = lab.size
    total = 0.0
    for r in range(m):
        for c in range(r + 1, m):
            total += N[r, c] if lab[r] == lab[c] else P[r, c]
    return total


@_jit()
def warm_start(ties, partner, previous, has_previous, structure, known, idx, warm, S, P, N):
    """The cheap part of ``BlocTracker.update``: who is aligned, and the warm relocation.

    Writes the signed structure (ties at or beyond ±``partner``) into ``structure`` and
    reports whether it differs from ``known``; writes the aligned states to ``idx`` and, when
    some of them were in a bloc before, the previous blocs relocated (compact labels, as
    ``blocs._relocate``) to ``warm``. The first m² entries of ``S``, ``P`` and ``N`` (N² long)
    receive the aligned states' ties (zero diagonal) and their positive and negative parts,
    row by row, for a full search. Returns (structure changed, number aligned, same states
    aligned as before, warm start made, a state moved in it).
    """
    n = ties.shape[0]
    changed = False
    m = 0
    for i in range(n):
        top = 0.0
        for j in range(n):
            t = ties[i, j]
            s = np.int8(partner <= t) - np.int8(-partner >= t)
            structure[i, j] = s
            if s != known[i, j]:
                changed = True
            if j != i and abs(t) > top:
                top = abs(t)
        if top >= partner:
            idx[m] = i
            m += 1
    same = has_previous
    any_previous = False
    if has_previous:
        count = 0
        for i in range(n):
            if previous[i] > 0:
                count += 1
        if count != m:
            same = False
        for r in range(m):
            if previous[idx[r]] > 0:
                any_previous = True
            else:
                same = False
    S = S[: m * m].reshape((m, m))  # contiguous, as everywhere else: one compiled variant
    P = P[: m * m].reshape((m, m))
    N = N[: m * m].reshape((m, m))
    total = 0.0
    for r in range(m):
        for c in range(m):
            t = 0.0 if r == c else ties[idx[r], idx[c]]
            S[r, c] = t
            P[r, c] = max(t, 0.0)
            N[r, c] = max(-t, 0.0)
            total += abs(t)
    if m == 0 or not any_previous:
        return changed, m, same, False, False
    start = np.empty(m, dtype=np.int64)
    _first_appearance(previous[idx[:m]], start)
    relocated = np.empty(m, dtype=np.int64)
    relocate_labels(P, N, start, m, 1e-12 * max(1.0, total), relocated)
    warm[:m] = relocated
    moved = False
    for r in range(m):
        if warm[r] != start[r]:
            moved = True
    return changed, m, same, True, moved


@intrinsic
def _popcount(typingctx, word):
    """Set bits of a 64-bit word: LLVM's ctpop, one instruction where the CPU has one."""

    def codegen(context, builder, signature, args):
        return builder.ctpop(args[0])

    return types.uint64(types.uint64), codegen


@_jit()
def step_metrics(strength, levels, blocs, rows_i, rows_j, present, rival, partner, counts,
                 closed, signed, n_blocs, unaligned, frustration, polarization, mean):  # fmt: skip
    """The whole-network metrics of recorded steps, one row at a time (``recorded_metrics``).

    ``strength``, ``levels``: (S, P) upper-triangle rows, pair c joining ``rows_i[c]`` and
    ``rows_j[c]``; ``blocs``: (S, N). Closed signed triads are counted with bit sets: for a
    signed pair i–j, (A²)_ij = |A_i ∩ A_j| and (S²)_ij = |P_i∩P_j| + |N_i∩N_j| − |P_i∩N_j| −
    |N_i∩P_j| with P, N the positive and negative neighbourhoods, so tr(A³) and tr(S³) cost
    O(P·N/64) instead of two N×N products. ``present``: (S, N), the states in the world at
    each step, whose pairs alone are counted; empty when all are. Writes each output's row s.
    """
    n = blocs.shape[1]
    pairs = rows_i.size
    words = (n + 63) // 64
    masked = present.shape[0] > 0
    for s in range(strength.shape[0]):
        pos = np.zeros((n, words), dtype=np.uint64)
        neg = np.zeros((n, words), dtype=np.uint64)
        sign = np.zeros(pairs, dtype=np.int8)
        total = 0.0
        frus = 0.0
        counted = pairs
        for c in range(pairs):
            t = strength[s, c]
            i = rows_i[c]
            j = rows_j[c]
            if masked and not (present[s, i] and present[s, j]):
                counted -= 1
                continue
            counts[s, levels[s, c]] += 1
            total += t
            if t >= partner:
                sign[c] = 1
                pos[i, j // 64] |= np.uint64(1) << np.uint64(j % 64)
                pos[j, i // 64] |= np.uint64(1) << np.uint64(i % 64)
            elif t <= rival:
                sign[c] = -1
                neg[i, j // 64] |= np.uint64(1) << np.uint64(j % 64)
                neg[j, i // 64] |= np.uint64(1) << np.uint64(i % 64)
            bi = blocs[s, i]
            bj = blocs[s, j]
            if bi > 0 and bj > 0:
                frus += max(-t, 0.0) if bi == bj else max(t, 0.0)
        a3 = np.int64(0)
        s3 = np.int64(0)
        for c in range(pairs):
            if sign[c] == 0:
                continue
            i = rows_i[c]
            j = rows_j[c]
            pp = np.int64(0)
            nn = np.int64(0)
            pn = np.int64(0)
            np_ = np.int64(0)
            for w in range(words):
                pp += np.int64(_popcount(pos[i, w] & pos[j, w]))
                nn += np.int64(_popcount(neg[i, w] & neg[j, w]))
                pn += np.int64(_popcount(pos[i, w] & neg[j, w]))
                np_ += np.int64(_popcount(neg[i, w] & pos[j, w]))
            a3 += pp + nn + pn + np_
            s3 += sign[c] * ((pp + nn) - (pn + np_))
        closed[s] = 2 * a3  # each unordered pair stands for (i, j) and (j, i)
        signed[s] = 2 * s3
        frustration[s] = frus
        mean[s] = total / counted if counted else 0.0
        top = 0
        for i in range(n):
            top = max(top, blocs[s, i])
        sizes = np.zeros(top + 1, dtype=np.int64)
        for i in range(n):
            if not masked or present[s, i]:
                sizes[blocs[s, i]] += 1
        unaligned[s] = sizes[0]
        sizes[0] = 0  # unaligned states are no bloc
        k = 0
        largest = 0
        for b in range(top + 1):
            if sizes[b] > 0:
                k += 1
            if sizes[b] > sizes[largest]:
                largest = b  # ties in size go to the smaller id
        n_blocs[s] = k
        runner_up = -1
        for b in range(top + 1):
            if b != largest and (runner_up < 0 or sizes[b] > sizes[runner_up]):
                runner_up = b
        polarization[s] = 0.0
        if runner_up > 0 and sizes[runner_up] > 0 and largest > 0:
            hostility = 0.0
            for c in range(pairs):
                bi = blocs[s, rows_i[c]]
                bj = blocs[s, rows_j[c]]
                if (bi == largest and bj == runner_up) or (bi == runner_up and bj == largest):
                    hostility += max(-strength[s, c], 0.0)
            polarization[s] = hostility / (sizes[largest] * sizes[runner_up])


@_jit()
def _sign_classes(M):
    """``blocs._leading_sign_classes`` of a small symmetric matrix (a dense ``eigh``)."""
    n = M.shape[0]
    neg = np.zeros(n, dtype=np.bool_)
    if n < 2:
        return neg
    v = np.linalg.eigh(M)[1][:, n - 1]
    top = 0.0
    for r in range(n):
        top = max(top, abs(v[r]))
    tol = 1e-6 * top
    first = 0  # the first clearly signed component is taken as positive
    for r in range(n):
        if v[r] < -tol or v[r] > tol:
            first = -1 if v[r] < -tol else 1
            break
    for r in range(n):
        neg[r] = v[r] > tol if first < 0 else v[r] < -tol
    return neg


@_jit()
def _tried_before(tried, members):
    """Whether this membership was tried before (a loop: Numba compiles no generators)."""
    for seen in tried:  # noqa: SIM110
        if seen.size == members.size and np.all(seen == members):
            return True
    return False


@_jit()
def full_search(sub, P, N, tol, kmax, out):
    """``blocs._full_search`` for worlds small enough for a dense ``eigh``, in one call.

    Spectral and one-bloc starts, each relocated (the spectral start wins ties), then
    divisive refinement: split a bloc by the leading eigenvector of its sub-matrix, relocate,
    and keep the split while frustration falls. Writes compact labels to ``out``.
    """
    n = sub.shape[0]
    best = np.zeros(n, dtype=np.int64)
    best_f = np.inf
    cand = np.empty(n, dtype=np.int64)
    for s in range(2):
        if s == 0 and kmax < 2:
            continue
        start = _sign_classes(sub).astype(np.int64) if s == 0 else np.zeros(n, dtype=np.int64)
        relocate_labels(P, N, start, kmax, tol, cand)
        f = frustration(P, N, cand)
        if f < best_f - tol:
            best[:] = cand
            best_f = f
    lab = best.copy()
    tried = [np.zeros(0, dtype=np.int64)]  # memberships that did not split profitably
    while True:
        k = lab.max() + 1
        if k >= kmax or best_f <= tol:
            break
        improved = False
        for b in range(k):
            members = np.nonzero(lab == b)[0]
            m = members.size
            if m < 2 or _tried_before(tried, members):
                continue
            block = np.empty((m, m))
            for r in range(m):
                for c in range(m):
                    block[r, c] = sub[members[r], members[c]]
            part = _sign_classes(block)
            if not part.any():
                tried.append(members)
                continue
            split = lab.copy()
            for r in range(m):
                if part[r]:
                    split[members[r]] = k
            relocate_labels(P, N, split, kmax, tol, cand)
            f = frustration(P, N, cand)
            if f < best_f - tol:
                lab[:] = cand
                best_f = f
                improved = True
                break
            tried.append(members)
        if not improved:
            break
    out[:] = lab


@_jit()
def match_labels(labels, previous, next_label, out):
    """``blocs.match_labels`` into ``out``; returns the next free id.

    Overlaps are counted over the pairs (new id, previous id) of states in a bloc both times,
    taken largest first (ties: new id, then previous id); each id is used once; new ids left
    over get fresh ids in increasing order.
    """
    n = labels.size
    top = 0
    for i in range(n):
        top = max(top, previous[i])
    if n > 0:
        next_label = max(next_label, top + 1)
    width = top + 1  # every previous id is below it (memory by the ids in use, not next_label)
    keys = np.empty(n, dtype=np.int64)
    count = 0
    top_new = 0
    for i in range(n):
        top_new = max(top_new, labels[i])
        if labels[i] > 0 and previous[i] > 0:
            keys[count] = labels[i] * width + previous[i]
            count += 1
    mapping = np.full(top_new + 1, -1, dtype=np.int64)
    keys = np.sort(keys[:count])  # by new id, then previous id
    pair = np.empty(count, dtype=np.int64)
    size = np.empty(count, dtype=np.int64)
    pairs = 0
    for r in range(count):
        if pairs > 0 and pair[pairs - 1] == keys[r]:
            size[pairs - 1] += 1
        else:
            pair[pairs] = keys[r]
            size[pairs] = 1
            pairs += 1
    order = np.argsort(-size[:pairs], kind="mergesort")  # stable: ties stay by (new, previous)
    used = np.zeros(width, dtype=np.bool_)
    for r in order:
        new, old = pair[r] // width, pair[r] % width
        if mapping[new] < 0 and not used[old]:
            mapping[new] = old
            used[old] = True
    present = np.zeros(top_new + 1, dtype=np.bool_)
    for i in range(n):
        if labels[i] > 0:
            present[labels[i]] = True
    for v in range(1, top_new + 1):
        if present[v] and mapping[v] < 0:
            mapping[v] = next_label
            next_label += 1
    for i in range(n):
        out[i] = mapping[labels[i]] if labels[i] > 0 else 0
    return next_label
