"""The pages' HTML views: bars and a live chart drawn by the browser, with no chart library.

Each returns a piece of HTML for `st.html`, with every figure written out in words (a phone
cannot hover a tooltip), in the visitor's language, shaped by the browser's own fonts. The
pictures made with matplotlib are in plots.py.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Callable, Sequence
from functools import lru_cache

import numpy as np

from fmnist_demo.data import kind_names
from fmnist_demo.formatting import count, hold_together, percent, percent_reached
from fmnist_demo.i18n import N_, _, language
from fmnist_demo.plots import ACCURACY_TITLE, LOSS_TITLE, RIGHT, WRONG

LIVE_CHART_ALT = N_("Loss and accuracy after each finished epoch")


def _words(text: str) -> str:
    """Words for HTML, text or an attribute's value: <, >, & and quotes escaped."""
    return html.escape(text, quote=True)


# ---------------------------------------------------------------------------------------------
# One photo's ten probabilities

PROBABILITY_CSS = """
.fm-probs{max-width:34rem;font-size:0.9rem;line-height:1.25}
.fm-probs .fm-row{display:flex;align-items:center;gap:0.6rem;margin:0.28rem 0}
.fm-probs .fm-name{flex:0 0 8.5rem;overflow-wrap:anywhere}
.fm-probs .fm-track{flex:1 1 auto;height:0.85rem;border-radius:0.2rem;
 background:rgba(128,128,128,0.16);overflow:hidden}
.fm-probs .fm-fill{display:block;height:100%;background:#b0bec5}
.fm-probs .fm-pct{flex:0 0 5.6rem;text-align:right;white-space:nowrap;
 font-variant-numeric:tabular-nums}
.fm-probs .fm-top{font-weight:600}
.fm-probs .fm-top .fm-fill{background:#1f77b4}
.fm-probs .fm-none{margin-top:0.5rem;padding-top:0.4rem;border-top:1px dashed rgba(128,128,128,0.6);
 font-style:italic}
.fm-probs .fm-none .fm-fill{background:repeating-linear-gradient(135deg,#8d6e63 0 4px,
 #bcaaa4 4px 8px)}
"""  # grey bars with the most likely one blue; "none of the ten" apart, striped brown below a line

NONE_OF_THE_TEN = N_("None of the ten kinds")  # the 11th bar: the share left for "something else"


def _bar_row(name: str, share: float, extra_class: str = "") -> str:
    width = f"{100 * min(max(share, 0.0), 1.0):.1f}%"
    return (
        f'<div class="fm-row{extra_class}" role="listitem">'
        f'<span class="fm-name">{_words(name)}</span>'
        f'<span class="fm-track" aria-hidden="true"><span class="fm-fill" '
        f'style="width:{width}"></span></span>'
        f'<span class="fm-pct">{_words(percent(share))}</span></div>'
    )


def probability_bars_html(probabilities: np.ndarray, other: float | None = None) -> str:
    """All ten kinds of one photo as bars in HTML, each with its name and its share in words
    ("97 %"), the most likely in blue and bold, in the dataset's order of kinds; with `other`
    (the share for "none of the ten kinds"), an eleventh bar set apart below them, so the bars
    add up to the whole.

    Every figure is written beside its bar, so a phone, where nothing can be hovered, shows them
    too; the browser draws it at once, with no chart library to load, and shapes any language.
    """
    probabilities = np.asarray(probabilities, dtype=float)  # (10,)
    # the likeliest answer is marked: a kind, or "none of the ten" when that outweighs them
    none_first = other is not None and float(other) > float(np.max(probabilities))
    top = -1 if none_first else int(np.argmax(probabilities))
    rows = [
        _bar_row(name, share, " fm-top" if label == top else "")
        for label, (name, share) in enumerate(zip(kind_names(), probabilities, strict=True))
    ]
    if other is not None:
        marked = " fm-none fm-top" if none_first else " fm-none"
        rows.append(_bar_row(_(NONE_OF_THE_TEN), float(other), marked))
    title = _words(_("Probability"))
    return (
        f"<style>{PROBABILITY_CSS}</style>"
        f'<div class="fm-probs" role="list" aria-label="{title}">{"".join(rows)}</div>'
    )


# ---------------------------------------------------------------------------------------------
# The catalogue trial, per kind

TRIAL_RIGHT = N_("Model right")  # the two parts of each kind's bar
TRIAL_CORRECTED = N_("Corrected")

