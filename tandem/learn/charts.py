"""Charts for Learn as accessible SVG: an XmR (Making Data Count) chart and a funnel plot. Pure: no Django.

Each chart is an <svg role="img"> with a <title> and a <desc> that gives the reading in words (the mean,
the limits, every special-cause point and why, the latest point, the assurance, the changes recorded);
the page shows the data table and the CSV download beside it. No JavaScript. Everything a person typed
(change labels, practice names) is escaped. Colours and styles are presentation attributes, not CSS or
style attributes, so the charts print and need no stylesheet (and pass a strict CSP).

Colours are from the NHS identity palette. Special-cause points differ by shape as well as colour, and
the legend says which is which:
- common cause: small grey circle (#4c6272, 7.6:1 on white);
- improvement: blue diamond (#005eb8, 5.9:1);
- concern: orange square (#ed8b00) with a near-black outline (#212b32, 15:1): the Making Data Count
  orange is under 3:1 on white by itself, so the outline carries the contrast;
- neutral high / low: purple triangle pointing up / down (#330072, 14:1).
Text is 14 units high in a viewBox 760 wide: about 9pt when printed across an A4 page.
"""

from __future__ import annotations

import datetime as dt
import math
from bisect import bisect_right
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from . import funnel as funnel_rules
from . import spc

TEXT = "#212b32"
GREY = "#4c6272"
GRID = "#d8dde0"
BLUE = "#005eb8"
ORANGE = "#ed8b00"
PURPLE = "#330072"
RED = "#d5281b"
FONT = "Frutiger W01, Arial, sans-serif"
FONT_SIZE = 14
HALO = ' stroke="#ffffff" stroke-width="4" stroke-linejoin="round" paint-order="stroke"'

WIDTH = 760
HEIGHT = 400

Formatter = Callable[[float], str]


def number(decimals: int = 1) -> Formatter:
    def fmt(v: float) -> str:
        return f"{v:,.{decimals}f}"
    return fmt


def percent(decimals: int = 0) -> Formatter:
    """Values stored as shares (0 to 1), shown as percentages."""
    def fmt(v: float) -> str:
        return f"{v * 100:.{decimals}f}%"
    return fmt


@dataclass(frozen=True)
class Annotation:
    """A change the practice recorded, drawn as a vertical marker. position: where on the x axis, in
    point indexes (fractional between points; see position_of)."""

    position: float
    label: str
    on: dt.date | None = None


def position_of(day: dt.date, dates: Sequence[dt.date]) -> float | None:
    """Where a date falls along points dated `dates` (ascending), as a fractional index; None if outside."""
    if not dates or day < dates[0] or day > dates[-1]:
        return None
    i = bisect_right(dates, day) - 1
    if i >= len(dates) - 1:
        return float(len(dates) - 1)
    span = (dates[i + 1] - dates[i]).days
    return i + ((day - dates[i]).days / span if span else 0.0)


# --- Helpers ------------------------------------------------------------------------------------


def _f(v: float) -> str:
    return f"{v:.1f}"


def nice_ticks(lo: float, hi: float, count: int = 5, *, min_step: float = 0.0) -> list[float]:
    """Round tick values covering lo..hi, at least `min_step` apart (1 for counts: no "0.5 people")."""
    if hi <= lo:
        hi = lo + 1
    raw = max((hi - lo) / count, min_step)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    first = math.floor(lo / step) * step
    ticks = []
    t = first
    while t <= hi + step * 1e-9:
        ticks.append(round(t, 10))
        t += step
    if ticks[-1] < hi:
        ticks.append(round(t, 10))
    return ticks


class _Frame:
    """Maps data to the plot area (left, top, right, bottom)."""

    def __init__(self, *, x0: float, x1: float, y0: float, y1: float, left: float, top: float, right: float,
                 bottom: float):
        self.x0, self.x1, self.y0, self.y1 = x0, x1, y0, y1
        self.left, self.top, self.right, self.bottom = left, top, right, bottom

    def x(self, v: float) -> float:
        span = (self.x1 - self.x0) or 1
        return self.left + (v - self.x0) / span * (self.right - self.left)

    def y(self, v: float) -> float:
        span = (self.y1 - self.y0) or 1
        return self.bottom - (v - self.y0) / span * (self.bottom - self.top)


