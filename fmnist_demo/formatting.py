"""How numbers are written for people: percentages, sureness, counts, clock times, sizes.

One place for every number a page, a figure or a file shows, so that they all read alike ("87 %",
"60,000", "14:05") and a number never sits on one line and its unit on the next.
"""

from __future__ import annotations

import datetime as dt
import math

from fmnist_demo.i18n import _

# Joins a number to its unit ("88 %", "28 × 28", "12.3 s") so a narrow screen never breaks the
# line between them. U+00A0 rather than the narrower U+202F: the shipped Noto Sans Bengali has no
# U+202F, and a browser would draw it from another font, or as a box in a figure.
NO_BREAK_SPACE = "\u00a0"


def with_unit(number: str | int | float, unit: str) -> str:
    """'88' and '%' -> '88 %' with a no-break space: a line never ends between the two."""
    return f"{number}{NO_BREAK_SPACE}{unit}"


def hold_together(text: str) -> str:
    """A translated phrase such as '{seconds} s' with its spaces made no-break spaces."""
    return text.replace(" ", NO_BREAK_SPACE)


def percent(share: float, digits: int = 0) -> str:
    """0.8819 -> '88 %' (or '88.2 %' with digits=1), the way a person reads a share; the number
    and '%' joined by a no-break space."""
    text = f"{100 * share:.{digits}f}"
    if share < 1 and float(text) >= 100:  # 0.998 is not certainty: never round it up to 100 %
        # NOTE: {percent} is a share such as "99 %" or "99.9 %"
        return _("over {percent}").format(percent=with_unit(f"{100 - 10**-digits:g}", "%"))
    return with_unit(text, "%")


def percent_reached(share: float) -> str:
    """0.8996 -> '89 %': a whole percentage rounded down, so that an accuracy read against a
    target such as 90 % shows '90 %' only once it has reached it."""
    # round first: 0.29 * 100 is 28.999999999999996 in floating point
    return percent(math.floor(round(100 * share, 6)) / 100)


def pixel_size(width: int, height: int | None = None) -> str:
    """A picture's size in pixels, '28 × 28', held together on one line."""
    return hold_together(f"{width} × {width if height is None else height}")


def confidence(probability: float) -> str:
    """How sure a guess is, '97 %'; never '100 %', as a guess is never certain."""
    # float32 softmax saturates at exactly 1.0 for clear images; the model is still not certain
    return percent(min(float(probability), 0.999))


def clock(when: dt.datetime, zone: dt.tzinfo | None = None) -> str:
    """An aware moment as '14:05' in `zone` (the server's local zone when None)."""
    return when.astimezone(zone).strftime("%H:%M")


def count(n: int) -> str:
    """60000 -> '60,000'."""
    return f"{int(n):,}"
