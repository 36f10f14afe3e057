"""Unit tests for the pages' HTML views (html_views.py): a photo's probability bars, the
catalogue trial's bars per kind, and the live training view, in English and in Bengali."""

from __future__ import annotations

import base64
import re

import numpy as np
import pytest

from fmnist_demo import html_views, i18n
from fmnist_demo.data import CLASS_NAMES, kind_names


def _chart_svg(html: str) -> str:
    """The live view's chart: an SVG image inside the HTML, as a data URI."""
    encoded = html.split('src="data:image/svg+xml;base64,')[1].split('"')[0]
    return base64.b64decode(encoded).decode()


def _live(points: list[dict], **overrides) -> str:
    values = dict(
        epoch=3,
        epochs=10,
        batch=375,
        batches=1875,
        seen=12_000,
        samples=60_000,
        loss=0.3124,
        accuracy=0.8812,
        elapsed_s=2.06,
        points=points,
    )
    return html_views.live_training_html(**(values | overrides))


def test_live_training_view_shows_progress_figures_and_curves():
    points = [{"epoch": e / 2, "loss": 1 / (1 + e), "accuracy": 0.7 + e / 50} for e in range(1, 6)]
    html = _live(points)
    assert "Epoch 3 of 10" in html and "Pictures this epoch: 12,000 of 60,000" in html
    assert "22\u00a0% of the training done" in html  # (2 + 375 / 1875) / 10
    assert 'aria-valuenow="22"' in html and 'aria-valuenow="20"' in html  # both bars
    assert "0.312" in html and "88\u00a0%" in html and "2.1\u00a0s" in html
    svg = _chart_svg(html)
    assert svg.count("<polyline") == 2  # loss and accuracy
    assert svg.count("<circle") == 4  # finished epochs 1 and 2, in both panels
    assert ">0.00<" in svg and ">-0" not in svg  # the loss axis starts at 0, not "-0.00"
    assert "Training accuracy (higher is better)" in svg and ">100\u00a0%<" in svg
    assert "<style" not in html  # the style sheet is drawn once, apart
    assert "fm-live" in html_views.live_training_css()


def test_live_training_view_before_any_point_and_at_the_end():
    start = _live([], epoch=1, batch=0, seen=0)
    assert "Epoch 1 of 10" in start and "0\u00a0% of the" in start
    assert "<polyline" not in _chart_svg(start)  # axes only
    end = _live([{"epoch": 10.0, "loss": 0.2, "accuracy": 0.93}], epoch=10, batch=1875)
    assert "100\u00a0% of the training done" in end and 'aria-valuenow="100"' in end


def test_probability_bars_name_every_kind_with_its_share_and_mark_the_likeliest():
    probs = np.full(10, 0.02)
    probs[7] = 0.82
    page = html_views.probability_bars_html(probs)
    names = re.findall(r'<span class="fm-name">(.*?)</span>', page)
    shares = re.findall(r'<span class="fm-pct">(.*?)</span>', page)
    widths = re.findall(r'style="width:([\d.]+)%"', page)
    assert names == list(CLASS_NAMES)  # the dataset's order, T-shirt/top first
    assert shares[7] == "82\u00a0%" and shares[0] == "2\u00a0%"  # whole percentages, with the space
    assert [float(w) for w in widths] == pytest.approx(list(100 * probs))
    top = re.findall(r'<div class="fm-row fm-top"[^>]*><span class="fm-name">(.*?)<', page)
    assert top == ["Sneaker"]  # only the likeliest is marked
    assert 'role="list" aria-label="Probability"' in page


def test_probability_bars_never_claim_certainty_and_escape_their_words():
    probs = np.zeros(10)
    probs[1] = 0.9996  # rounds to 100 %, which a guess never is
    page = html_views.probability_bars_html(probs)
    assert "over 99\u00a0%" in page and "100\u00a0%" not in page.replace('style="width:100.0%"', "")
    assert '<span class="fm-name">T-shirt/top</span>' in page
    assert "<script" not in page