TRIAL_CSS = """
.fm-trial{max-width:40rem;font-size:0.9rem;line-height:1.25}
.fm-trial .fm-key{display:flex;flex-wrap:wrap;gap:0.3rem 1.2rem;margin:0 0 0.5rem}
.fm-trial .fm-swatch{display:inline-block;width:0.8rem;height:0.8rem;border-radius:0.15rem;
 margin-right:0.35rem;vertical-align:-0.1rem}
.fm-trial .fm-kind{margin:0 0 0.55rem}
.fm-trial .fm-line{display:flex;justify-content:space-between;gap:0.6rem;flex-wrap:wrap}
.fm-trial .fm-count{font-variant-numeric:tabular-nums;opacity:0.85}
.fm-trial .fm-track{display:flex;height:0.85rem;margin-top:0.15rem}
.fm-trial .fm-track>span{display:block;height:100%}
.fm-trial .fm-track>span:first-child{border-radius:0.2rem 0 0 0.2rem}
.fm-trial .fm-track>span:last-child{border-radius:0 0.2rem 0.2rem 0}
.fm-trial .fm-track>span:only-child{border-radius:0.2rem}
.fm-trial .fm-right{background:#2e7d32}
.fm-trial .fm-fixed{background:#ef6c00}
"""  # green for right, orange for corrected: colours that read on light and dark themes


def trial_bars_html(per_kind: Sequence[tuple[str, int, int]]) -> str:
    """The trial per kind as stacked bars in HTML: for each (kind's name, items the model named
    right, items staff corrected), a bar as long as its number of items (the longest fills the
    width), green for right and orange for corrected, with "9 of 10 right (90 %)" written above.

    Kinds without items are left out; their order is kept. Every figure is in words, so a phone,
    where nothing can be hovered, shows them all.
    """
    rows = [(name, right, fixed) for name, right, fixed in per_kind if right + fixed > 0]
    longest = max((right + fixed for _, right, fixed in rows), default=1)

    key = "".join(
        f'<span><span class="fm-swatch fm-{part}"></span>{_words(_(label))}</span>'
        for part, label in (("right", TRIAL_RIGHT), ("fixed", TRIAL_CORRECTED))
    )
    kinds = []
    for name, right, fixed in rows:
        items = right + fixed
        # NOTE: one kind in the catalogue trial, e.g. "9 of 10 right (90 %)"
        said = _("{right} of {items} right ({share})").format(
            right=right, items=items, share=percent(right / items)
        )
        parts = "".join(
            f'<span class="fm-{part}" style="width:{100 * n / longest:.1f}%"></span>'
            for part, n in (("right", right), ("fixed", fixed))
            if n
        )
        kinds.append(
            f'<div class="fm-kind" role="listitem"><div class="fm-line">'
            f'<span>{_words(name)}</span><span class="fm-count">{_words(said)}</span></div>'
            f'<div class="fm-track" aria-hidden="true">{parts}</div></div>'
        )
    title = _words(_("Per kind"))
    return (
        f"<style>{TRIAL_CSS}</style>"
        f'<div class="fm-trial"><div class="fm-key" aria-hidden="true">{key}</div>'
        f'<div role="list" aria-label="{title}">{"".join(kinds)}</div></div>'
    )


# ---------------------------------------------------------------------------------------------
# The live training view: one piece of HTML, redrawn several times a second

LIVE_CSS = """
.fm-live{font-family:inherit;color:inherit;max-width:880px}
.fm-live .fm-row{display:flex;justify-content:space-between;font-size:0.95rem;margin:0.2rem 0}
.fm-live .fm-bar{height:0.55rem;border-radius:0.3rem;background:rgba(128,128,128,0.22);
 overflow:hidden;margin-bottom:0.7rem}
.fm-live .fm-bar>div{height:100%;background:#1f63c6}
.fm-live .fm-bar.fm-thin{height:0.35rem}
.fm-live .fm-bar.fm-thin>div{background:#7aa6e0}
.fm-live .fm-figs{display:flex;gap:2.5rem;flex-wrap:wrap;margin:0.4rem 0 0.6rem}
.fm-live .fm-label{font-size:0.85rem;opacity:0.7}
.fm-live .fm-value{font-size:1.9rem;line-height:1.3}
.fm-live .fm-rule{font-size:0.85rem;opacity:0.7;margin:0 0 0.6rem}
.fm-live .fm-chart{width:100%;height:auto;display:block;background:#fff;border-radius:0.5rem}
.fm-live .fm-chart-tall{display:none}
@media (max-width:640px){.fm-live .fm-chart-wide{display:none}
 .fm-live .fm-chart-tall{display:block}}
"""  # colours that read on Streamlit's light and dark themes; the chart sits on white

