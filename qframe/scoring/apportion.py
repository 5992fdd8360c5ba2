"""Apportionment: a level unit's payment shared out to its practices exactly to the penny.

The rule (largest remainder, also called Hamilton's method), for an amount of ``T`` pence shared
by weights ``w₁ … wₙ`` (list sizes, or a stated weight) with ``W = Σ wᵢ > 0``:

1. each practice's exact share is ``qᵢ = T × wᵢ / W`` pence (computed exactly, in fractions);
2. each practice first gets ``⌊qᵢ⌋`` pence;
3. the pence left over, ``T − Σ⌊qᵢ⌋`` (fewer than n), go one each to the practices with the
   largest remainders ``qᵢ − ⌊qᵢ⌋``; equal remainders go to the larger weight first, then to the
   practice listed first (the order given: qframe lists practices by id).

So the shares always add up to the amount exactly, each is within a penny of its exact
share, and the result does not depend on floating point. A negative amount (a recovery) is shared
as its size and given its sign back.

>>> largest_remainder(100, [1, 1, 1])          # 33⅓p each: the first practice gets the penny
[34, 33, 33]
>>> largest_remainder(1000, [3000, 5000, 2000])  # exact: 300p, 500p, 200p
[300, 500, 200]
>>> largest_remainder(1001, [3000, 5000, 2000])  # 300.3, 500.5, 200.2: the .5 takes the penny
[300, 501, 200]
>>> largest_remainder(-100, [2, 1])            # -66⅔ and -33⅓: -67p and -33p
[-67, -33]

£1,234.57 by list sizes 4,210, 7,730 and 2,150 (14,090 patients): exact shares 36,888.18p,
67,730.49p and 18,838.36p; the floors add up to 123,456p, and the one penny left goes to the
largest remainder (.49):

>>> apportion_pounds(1234.57, [4210, 7730, 2150])
[368.88, 677.31, 188.38]
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction


def largest_remainder(total_pence: int, weights: Sequence[float]) -> list[int]:
    """Share ``total_pence`` by ``weights`` (each ≥ 0, some > 0) by the largest-remainder rule;
    the shares add up to ``total_pence`` exactly."""
    exact = [Fraction(w) for w in weights]
    if any(w < 0 or not math.isfinite(float(w)) for w in weights):
        raise ValueError("apportionment weights must be finite and not negative")
    whole = sum(exact, Fraction(0))
    if whole == 0:
        raise ValueError("apportionment weights are all zero")
    sign = -1 if total_pence < 0 else 1
    amount = abs(int(total_pence))
    quotas = [amount * w / whole for w in exact]
    shares = [math.floor(q) for q in quotas]
    left = amount - sum(shares)
    order = sorted(range(len(quotas)), key=lambda i: (-(quotas[i] - shares[i]), -exact[i], i))
    for i in order[:left]:
        shares[i] += 1
    return [sign * s for s in shares]


def apportion_pounds(amount: float, weights: Sequence[float]) -> list[float]:
    """Share an amount of pounds (already to the penny) by ``weights``, to the penny."""
    pence = round(Fraction(amount) * 100)
    return [p / 100 for p in largest_remainder(pence, weights)]


__all__ = ["apportion_pounds", "largest_remainder"]