def _text(x: float, y: float, content: str, *, anchor: str = "start", size: int = FONT_SIZE, weight: str = "normal",
          fill: str = TEXT, extra: str = "") -> str:
    return (f'<text x="{_f(x)}" y="{_f(y)}" font-size="{size}" text-anchor="{anchor}" font-weight="{weight}" '
            f'fill="{fill}"{extra}>{escape(content)}</text>')


def _marker(kind: str, x: float, y: float, *, extra: str = "") -> str:
    """A point marker: shape and colour by variation type."""
    if kind == spc.IMPROVEMENT:
        r = 7
        return (f'<path d="M{_f(x)} {_f(y - r)} L{_f(x + r)} {_f(y)} L{_f(x)} {_f(y + r)} L{_f(x - r)} {_f(y)} Z" '
                f'fill="{BLUE}" stroke="{BLUE}"{extra}/>')
    if kind == spc.CONCERN:
        r = 5.5
        return (f'<rect x="{_f(x - r)}" y="{_f(y - r)}" width="{_f(2 * r)}" height="{_f(2 * r)}" fill="{ORANGE}" '
                f'stroke="{TEXT}" stroke-width="1.5"{extra}/>')
    if kind in (spc.NEUTRAL_HIGH, spc.NEUTRAL_LOW):
        r = 7
        d = -1 if kind == spc.NEUTRAL_HIGH else 1
        return (f'<path d="M{_f(x)} {_f(y + d * r)} L{_f(x + r)} {_f(y - d * r * 0.7)} L{_f(x - r)} '
                f'{_f(y - d * r * 0.7)} Z" fill="{PURPLE}" stroke="{PURPLE}"{extra}/>')
    return f'<circle cx="{_f(x)}" cy="{_f(y)}" r="3.5" fill="{GREY}"{extra}/>'


def _svg(*, chart_id: str, title: str, desc: str, body: list[str], width: int, height: int) -> Markup:
    cid = escape(chart_id)
    return Markup(  # noqa: S704 - every text in body went through escape() (see _text); numbers are formatted
        f'<svg xmlns="http://www.w3.org/2000/svg" class="tandem-chart" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-labelledby="{cid}-title {cid}-desc" font-family="{FONT}">'
        f'<title id="{cid}-title">{escape(title)}</title><desc id="{cid}-desc">{escape(desc)}</desc>'
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>'
        + "".join(body) + "</svg>"
    )


def _y_axis(frame: _Frame, ticks: list[float], fmt: Formatter, label: str) -> list[str]:
    out = []
    for t in ticks:
        y = frame.y(t)
        out.append(f'<line x1="{_f(frame.left)}" x2="{_f(frame.right)}" y1="{_f(y)}" y2="{_f(y)}" '
                   f'stroke="{GRID}" stroke-width="1"/>')
        out.append(_text(frame.left - 8, y + 5, fmt(t), anchor="end"))
    out.append(_text(frame.left, frame.top - 12, label, weight="bold"))
    out.append(f'<line x1="{_f(frame.left)}" x2="{_f(frame.left)}" y1="{_f(frame.top)}" y2="{_f(frame.bottom)}" '
               f'stroke="{GREY}" stroke-width="1"/>')
    out.append(f'<line x1="{_f(frame.left)}" x2="{_f(frame.right)}" y1="{_f(frame.bottom)}" y2="{_f(frame.bottom)}" '
               f'stroke="{GREY}" stroke-width="1"/>')
    return out


def _legend(items: list[tuple[str, str]], *, x: float, y: float, width: float) -> list[str]:
    """items: (svg of a 16x16 key drawn around (0, 0), words). Wraps onto more rows as needed."""
    out, cx, cy = [], x, y
    for key, words in items:
        w = 28 + len(words) * 7.2
        if cx + w > x + width and cx > x:
            cx, cy = x, cy + 24
        out.append(f'<g transform="translate({_f(cx + 8)} {_f(cy)})">{key}</g>')
        out.append(_text(cx + 22, cy + 5, words))
        cx += w + 16
    return out


