"""Compiled passes over a faction's men on duty: the per-man arithmetic of a chain of
mechanisms in one loop, instead of one NumPy pass (and temporary) per operation.

Each pass computes exactly what the NumPy mechanism functions compute, operation for
operation and in the same floating-point types (NumPy's ``float32`` arithmetic where a
``float32`` column meets a Python number, ``float64`` where it meets a ``float64`` array), so
results are the same bit for bit; ``tests/manpower/test_kernels.py`` checks each pass against
the mechanisms' own functions. Only additions, multiplications, divisions and comparisons
run here: NumPy's vectorised ``exp`` and ``log`` are not bit for bit the C library's, so
every exponential or logarithm stays in NumPy (over units, or over the few men who weigh).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from desertion.manpower.codes import Offence
from desertion.manpower.mechanisms import decision, disaffection, evasion, fear_trigger
from desertion.manpower.passes import Mood


@njit(cache=True, nogil=True, inline="always", error_model="numpy")
def _tie_share(ties, man, exit_day, today, memory_days):
    """Mechanism 5's share of his ties who tried to leave within ``memory_days``."""
    held = 0
    left = 0
    for k in range(ties.shape[1]):
        tie = ties[man, k]
        if tie >= 0:
            held += 1
            if today - np.int64(exit_day[tie]) <= memory_days:
                left += 1
    return np.float64(left) / np.float64(max(held, 1))


@njit(cache=True, nogil=True, error_model="numpy")
def _mood(men, unit, origin, hardship, commitment, threshold, ties, exit_day,
          drivers, unit_pull, hardship_adjustment, today, memory_days, tie_weight,
          fear_factor, uniforms, noise_scale, from_uniforms, shirk_ratio,
          shirk_ratio_is_float32, exit_bar, lowest_barrier, push, noise, spread, weighs,
          preparing):
    one = np.float32(1.0)
    shirk_ratio32 = np.float32(shirk_ratio)
    tie_most = max(tie_weight * 1.0, tie_weight * 0.0)  # the most his ties can add
    for i in range(len(men)):
        man, u = men[i], unit[i]
        # 1. hardship follows its unit's drivers (stored as float32); disaffection
        old = np.float64(hardship[man])
        level = old + (drivers[u] - old) * hardship_adjustment
        hardship[man] = np.float32(level)
        grievance = level * np.float64(one - commitment[man])
        # 6. the fear trigger; 5. contagion: his unit's pull and his ties'. Rounding is
        # monotone and the ties' share at most 1, so ``most`` bounds his push exactly: his
        # ties are looked up only where the bound leaves the outcome open
        triggered = grievance * fear_factor
        most = triggered + (unit_pull[u] + tie_most)
        # 7. the bars of shirking and leaving before any cost; 2. preparing to leave
        own = np.float64(threshold[man])
        if shirk_ratio_is_float32:
            shirk_bar = np.float64(shirk_ratio32 * threshold[man])
        else:
            shirk_bar = shirk_ratio * own
        bar = min(shirk_bar, own + exit_bar[origin[i]])
        lowest = lowest_barrier[origin[i]]
        if from_uniforms:  # NumPy's logistic: scale * log(u / (1 - u)) from u = random()
            odds = uniforms[i] / (1.0 - uniforms[i])
            # log(x) <= x - 1: a man whose bound stays clear under the bar serves whatever
            # his noise, and its logarithm is not needed
            clear = most + noise_scale * (odds - 1.0) < bar - 1e-9 * (1.0 + abs(bar))
        else:
            clear = most + noise[i] <= bar
        if clear and most - lowest <= own:  # serves, and prepares nothing, whatever his ties
            push[i] = np.nan
            spread[i] = np.nan
            if from_uniforms:
                noise[i] = np.nan
            weighs[i] = False
            preparing[i] = False
            continue
        contagion = unit_pull[u] + tie_weight * _tie_share(ties, man, exit_day, today,
                                                           memory_days)
        p = triggered + contagion
        spread[i] = contagion
        push[i] = p
        preparing[i] = p - lowest > own
        if from_uniforms:  # the same bound, now with his exact push
            if p + noise_scale * (odds - 1.0) < bar - 1e-9 * (1.0 + abs(bar)):
                noise[i] = np.nan
                weighs[i] = False
                continue
            noise[i] = noise_scale * math.log(odds)
        weighs[i] = p + noise[i] > bar