_PANEL_W, _PANEL_H = 320, 190  # SVG units per chart panel
_SVG_TEXT = "#31333f"  # Streamlit's body text colour
_PAD_L, _PAD_R, _PAD_T, _PAD_B = 46, 12, 24, 34
# On a phone the two panels stand one above the other, each as wide as the screen's column
# (358 px at 390): the SVG's 12-unit words are 13.4 px tall there, where side by side they were 6.7.
LIVE_FONT_UNITS = 12


def _ticks(low: float, high: float, count: int = 4) -> list[float]:
    """About `count` round values from low to high (1, 2 or 5 times a power of ten apart)."""
    span = max(high - low, 1e-9)
    raw = span / count
    power = 10 ** np.floor(np.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    first = np.ceil(low / step - 1e-9) * step
    return [round(float(v), 10) + 0.0 for v in np.arange(first, high + step * 1e-6, step)]  # no -0


def _panel(
    x0: float,
    y0: float,
    title: str,
    ends: list[tuple[float, float]],
    epochs: int,
    y_range: tuple[float, float],
    colour: str,
    y_format: Callable[[float], str],
) -> str:
    """One titled panel of the live chart: axes, grid, and a dot per finished epoch, joined."""
    left, top = x0 + _PAD_L, y0 + _PAD_T
    width, height = _PANEL_W - _PAD_L - _PAD_R, _PANEL_H - _PAD_T - _PAD_B
    low, high = y_range

    def px(x: float) -> float:
        return left + width * x / epochs

    def py(y: float) -> float:
        return top + height * (1 - (y - low) / max(high - low, 1e-9))

    parts = [
        f'<text x="{left}" y="{top - 9}" font-weight="600">{_words(title)}</text>',
        f'<rect x="{left}" y="{top}" width="{width}" height="{height}" fill="none" '
        'stroke="#d5dae3"/>',
    ]
    for value in _ticks(low, high):
        y = py(value)
        parts.append(
            f'<line x1="{left}" x2="{left + width}" y1="{y:.1f}" y2="{y:.1f}" stroke="#eef0f4"/>'
            f'<text x="{left - 5}" y="{y + 4:.1f}" text-anchor="end" fill="#6b7080">'
            f"{_words(y_format(value))}</text>"
        )
    step = 1 if epochs <= 10 else 2 if epochs <= 20 else 5
    for e in range(0, epochs + 1, step):
        parts.append(
            f'<text x="{px(e):.1f}" y="{top + height + 15}" text-anchor="middle" '
            f'fill="#6b7080">{e}</text>'
        )
    axis_title = _words(_("epochs"))
    parts.append(
        f'<text x="{left + width / 2}" y="{top + height + 30}" text-anchor="middle" '
        f'fill="#6b7080">{axis_title}</text>'
    )
    if len(ends) > 1:
        line = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in ends)
        parts.append(
            f'<polyline points="{line}" fill="none" stroke="{colour}" stroke-width="2" '
            'stroke-linejoin="round"/>'
        )
    dots = (f'<circle cx="{px(x):.1f}" cy="{py(y):.1f}" r="3.5" fill="{colour}"/>' for x, y in ends)
    parts.extend(dots)
    return "".join(parts)


@lru_cache(maxsize=8)
def _live_chart(ends: tuple[tuple[float, float, float], ...], epochs: int, lang: str) -> str:
    """The live view's two panels as an <img> of an SVG, from (epoch, loss, accuracy) triples,
    with its words in language lang (the current one; it is part of the cache's key).

    Streamlit's HTML sanitiser keeps no inline SVG, so the chart travels as an image; it only
    changes when an epoch finishes, and the browser re-uses an image it has already decoded.
    The browser draws the words (with the visitor's own fonts), so Bengali is shaped.
    """
    loss_ends = [(e, loss) for e, loss, _ in ends]
    acc_ends = [(e, acc) for e, _, acc in ends]
    loss_high = max((v for _, v in loss_ends), default=1.0) * 1.15 or 1.0
    acc_low = min(np.floor(min((v for _, v in acc_ends), default=0.5) * 10) / 10, 0.9)
    images = []
    # side by side at a desk, one above the other on a phone (CSS shows one of the two)
    for layout, (dx, dy) in (("wide", (_PANEL_W, 0)), ("tall", (0, _PANEL_H))):
        svg = (
            f'<svg xmlns="http://www.w3.org/2000/svg" '
            f'viewBox="0 0 {_PANEL_W + dx} {_PANEL_H + dy}" '
            f'font-family="sans-serif" font-size="{LIVE_FONT_UNITS}" fill="{_SVG_TEXT}">'
            + _panel(0, 0, _(LOSS_TITLE), loss_ends, epochs, (0.0, loss_high), WRONG,
                     lambda v: f"{v:.2f}")
            + _panel(dx, dy, _(ACCURACY_TITLE), acc_ends, epochs,
                     (acc_low, 1.0), RIGHT, percent)
            + "</svg>"
        )  # fmt: skip
        images.append(
            f'<img class="fm-chart fm-chart-{layout}" alt="{_words(_(LIVE_CHART_ALT))}" '
            f'src="data:image/svg+xml;base64,{base64.b64encode(svg.encode()).decode()}">'
        )
    return "".join(images)