def test_the_share_for_none_of_the_ten_is_an_eleventh_bar_set_apart_so_the_bars_add_up():
    probs = np.full(10, 0.01)
    probs[9] = 0.68  # a boot, with 23 % left for "none of the ten kinds"
    page = html_views.probability_bars_html(probs, other=0.23)
    names = re.findall(r'<span class="fm-name">(.*?)</span>', page)
    widths = [float(w) for w in re.findall(r'style="width:([\d.]+)%"', page)]
    assert names == [*CLASS_NAMES, "None of the ten kinds"]
    assert sum(widths) == pytest.approx(100.0)  # the eleven bars are the whole
    (none,) = re.findall(r'<div class="fm-row fm-none"[^>]*><span class="fm-name">(.*?)<', page)
    assert none == "None of the ten kinds" and ".fm-none{" in page  # styled apart
    top = re.findall(r'<div class="fm-row fm-top"[^>]*><span class="fm-name">(.*?)<', page)
    assert top == ["Ankle boot"]  # the likeliest kind is still the one marked
    hat = html_views.probability_bars_html(np.full(10, 0.01), other=0.9)
    marked = re.findall(r'<div class="fm-row[^"]*fm-top"[^>]*><span class="fm-name">(.*?)<', hat)
    assert marked == ["None of the ten kinds"]  # no kind is marked when none of them is likely


def test_probability_bars_in_bengali(bengali):
    probs = np.full(10, 0.02)
    probs[7] = 0.82
    page = html_views.probability_bars_html(probs)
    names = re.findall(r'<span class="fm-name">(.*?)</span>', page)
    assert names == kind_names()  # the bars' names, shaped by the browser
    top = re.findall(r'<div class="fm-row fm-top"[^>]*><span class="fm-name">(.*?)<', page)
    assert top == ["স্নিকার"]
    assert 'aria-label="সম্ভাবনা"' in page
    eleven = html_views.probability_bars_html(probs, other=0.02)
    assert re.findall(r'<span class="fm-name">(.*?)</span>', eleven)[-1] != "None of the ten kinds"


def test_live_training_view_in_bengali_and_english_never_mixed():
    points = [{"epoch": e / 2, "loss": 1 / (1 + e), "accuracy": 0.7 + e / 50} for e in range(1, 6)]
    english = _live(points)
    i18n.set_language("bn")
    try:
        html = _live(points)
    finally:
        i18n.set_language("en")
    assert "পর্ব 3 (মোট 10টির মধ্যে)" in html and "প্রশিক্ষণের 22\u00a0% শেষ" in html
    assert "এই পর্বে দেখা ছবি: 60,000টির মধ্যে 12,000টি" in html and "2.1\u00a0সেকেন্ড" in html
    svg = _chart_svg(html)
    assert "শেখার ছবিতে নির্ভুলতা" in svg and ">পর্ব<" in svg and "Training" not in svg
    visible = re.sub(r"<[^>]+>", " ", html)  # the words between the tags
    assert not re.search("[A-Za-z]{2,}", visible), visible
    assert _live(points) == english  # the chart cached for Bengali is not served in English


# --- the catalogue trial, per kind -----------------------------------------------------------


def _trial_rows(page: str) -> list[tuple[str, str, list[tuple[str, float]]]]:
    """(kind, words, [(part, width %)]) for each kind's bar."""
    rows = re.findall(
        r'<div class="fm-kind" role="listitem"><div class="fm-line"><span>(.*?)</span>'
        r'<span class="fm-count">(.*?)</span></div><div class="fm-track" aria-hidden="true">'
        r"(.*?)</div></div>",
        page,
    )
    part = re.compile(r'fm-(\w+)" style="width:([\d.]+)%')
    return [(kind, said, [(p, float(w)) for p, w in part.findall(bar)]) for kind, said, bar in rows]


def test_trial_bars_write_each_kinds_result_and_scale_to_the_largest():
    page = html_views.trial_bars_html(
        [("T-shirt/top", 9, 1), ("Trouser", 0, 0), ("Dress", 0, 2), ("Bag", 5, 0)]
    )
    rows = _trial_rows(page)
    assert [kind for kind, _, _ in rows] == ["T-shirt/top", "Dress", "Bag"]  # none without items
    assert [said for _, said, _ in rows] == [
        "9 of 10 right (90\u00a0%)",
        "0 of 2 right (0\u00a0%)",
        "5 of 5 right (100\u00a0%)",  # counted, not guessed: all right is 100 %
    ]
    assert rows[0][2] == [("right", 90.0), ("fixed", 10.0)]  # the longest bar fills the width
    assert rows[1][2] == [("fixed", 20.0)] and rows[2][2] == [("right", 50.0)]  # no empty parts
    assert "Model right" in page and "Corrected" in page  # the key to the colours
    assert 'role="list" aria-label="Per kind"' in page