def _line_key(stroke: str, dash: str = "", width: float = 2) -> str:
    dashed = f' stroke-dasharray="{dash}"' if dash else ""
    return f'<line x1="-8" x2="8" y1="0" y2="0" stroke="{stroke}" stroke-width="{width}"{dashed}/>'


# --- XmR chart ----------------------------------------------------------------------------------


def _shorten(label: str, limit: int = 28) -> str:
    return label if len(label) <= limit else label[: limit - 1].rstrip() + "…"


def xmr_chart(chart: spc.XmR, *, labels: Sequence[str], title: str, value_label: str, fmt: Formatter | None = None,
              annotations: Sequence[Annotation] = (), chart_id: str = "xmr", width: int = WIDTH,
              height: int = HEIGHT) -> Markup:
    """An XmR chart: the points joined, each group's mean (solid) and process limits (dashed), the target
    (if any), special-cause points marked by colour and shape, and the practice's changes as labelled
    vertical markers. labels: one short x-axis label per point (e.g. "Apr 2026")."""
    fmt = fmt or number()
    points = chart.points
    if len(labels) != len(points):
        raise ValueError("need one label per point")
    desc = xmr_description(chart, labels=labels, fmt=fmt, annotations=annotations)
    if not points:
        return _svg(chart_id=chart_id, title=title, desc=desc, width=width, height=120,
                    body=[_text(20, 60, "No data to show yet")])
    notes = [a for a in annotations if 0 <= a.position <= len(points) - 1]
    rows = min(len(notes), 3)
    top = 48 + rows * 20
    frame_bottom = height - 96
    values = [p.value for p in points]
    for g in chart.groups:
        if g.limits.upper is not None:
            values += [g.limits.upper, g.limits.lower]
        values.append(g.limits.mean)
    if chart.target is not None:
        values.append(chart.target)
    lo, hi = min(values), max(values)
    pad = (hi - lo) * 0.05 or abs(hi) * 0.1 or 1
    whole = all(float(p.value).is_integer() for p in points)
    ticks = nice_ticks(lo - pad, hi + pad, min_step=1.0 if whole else 0.0)
    frame = _Frame(x0=-0.5, x1=len(points) - 0.5, y0=ticks[0], y1=ticks[-1], left=72, top=top, right=width - 24,
                   bottom=frame_bottom)
    body = _y_axis(frame, ticks, fmt, value_label)
    # x labels: as many as fit
    step = max(1, math.ceil(len(points) * 64 / (frame.right - frame.left)))
    for i in range(0, len(points), step):
        body.append(_text(frame.x(i), frame.bottom + 20, labels[i], anchor="middle"))
    # each group's mean and limits
    for g in chart.groups:
        xa, xb = frame.x(g.start - 0.4), frame.x(g.start + g.size - 0.6)
        lim = g.limits
        body.append(f'<line x1="{_f(xa)}" x2="{_f(xb)}" y1="{_f(frame.y(lim.mean))}" y2="{_f(frame.y(lim.mean))}" '
                    f'stroke="{TEXT}" stroke-width="2"/>')
        if lim.upper is not None:
            for v in (lim.upper, lim.lower):
                body.append(f'<line x1="{_f(xa)}" x2="{_f(xb)}" y1="{_f(frame.y(v))}" y2="{_f(frame.y(v))}" '
                            f'stroke="{GREY}" stroke-width="2" stroke-dasharray="8 5"/>')
        if g.start:
            body.append(f'<line x1="{_f(frame.x(g.start - 0.5))}" x2="{_f(frame.x(g.start - 0.5))}" '
                        f'y1="{_f(frame.top)}" y2="{_f(frame.bottom)}" stroke="{GREY}" stroke-width="1"/>')
    if chart.target is not None:
        ty = frame.y(chart.target)
        body.append(f'<line x1="{_f(frame.left)}" x2="{_f(frame.right)}" y1="{_f(ty)}" y2="{_f(ty)}" '
                    f'stroke="{RED}" stroke-width="2" stroke-dasharray="2 4"/>')
    # changes the practice recorded
    for n, a in enumerate(sorted(notes, key=lambda a: a.position)):
        x = frame.x(a.position)
        row_y = 40 + (n % 3) * 20
        body.append(f'<line class="tandem-chart__change" x1="{_f(x)}" x2="{_f(x)}" y1="{_f(row_y + 4)}" '
                    f'y2="{_f(frame.bottom)}" stroke="{PURPLE}" stroke-width="1.5" stroke-dasharray="4 3"/>')
        anchor = "end" if x > (frame.left + frame.right) / 2 else "start"
        body.append(_text(x + (-4 if anchor == "end" else 4), row_y, _shorten(a.label), anchor=anchor, size=13,
                          fill=PURPLE, extra=' class="tandem-chart__change-label"' + HALO))
    # the points
    coords = [(frame.x(p.index), frame.y(p.value)) for p in points]
    for g in chart.groups:
        seg = coords[g.start:g.start + g.size]
        body.append('<polyline points="' + " ".join(f"{_f(x)},{_f(y)}" for x, y in seg)
                    + f'" fill="none" stroke="{GREY}" stroke-width="1.5"/>')
    for p, (x, y) in zip(points, coords, strict=True):
        extra = f' data-index="{p.index}"'
        if p.special:
            extra += f' class="tandem-chart__special" data-variation="{p.variation}"'
        body.append(_marker(p.variation, x, y, extra=extra))
    # legend
    items = [(_line_key(GREY, width=1.5) + _marker(spc.COMMON_CAUSE, 0, 0), "Common cause"),
             (_line_key(TEXT), "Average"), (_line_key(GREY, "8 5"), "Process limits")]
    kinds = {p.variation for p in points}
    for kind, words in ((spc.IMPROVEMENT, "Improvement"), (spc.CONCERN, "Concern"),
                        (spc.NEUTRAL_HIGH, "Higher than expected"), (spc.NEUTRAL_LOW, "Lower than expected")):
        if kind in kinds:
            items.append((_marker(kind, 0, 0), words))
    if chart.target is not None:
        items.append((_line_key(RED, "2 4"), "Target"))
    if notes:
        items.append((f'<line x1="0" x2="0" y1="-8" y2="8" stroke="{PURPLE}" stroke-width="1.5" '
                      f'stroke-dasharray="4 3"/>', "Change recorded"))
    body += _legend(items, x=frame.left, y=frame.bottom + 50, width=frame.right - frame.left)
    return _svg(chart_id=chart_id, title=title, desc=desc, body=body, width=width, height=height)