def mood(men: np.ndarray, unit: np.ndarray, origin: np.ndarray, hardship: np.ndarray,
         commitment: np.ndarray, threshold: np.ndarray, ties: np.ndarray,
         exit_day: np.ndarray, drivers: np.ndarray, unit_pull: np.ndarray,
         lag_days: float, today: int, memory_days: float, tie_weight: float,
         danger: float, danger_weight: float, rng: np.random.Generator,
         noise_scale: float, shirk_ratio: float, n_options: int,
         lowest_barrier: np.ndarray) -> Mood:
    """``passes.numpy_mood`` (same arguments, same results where they are exact) in one
    pass over the men.

    The noise is ``decision.logistic_noise(rng, len(men), noise_scale)`` exactly (the same
    uniforms, the same formula as NumPy's ``Generator.logistic``), but its logarithm is
    taken only for men it could lift past a bar: elsewhere ``Mood.noise`` is NaN. In the
    same way a man's ties are looked up only where they could make him weigh the ways out
    or prepare to leave: ``Mood.push`` and ``Mood.spread`` are exact wherever ``weighs`` or
    ``preparing``.
    """
    n = len(men)
    push, spread = np.empty(n), np.empty(n)
    uniforms, from_uniforms = _noise_uniforms(rng, n, noise_scale)
    noise = np.zeros(n) if noise_scale <= 0 else \
        (np.empty(n) if from_uniforms else uniforms)
    weighs = np.empty(n, dtype=np.bool_)
    preparing = np.empty(n, dtype=np.bool_)
    if n:
        # a Python float meets a float32 column in float32 (NumPy's rule), a NumPy float64
        # in float64: the kernel follows whichever the parameter is
        _mood(men, unit, origin, hardship, commitment, threshold, ties, exit_day,
              np.asarray(drivers, dtype=np.float64), np.asarray(unit_pull, dtype=np.float64),
              float(disaffection.hardship_adjustment(lag_days)), int(today),
              float(memory_days), float(tie_weight),
              float(fear_trigger.factor(danger, danger_weight)), uniforms, float(noise_scale),
              from_uniforms, float(shirk_ratio), type(shirk_ratio) is float,
              np.asarray(decision.least_exit_cost(noise_scale, n_options, lowest_barrier),
                         dtype=np.float64),
              np.asarray(lowest_barrier, dtype=np.float64), push, noise, spread, weighs,
              preparing)
    return Mood(push, noise, spread, weighs, preparing)


def _noise_uniforms(rng: np.random.Generator, n: int, scale: float
                    ) -> tuple[np.ndarray, bool]:
    """The uniforms NumPy's ``logistic(0, scale, n)`` would turn into noise, and True; or,
    where one of them is 0 (NumPy then draws again, about once in 2**53), the noise itself
    drawn by ``logistic`` from the same state, and False. No noise (``scale <= 0``): no
    draw, as ``decision.logistic_noise``."""
    if scale <= 0:
        return np.zeros(n), False
    state = rng.bit_generator.state
    uniforms = rng.random(n)
    if (uniforms == 0.0).any():
        rng.bit_generator.state = state
        return rng.logistic(0.0, scale, n), False
    return uniforms, True


@njit(cache=True, nogil=True)
def _logit_pick(weights, u, choice, total):
    for i in range(weights.shape[0]):
        row_total = 0.0
        for j in range(weights.shape[1]):
            row_total += weights[i, j]
        total[i] = row_total
        bar = u[i] * row_total
        cumulative, picked = 0.0, 0
        for j in range(weights.shape[1]):  # the same running sums as NumPy's cumsum
            cumulative += weights[i, j]
            picked += bar > cumulative
        choice[i] = picked