def test_trial_bars_without_items_and_with_markup_in_a_name():
    assert 'class="fm-kind"' not in html_views.trial_bars_html([("Coat", 0, 0)])
    page = html_views.trial_bars_html([("<b>Coat</b>", 1, 0)])
    assert "&lt;b&gt;Coat&lt;/b&gt;" in page and "<b>" not in page


def test_trial_bars_in_bengali(bengali):
    page = html_views.trial_bars_html([(kind_names()[0], 9, 1)])
    ((kind, said, _),) = _trial_rows(page)
    assert kind == "টি-শার্ট/টপ" and "9" in said and "90\u00a0%" in said
    visible = re.sub(r"<style>.*?</style>|<[^>]+>", " ", page, flags=re.S)  # words, not tags
    assert not re.search("[A-Za-z]{2,}", visible), visible


PHONE_COLUMN_PX = 358  # what a 390 px phone shows of the page's column


@pytest.mark.parametrize("lang", ["en", "bn"])
def test_live_chart_on_a_phone_stacks_its_panels_and_its_words_stay_readable(lang):
    """Side by side at 390 px, the live chart's words were 6.7 px tall: now one panel above the
    other, as wide as the phone's column, 13.4 px."""
    i18n.set_language(lang)
    try:
        points = [{"epoch": e, "loss": 0.6 / e, "accuracy": 0.8 + e / 100} for e in (1, 2, 3)]
        html = _live(points)
    finally:
        i18n.set_language("en")
    charts = dict(re.findall(r'class="fm-chart fm-chart-(\w+)"[^>]*base64,([^"]+)"', html))
    assert set(charts) == {"wide", "tall"}
    on_screen = {}
    for layout, data in charts.items():
        svg = base64.b64decode(data).decode()
        width = float(re.search(r'viewBox="0 0 ([\d.]+) ', svg).group(1))
        font = float(re.search(r'font-size="([\d.]+)"', svg).group(1))
        on_screen[layout] = font * PHONE_COLUMN_PX / width  # shown as wide as the column
        assert svg.count("<polyline") == 2 and svg.count("<circle") == 6  # both panels, 3 dots
    assert on_screen["tall"] >= 11 > on_screen["wide"]
    css = html_views.LIVE_CSS
    assert "@media (max-width:640px){.fm-live .fm-chart-wide{display:none}" in css


def test_live_view_says_which_accuracy_counts_for_the_early_stop():
    # epoch 6 under way: its running mean reads 91 %, yet epoch 5 ended at 89.96 %, under the
    # target, and the stop checks only a finished epoch's figure (issue 26, part 5)
    points = [{"epoch": float(e), "loss": 0.3, "accuracy": 0.85 + e / 100} for e in range(1, 5)]
    points.append({"epoch": 5.0, "loss": 0.28, "accuracy": 0.8996})
    html = _live(points, epoch=6, accuracy=0.9104, target=0.9)
    assert "Accuracy so far this epoch" in html and "91\u00a0%" in html
    assert "Accuracy of epoch 5" in html and "89\u00a0%" in html  # rounded down, not "90 %"
    assert "Training stops once a finished epoch" in html and "accuracy passes 90\u00a0%" in html
    assert not re.search(r"\d\.\d\u00a0%", html)  # whole percentages only, as everywhere
    assert "passes" not in _live(points, epoch=6, accuracy=0.9104)  # no target, no rule


def test_live_view_before_the_first_epoch_ends_shows_only_the_running_figure():
    html = _live([{"epoch": 0.5, "loss": 0.6, "accuracy": 0.7}], epoch=1, target=0.9)
    assert "Accuracy so far this epoch" in html and "Accuracy of epoch" not in html


def test_training_accuracy_shown_rounded_down_and_its_gap_to_the_test_figure():
    from fmnist_demo.evaluation import training_gap
    from fmnist_demo.formatting import percent_reached

    # 89.96 % has not reached the 90 % target, so it never reads "90 %"; 0.29 stays 29
    assert percent_reached(0.8996) == "89\u00a0%" and percent_reached(0.9012) == "90\u00a0%"
    assert percent_reached(0.29) == "29\u00a0%" and percent_reached(0.9999) == "99\u00a0%"
    # the gap is the one between the two figures as shown: 89 % and 87 %
    assert training_gap(0.8996, 0.8712) == 2 and training_gap(0.9012, 0.9049) == 0