def xmr_description(chart: spc.XmR, *, labels: Sequence[str], fmt: Formatter,
                    annotations: Sequence[Annotation] = ()) -> str:
    """The chart's reading in words, for <desc> and for the page."""
    points = chart.points
    if not points:
        return "No data to show yet."
    parts = [f"{len(points)} points, from {labels[0]} to {labels[-1]}."]
    for g in chart.groups:
        lim = g.limits
        where = "" if len(chart.groups) == 1 else f"From {labels[g.start]}: "
        text = f"{where}average {fmt(lim.mean)}"
        if lim.upper is not None:
            text += f", process limits {fmt(lim.lower)} to {fmt(lim.upper)}"
        else:
            text += ", no process limits (the points do not vary enough to work them out)"
        parts.append(text + ".")
        if g.short:
            parts.append(f"The limits{' from ' + labels[g.start] if g.start else ''} are based on only {g.size} "
                         "points, so treat them as provisional.")
    special = [p for p in points if p.special]
    if special:
        listed = "; ".join(f"{labels[p.index]}: {fmt(p.value)} ({p.reason}, "
                           f"{spc.VARIATION_WORDS[p.variation].removeprefix('special cause: ')})" for p in special)
        parts.append(f"{len(special)} {'point shows' if len(special) == 1 else 'points show'} special cause "
                     f"variation: {listed}.")
    else:
        parts.append("All points show common cause variation.")
    latest = points[-1]
    parts.append(f"Latest, {labels[-1]}: {fmt(latest.value)}, {spc.VARIATION_WORDS[latest.variation]}.")
    if chart.target is not None:
        parts.append(f"Target {fmt(chart.target)}"
                     + (f": {spc.ASSURANCE_WORDS[chart.assurance]}." if chart.assurance else "."))
    notes = [a for a in annotations if 0 <= a.position <= len(points) - 1]
    if notes:
        parts.append("Changes recorded: " + "; ".join(
            (f"{a.on.day} {a.on:%b %Y}: " if a.on else "") + a.label for a in notes) + ".")
    return " ".join(parts)


