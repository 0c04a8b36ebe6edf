"""Small trend charts for results, worked out as numbers for an inline SVG template.

Pure: no Django. The template draws; this module only places points. A chart always
comes with a text alternative listing the readings, so it is never the only way to
read the numbers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

WIDTH = 168
HEIGHT = 48
PAD_X = 5
PAD_Y = 5


@dataclass(frozen=True)
class Line:
    points: str  # the SVG polyline "x,y x,y" attribute
    dots: tuple[tuple[float, float], ...]
    latest: tuple[float, float]
    css_class: str = ""


@dataclass(frozen=True)
class TrendChart:
    lines: tuple[Line, ...]
    targets: tuple[float, ...]  # y positions of target lines
    description: str  # the text alternative
    width: int = WIDTH
    height: int = HEIGHT
    target_band: tuple[float, float] | None = None  # y top and height of the "in target" band


def _scale(low: float, high: float, size: float, pad: float, *, invert: bool):
    span = (high - low) or 1.0

    def place(value: float) -> float:
        fraction = (value - low) / span
        if invert:
            fraction = 1 - fraction
        return round(pad + fraction * (size - 2 * pad), 1)

    return place


def trend_chart(series: Sequence[Sequence[tuple[dt.date, float]]], *, start: dt.date, end: dt.date,
                targets: Sequence[float] = (), description: str, classes: Sequence[str] = ()) -> TrendChart | None:
    """Place one or more series of (date, value) readings between `start` and `end`.

    The y scale covers the readings and the targets so a target line is always in view.
    None when there is nothing to draw.
    """
    series = [[(d, v) for d, v in s if start <= d <= end] for s in series]
    series = [sorted(s) for s in series if s]
    if not series:
        return None
    values = [v for s in series for _, v in s] + list(targets)
    low, high = min(values), max(values)
    margin = (high - low) * 0.08 or max(abs(high) * 0.1, 1.0)
    y = _scale(low - margin, high + margin, HEIGHT, PAD_Y, invert=True)
    days = max((end - start).days, 1)
    x = _scale(0, days, WIDTH, PAD_X, invert=False)
    lines = []
    for i, readings in enumerate(series):
        dots = tuple((x((d - start).days), y(v)) for d, v in readings)
        lines.append(Line(
            points=" ".join(f"{px},{py}" for px, py in dots), dots=dots, latest=dots[-1],
            css_class=classes[i] if i < len(classes) else "",
        ))
    target_ys = tuple(y(t) for t in targets)
    band = None
    if len(targets) == 1:
        top = target_ys[0]
        band = (top, round(HEIGHT - PAD_Y - top, 1)) if top < HEIGHT - PAD_Y else None
    return TrendChart(lines=tuple(lines), targets=target_ys, description=description, target_band=band)