def live_training_css() -> str:
    """The live view's style sheet, drawn once per page: restyling on every redraw is costly."""
    return f"<style>{LIVE_CSS}</style>"


def live_training_html(
    *,
    epoch: int,
    epochs: int,
    batch: int,
    batches: int,
    seen: int,
    samples: int,
    loss: float,
    accuracy: float,
    elapsed_s: float,
    points: Sequence[dict],
    target: float | None = None,
) -> str:
    """The Train page's live view as HTML: overall and epoch progress, the current figures, and
    loss and accuracy curves so far.

    `points` are running averages {"epoch": fractional epoch (2.5 = half-way through the third),
    "loss", "accuracy"}; those at a whole epoch are that epoch's final figures, which the curves
    join (the running figures are shown as numbers). `target` is the accuracy that stops the
    training early (None: no early stop); the view says which figure is checked against it.
    """
    overall = min(((epoch - 1) + batch / max(batches, 1)) / max(epochs, 1), 1.0)
    this_epoch = min(batch / max(batches, 1), 1.0)
    ends = tuple(
        (float(p["epoch"]), float(p["loss"]), float(p["accuracy"]))
        for p in points
        if float(p["epoch"]).is_integer()
    )
    chart = _live_chart(ends, epochs, language())

    def figure(label: str, value: str) -> str:
        return (
            f'<div><div class="fm-label">{_words(label)}</div>'
            f'<div class="fm-value">{_words(value)}</div></div>'
        )

    progress = _("Epoch {epoch} of {epochs}").format(epoch=epoch, epochs=epochs)
    done = _("{share} of the training done").format(share=percent(overall))
    pictures = _("Pictures this epoch: {seen} of {samples}").format(
        seen=count(seen), samples=count(samples)
    )
    if target is None:
        rule = ""
    else:
        rule = _(
            "Training stops once a finished epoch's accuracy passes {target}; the figure during an "
            "epoch is its running average, which still moves."
        ).format(target=percent(target))
        rule = f'<div class="fm-rule">{_words(rule)}</div>'
    # for screen readers
    overall_bar, epoch_bar = _words(_("Training done")), _words(_("This epoch"))
    return (
        '<div class="fm-live">'
        f'<div class="fm-row"><span>{_words(progress)}</span><span>{_words(done)}</span></div>'
        f'<div class="fm-bar" role="progressbar" aria-label="{overall_bar}" '
        f'aria-valuenow="{round(100 * overall)}" aria-valuemin="0" aria-valuemax="100">'
        f'<div style="width:{100 * overall:.1f}%"></div></div>'
        f'<div class="fm-row"><span>{_words(pictures)}</span></div>'
        f'<div class="fm-bar fm-thin" role="progressbar" aria-label="{epoch_bar}" '
        f'aria-valuenow="{round(100 * this_epoch)}" aria-valuemin="0" aria-valuemax="100">'
        f'<div style="width:{100 * this_epoch:.1f}%"></div></div>'
        '<div class="fm-figs">'
        + figure(_(LOSS_TITLE), f"{loss:.3f}")
        # the running mean of this epoch, which moves; the last finished epoch's figure is the one
        # the early stop checks, so it is shown apart and rounded down ("90 %" only once reached)
        + figure(_("Accuracy so far this epoch"), percent(accuracy))
        + (
            figure(
                _("Accuracy of epoch {epoch}").format(epoch=int(ends[-1][0])),
                percent_reached(ends[-1][2]),
            )
            if ends
            else ""
        )
        # NOTE: the time the training has taken so far; "s" is the unit, seconds
        + figure(_("Time"), hold_together(_("{seconds} s")).format(seconds=f"{elapsed_s:.1f}"))
        + "</div>"
        + rule
        + chart
        + "</div>"
    )