# --- Funnel plot --------------------------------------------------------------------------------


def funnel_chart(plot: funnel_rules.Funnel, *, names: Mapping[Hashable, str], title: str, x_label: str, y_label: str,
                 highlight: Hashable | None = None, fmt: Formatter | None = None, chart_id: str = "funnel",
                 width: int = WIDTH, height: int = HEIGHT) -> Markup:
    """A funnel plot: each unit (practice) a point at its denominator, the centre line and the 95% and
    99.8% limits as curves, and the highlighted unit ("this practice") drawn larger, in blue, as a diamond
    and labelled."""
    fmt = fmt or number(2)
    units = plot.units
    desc = funnel_description(plot, names=names, highlight=highlight, fmt=fmt, x_label=x_label)
    if not units:
        return _svg(chart_id=chart_id, title=title, desc=desc, width=width, height=120,
                    body=[_text(20, 60, "No data to show yet")])
    x_hi = max(u.denominator for u in units) * 1.05
    x_lo = 0.0
    # the curves from a small denominator, sampled along the axis
    start = max(1.0, x_hi / 200)
    samples = [start + (x_hi - start) * k / 80 for k in range(81)]
    bands = [(x, plot.band(x)) for x in samples]
    values = [u.value for u in units] + [plot.target]
    # show the limits where the units are, not where they blow up at tiny denominators
    # the range covers every practice and the limits where they are tightest (the largest denominator),
    # plus a margin for the curves to open out; beyond that they are clipped
    far = plot.band(max(u.denominator for u in units))
    lo = min([*values, far.lower998])
    hi = max([*values, far.upper998])
    lo, hi = lo - (hi - lo) * 0.25, hi + (hi - lo) * 0.25
    lo = max(lo, 0.0)
    if plot.data_type == "PR":
        hi = min(hi, plot.multiplier)
    ticks = nice_ticks(lo, hi)
    frame = _Frame(x0=x_lo, x1=x_hi, y0=ticks[0], y1=ticks[-1], left=72, top=48, right=width - 24, bottom=height - 96)
    body = _y_axis(frame, ticks, fmt, y_label)
    for t in nice_ticks(x_lo, x_hi):
        if t <= x_hi:
            body.append(_text(frame.x(t), frame.bottom + 20, f"{t:,.0f}", anchor="middle"))
    body.append(_text((frame.left + frame.right) / 2, frame.bottom + 42, x_label, anchor="middle", weight="bold"))
    clip = f"{escape(chart_id)}-clip"
    body.append(f'<clipPath id="{clip}"><rect x="{_f(frame.left)}" y="{_f(frame.top)}" '
                f'width="{_f(frame.right - frame.left)}" height="{_f(frame.bottom - frame.top)}"/></clipPath>')
    curves = [("lower95", "upper95", "8 5", "95% limits"), ("lower998", "upper998", "", "99.8% limits")]
    body.append(f'<g clip-path="url(#{clip})">')
    ty = frame.y(plot.target)
    body.append(f'<line x1="{_f(frame.left)}" x2="{_f(frame.right)}" y1="{_f(ty)}" y2="{_f(ty)}" stroke="{TEXT}" '
                f'stroke-width="2"/>')
    for low, high, dash, _words in curves:
        dashed = f' stroke-dasharray="{dash}"' if dash else ""
        for side in (low, high):
            pts = " ".join(f"{_f(frame.x(x))},{_f(frame.y(getattr(b, side)))}" for x, b in bands)
            body.append(f'<polyline points="{pts}" fill="none" stroke="{GREY}" stroke-width="1.5"{dashed}/>')
    mine = None
    for u in units:
        if u.key == highlight:
            mine = u
            continue
        body.append(f'<circle cx="{_f(frame.x(u.denominator))}" cy="{_f(frame.y(u.value))}" r="4.5" fill="{GREY}" '
                    f'fill-opacity="0.85" class="tandem-chart__unit"/>')
    if mine is not None:
        x, y = frame.x(mine.denominator), frame.y(mine.value)
        r = 9
        body.append(f'<path class="tandem-chart__highlight" d="M{_f(x)} {_f(y - r)} L{_f(x + r)} {_f(y)} '
                    f'L{_f(x)} {_f(y + r)} L{_f(x - r)} {_f(y)} Z" fill="{BLUE}" stroke="#ffffff" stroke-width="1.5"/>')
    body.append("</g>")
    if mine is not None:
        x, y = frame.x(mine.denominator), frame.y(mine.value)
        anchor = "end" if x > (frame.left + frame.right) / 2 else "start"
        label = _shorten(names.get(mine.key, str(mine.key)), 32)
        body.append(_text(x + (-14 if anchor == "end" else 14), y - 10, label, anchor=anchor, weight="bold", fill=BLUE,
                          extra=HALO))
    items = [(f'<circle cx="0" cy="0" r="4.5" fill="{GREY}"/>', "Practice"),
             (_line_key(TEXT), "Average of all" if plot.data_type == "PR" else "As expected (1)"),
             (_line_key(GREY, "8 5", 1.5), "95% limits"), (_line_key(GREY, width=1.5), "99.8% limits")]
    if mine is not None:
        items.insert(1, (f'<path d="M0 -8 L8 0 L0 8 L-8 0 Z" fill="{BLUE}"/>', _shorten(names.get(mine.key, "This practice"), 32)))
    body += _legend(items, x=frame.left, y=frame.bottom + 68, width=frame.right - frame.left)
    return _svg(chart_id=chart_id, title=title, desc=desc, body=body, width=width, height=height + 16)