def logit_pick(weights: np.ndarray, u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For rows of logit ``weights`` (``exp(-cost / noise)``, relative to the cheapest), the
    option each uniform ``u`` picks (the options whose running sum ``u * total`` exceeds) and
    the rows' totals: ``decision.logit_choice``'s cumulative sum and count in one pass."""
    n = len(weights)
    choice = np.empty(n, dtype=np.intp)
    total = np.empty(n)
    if n:
        _logit_pick(np.ascontiguousarray(weights, dtype=np.float64), u, choice, total)
    return choice, total


@njit(cache=True, nogil=True)
def _count(group, counts):
    for i in range(len(group)):
        counts[group[i]] += 1


def count(group: np.ndarray, n_groups: int) -> np.ndarray:
    """Rows of each group in ``[0, n_groups)`` (``np.bincount``, without its cast of a narrow
    ``group`` to 64-bit integers)."""
    counts = np.zeros(n_groups, dtype=np.int64)
    _count(group, counts)
    return counts


@njit(cache=True, nogil=True)
def _deal(group, draws, starts, out):
    taken = starts.copy()
    for i in range(len(group)):
        g = group[i]
        out[i] = draws[taken[g]]
        taken[g] += 1


def deal(group: np.ndarray, draws: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Hand out ``draws`` (each group's ``counts[g]`` numbers, group after group) to rows by
    their ``group``, each group's in row order: what ``out[group == g] = draws_of_g`` does for
    every group, in one pass instead of a mask and a scatter per group."""
    out = np.empty(len(group))
    if len(group):
        starts = np.zeros(len(counts), dtype=np.int64)
        np.cumsum(counts[:-1], out=starts[1:])
        _deal(group, draws, starts, out)
    return out


@njit(cache=True, nogil=True)
def _hiding_costs(commitment, risk_aversion, deserter, sanctioned_employee, drafted,
                  desertion_severity, evasion_severity, employee_severity, service_base,
                  danger_factor, travel_ban, official, smuggled, sweep_chance, hide_barrier,
                  war_at_home, costs):
    one = np.float32(1.0)
    base32 = np.float32(service_base)
    for i in range(len(commitment)):
        severity = desertion_severity if deserter[i] else evasion_severity
        penalty = employee_severity if sanctioned_employee[i] else 0.0 * employee_severity
        service = np.float64(base32 * (one - commitment[i])) * danger_factor
        caught_cost = service + np.float64(risk_aversion[i]) * severity
        barrier, stop = official[0], official[1]
        if travel_ban and (smuggled[0] + smuggled[1] * caught_cost
                           < official[0] + official[1] * caught_cost):
            barrier, stop = smuggled[0], smuggled[1]
        costs[i, 0] = drafted[i] * service + war_at_home
        costs[i, 1] = hide_barrier + sweep_chance * caught_cost + penalty + war_at_home
        costs[i, 2] = barrier + stop * caught_cost


def hiding_costs(**inputs: object) -> np.ndarray:
    """``evasion.hiding_costs`` (same keywords, same (n, 3) costs bit for bit) in one pass
    over the men; where an input takes a form the pass does not mirror (a per-man severity
    or pressure, a danger given as a Python number), the NumPy function itself."""
    severity, danger = np.asarray(inputs["severity"]), inputs["danger"]
    pressure, params = inputs["pressure"], inputs["params"]
    if severity.ndim != 1 or np.ndim(pressure) or not isinstance(danger, np.floating):
        return evasion.hiding_costs(**inputs)
    commitment = inputs["commitment"]
    # the per-faction numbers, by the same NumPy operations as the function's
    official_stop = np.minimum(1.0, inputs["checkpoint"]
                               + inputs["travel_ban"] * inputs["ban_checkpoint"])
    official = np.array([params.abroad_barrier + inputs["travel_ban"] * inputs["ban_barrier"],
                         official_stop], dtype=np.float64)
    smuggled = np.array([params.abroad_barrier + inputs["smuggling"],
                         inputs["smuggling_interception"] * official_stop], dtype=np.float64)
    sweep_chance = (params.hiding_detection
                    * evasion.draft_chance(np.full(1, pressure), params.horizon_days))[0]
    costs = np.empty((len(commitment), 3))
    if len(commitment):
        _hiding_costs(commitment, inputs["risk_aversion"], inputs["deserter"],
                      np.asarray(inputs["sanctioned_employee"]),
                      np.broadcast_to(np.asarray(inputs["drafted"], dtype=np.float64),
                                      commitment.shape),
                      float(severity[Offence.DESERTION]), float(severity[Offence.EVASION]),
                      float(inputs["employee_severity"]), float(params.service_cost),
                      float(1.0 + danger), bool(inputs["travel_ban"]), official, smuggled,
                      float(sweep_chance), float(params.hide_barrier),
                      float(params.home_hardship * (1.0 + danger)), costs)
    return costs
