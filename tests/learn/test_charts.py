"""The Learn charts (tandem.learn.charts): well-formed SVG a screen reader can read, every special-cause
point marked, everything typed escaped, no script.

Each chart is also written to <tmp>/tandem-learn-charts/ so a person can look at it (see the module's
docstring for how it was checked).
"""

from __future__ import annotations

import datetime as dt
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tandem.learn import charts, funnel, spc

SVG = "{http://www.w3.org/2000/svg}"
OUT = Path(tempfile.gettempdir()) / "tandem-learn-charts"

MONTHS = [dt.date(2024 + (3 + i) // 12, (3 + i) % 12 + 1, 1) for i in range(24)]
LABELS = [f"{d:%b %Y}" for d in MONTHS]
# A baseline, a change, then a run above the old average with one point beyond the limits
VALUES = [12, 14, 13, 15, 11, 14, 13, 12, 15, 14, 13, 12, 16, 17, 16, 18, 17, 19, 18, 30, 17, 18, 19, 18]
NASTY = 'New <script>alert("x")</script> letter & "recall"'


def _parse(svg) -> ET.Element:
    root = ET.fromstring(str(svg))  # noqa: S314 - our own chart: is it well-formed XML?
    assert root.tag == f"{SVG}svg"
    return root


def _save(name: str, svg) -> None:
    OUT.mkdir(exist_ok=True)
    (OUT / f"{name}.svg").write_text(str(svg), encoding="utf-8")


def _accessible(root: ET.Element) -> tuple[str, str]:
    assert root.get("role") == "img"
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert title is not None and desc is not None and title.text and desc.text
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    # no script, no event handlers, no style attributes (a strict CSP; the charts print without CSS)
    for el in root.iter():
        assert el.tag != f"{SVG}script"
        assert not any(a.startswith("on") or a == "style" for a in el.attrib)
    return title.text, desc.text


def _xmr(**kwargs):
    chart = spc.xmr(VALUES, rebase_at=[12], target=20, **kwargs)
    notes = [charts.Annotation(charts.position_of(dt.date(2025, 3, 20), MONTHS), NASTY, dt.date(2025, 3, 20)),
             charts.Annotation(charts.position_of(dt.date(2025, 9, 1), MONTHS), "Birth-month recall", dt.date(2025, 9, 1))]
    svg = charts.xmr_chart(chart, labels=LABELS, title="Care planning conversations each month",
                           value_label="Conversations", fmt=charts.number(0), annotations=notes, chart_id="conv")
    return chart, svg


def test_xmr_chart_reads_in_words():
    chart, svg = _xmr()
    _save("xmr", svg)
    root = _parse(svg)
    title, desc = _accessible(root)
    assert title == "Care planning conversations each month"
    assert "From Apr 2024: average 13" in desc and "From Apr 2025: average 19" in desc
    assert "Nov 2025: 30 (above the upper limit, improvement)" in desc
    assert "Latest, Mar 2026: 18, common cause variation." in desc
    assert "Target 20: the target will sometimes be met and sometimes missed." in desc
    assert "20 Mar 2025: " + NASTY in desc  # the text, not markup: ElementTree has unescaped it
    assert "provisional" in desc  # 12 points in each baseline


@pytest.mark.parametrize("direction", ["increase", "decrease", "neutral"])
def test_every_special_cause_point_is_marked_by_colour_and_shape(direction):
    chart, svg = _xmr(direction=direction)
    root = _parse(svg)
    marked = [el for el in root.iter() if el.get("class") == "tandem-chart__special"]
    special = [p for p in chart.points if p.special]
    assert special, "the example should have special causes"
    assert [int(el.get("data-index")) for el in marked] == [p.index for p in special]
    common = next(el for el in root.iter() if el.get("data-index") and el.get("class") is None)
    for el, p in zip(marked, special, strict=True):
        assert el.get("data-variation") == p.variation
        assert (el.tag, el.get("fill")) != (common.tag, common.get("fill"))  # a different shape and colour
    assert root.iter(f"{SVG}circle")  # common cause points are circles


def test_annotation_labels_are_escaped():
    _, svg = _xmr()
    assert "<script>" not in str(svg)
    assert "&lt;script&gt;" in str(svg)
    root = _parse(svg)
    labels = [el.text for el in root.iter(f"{SVG}text") if el.get("class") == "tandem-chart__change-label"]
    assert labels[0].startswith("New <script>")  # shortened to fit, the full label is in the description
    assert labels[1] == "Birth-month recall"
    assert len([el for el in root.iter() if el.get("class") == "tandem-chart__change"]) == 2


def test_special_cause_shapes_in_one_chart():
    """Improvement, concern and both neutral kinds drawn side by side, for looking at."""
    up = spc.xmr([10, 12] * 10 + [30])
    down = spc.xmr([10, 12] * 10 + [30], direction="decrease")
    neutral = spc.xmr([10, 12] * 10 + [30, 11, -8], direction="neutral")
    for name, chart in (("improvement", up), ("concern", down), ("neutral", neutral)):
        labels = [f"W{i + 1}" for i in range(len(chart.points))]
        svg = charts.xmr_chart(chart, labels=labels, title=name, value_label="Count", chart_id=name)
        _save(f"xmr-{name}", svg)
        root = _parse(svg)
        _accessible(root)
        assert len([el for el in root.iter() if el.get("class") == "tandem-chart__special"]) == sum(
            p.special for p in chart.points)


def test_an_empty_chart_says_so():
    svg = charts.xmr_chart(spc.xmr([]), labels=[], title="Nothing yet", value_label="Count")
    _, desc = _accessible(_parse(svg))
    assert desc == "No data to show yet."
    with pytest.raises(ValueError):
        charts.xmr_chart(spc.xmr([1, 2]), labels=["a"], title="t", value_label="v")


def test_a_flat_series_has_no_limit_lines():
    svg = charts.xmr_chart(spc.xmr([4] * 14), labels=[str(i) for i in range(14)], title="t", value_label="v")
    _, desc = _accessible(_parse(svg))
    assert "no process limits" in desc


PRACTICES = [("P1", 40, 100), ("P2", 90, 200), ("P3", 150, 300), ("P4", 60, 180), ("P5", 200, 350),
             ("P6", 30, 50), ("P7", 120, 260), ("P8", 75, 120), ("P9", 10, 40), ("P10", 240, 500), ("P11", 20, 200)]
NAMES = {key: f"Practice {key}" for key, _, _ in PRACTICES} | {"P5": 'Riverside <b>"Surgery"</b> & Co'}


def test_funnel_plot_of_proportions():
    plot = funnel.funnel(PRACTICES, data_type="PR")
    svg = charts.funnel_chart(plot, names=NAMES, highlight="P5", title="People with a written plan",
                              x_label="People on a register", y_label="With a written plan", fmt=charts.percent(),
                              chart_id="plans")
    _save("funnel-pr", svg)
    root = _parse(svg)
    title, desc = _accessible(root)
    assert 'Riverside <b>"Surgery"</b> & Co: 57%, within the limits.' in desc
    assert "Practice P11 (10%, below)" in desc  # 20 of 200 against an average of 45%
    assert "<b>" not in str(svg)
    highlighted = [el for el in root.iter() if el.get("class") == "tandem-chart__highlight"]
    assert len(highlighted) == 1
    assert len([el for el in root.iter() if el.get("class") == "tandem-chart__unit"]) == len(PRACTICES) - 1
    # the clip path it uses exists
    clip = root.find(f".//{SVG}clipPath")
    assert clip is not None and clip.get("id") == "plans-clip"


def test_funnel_plot_of_standardised_ratios():
    units = [("A", 30, 25.0), ("B", 16, 20.1), ("C", 52, 40.2), ("D", 11, 15.3), ("E", 33, 30.0), ("F", 25, 28.0),
             ("G", 9, 5.2), ("H", 70, 80.0)]
    plot = funnel.funnel(units, data_type="SR")
    svg = charts.funnel_chart(plot, names={k: f"Practice {k}" for k, _, _ in units}, highlight="C",
                              title="Emergency admissions against expected", x_label="Expected admissions",
                              y_label="Standardised ratio", chart_id="admissions")
    _save("funnel-sr", svg)
    _, desc = _accessible(_parse(svg))
    assert "as many as expected" in desc and "Practice C: 1.29" in desc


def test_funnel_without_a_highlight():
    plot = funnel.funnel(PRACTICES, data_type="PR")
    svg = charts.funnel_chart(plot, names=NAMES, title="t", x_label="People", y_label="Share")
    root = _parse(svg)
    _accessible(root)
    assert not [el for el in root.iter() if el.get("class") == "tandem-chart__highlight"]


@pytest.mark.parametrize(("day", "expected"), [
    (dt.date(2024, 4, 1), 0.0),
    (dt.date(2024, 4, 16), 15 / 30),  # half-way through April (30 days)
    (dt.date(2026, 3, 1), 23.0),
    (dt.date(2024, 3, 31), None),
    (dt.date(2026, 3, 2), None),
])
def test_position_of_a_date(day, expected):
    assert charts.position_of(day, MONTHS) == (pytest.approx(expected) if expected is not None else None)


def test_nice_ticks():
    assert charts.nice_ticks(0, 1) == [0, 0.2, 0.4, 0.6, 0.8, 1.0]
    assert charts.nice_ticks(7.3, 31.2)[0] <= 7.3 and charts.nice_ticks(7.3, 31.2)[-1] >= 31.2