def funnel_description(plot: funnel_rules.Funnel, *, names: Mapping[Hashable, str], highlight: Hashable | None,
                       fmt: Formatter, x_label: str) -> str:
    units = plot.units
    if not units:
        return "No data to show yet."
    centre = "the average of all of them" if plot.data_type == "PR" else "as many as expected"
    parts = [f"{len(units)} {'practice' if len(units) == 1 else 'practices'}, each plotted against "
             f"{x_label.lower()}. The centre line, {fmt(plot.target)}, is {centre}. The curves are the 95% "
             "and 99.8% limits: a practice outside them differs by more than chance would usually explain."]
    if plot.overdispersed:
        parts.append("The limits are widened because practices vary more than chance alone would explain "
                     f"(overdispersion ratio {plot.phi:.2f}).")

    def where(u: funnel_rules.Unit) -> str:
        if u.outside998:
            side = "above" if u.value > u.band.upper998 else "below"
            return f"{side} the 99.8% limits"
        if u.outside95:
            side = "above" if u.value > u.band.upper95 else "below"
            return f"{side} the 95% limits"
        return "within the limits"

    mine = next((u for u in units if u.key == highlight), None)
    if mine is not None:
        parts.append(f"{names.get(mine.key, 'This practice')}: {fmt(mine.value)}, {where(mine)}.")
    others = [u for u in units if u.outside998 and u is not mine]
    if others:
        parts.append(f"{len(others)} other {'practice is' if len(others) == 1 else 'practices are'} outside the 99.8% "
                     "limits: " + "; ".join(f"{names.get(u.key, str(u.key))} ({fmt(u.value)}, {where(u).split(' ')[0]})"
                                           for u in others) + ".")
    return " ".join(parts)
