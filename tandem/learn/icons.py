"""The Making Data Count variation and assurance icons, as small accessible SVG. Pure: no Django.

Variation (the latest point of an XmR chart): common cause is a grey ring with a level line; special cause is
a filled circle with H (higher) or L (lower) for the side of the average the latest point is on: blue for
improvement, orange for concern, purple where neither direction is better. Assurance (only with a target,
against the latest process limits): P (the target will consistently be met) in blue, F (consistently missed)
in orange, ? (sometimes met, sometimes missed) in grey. Each icon names itself (role="img" and a <title>),
and the page says the same in words beside it. Colours as tandem.learn.charts; orange carries a near-black
outline and letter, as it is under 3:1 on white by itself.

After NHS England's Making Data Count icons (variation: common cause, special cause improvement / concern,
high or low; assurance: pass, fail, hit and miss); drawn here, not copied.
"""

from __future__ import annotations

from markupsafe import Markup, escape

from . import spc
from .charts import BLUE, FONT, GREY, ORANGE, PURPLE, TEXT

SIZE = 48


def _icon(label: str, body: str) -> Markup:
    return Markup(  # noqa: S704 - the label is escaped; the body is made here from constants
        f'<svg xmlns="http://www.w3.org/2000/svg" class="learn-icon" viewBox="0 0 {SIZE} {SIZE}" width="{SIZE}" '
        f'height="{SIZE}" role="img" aria-label="{escape(label)}" font-family="{FONT}"><title>{escape(label)}</title>'
        f"{body}</svg>"
    )


def _disc(fill: str, letter: str, ink: str, outline: str = "") -> str:
    stroke = f' stroke="{outline}" stroke-width="2"' if outline else ""
    return (f'<circle cx="24" cy="24" r="21" fill="{fill}"{stroke}/>'
            f'<text x="24" y="32" text-anchor="middle" font-size="24" font-weight="bold" fill="{ink}">{letter}</text>')


def variation_icon(chart: spc.XmR) -> Markup | None:
    latest = chart.latest
    if latest is None:
        return None
    side = "H" if latest.relative_to_mean >= 0 else "L"
    high = "higher" if side == "H" else "lower"
    kind = latest.variation
    if kind == spc.IMPROVEMENT:
        return _icon(f"Variation: special cause, improvement ({high} than usual)", _disc(BLUE, side, "#ffffff"))
    if kind == spc.CONCERN:
        return _icon(f"Variation: special cause, a concern ({high} than usual)", _disc(ORANGE, side, TEXT, TEXT))
    if kind in (spc.NEUTRAL_HIGH, spc.NEUTRAL_LOW):
        side = "H" if kind == spc.NEUTRAL_HIGH else "L"
        return _icon(f"Variation: special cause, {'higher' if side == 'H' else 'lower'} than usual",
                     _disc(PURPLE, side, "#ffffff"))
    return _icon("Variation: common cause, no sign of change",
                 f'<circle cx="24" cy="24" r="20" fill="#ffffff" stroke="{GREY}" stroke-width="3"/>'
                 f'<path d="M11 26 L18 20 L24 27 L30 21 L37 26" fill="none" stroke="{GREY}" stroke-width="3" '
                 'stroke-linejoin="round" stroke-linecap="round"/>')


def assurance_icon(chart: spc.XmR) -> Markup | None:
    kind = chart.assurance
    if kind == spc.CONSISTENT_PASS:
        return _icon("Assurance: the target will consistently be met", _disc(BLUE, "P", "#ffffff"))
    if kind == spc.CONSISTENT_FAIL:
        return _icon("Assurance: the target will consistently be missed", _disc(ORANGE, "F", TEXT, TEXT))
    if kind == spc.INCONSISTENT:
        return _icon("Assurance: the target will sometimes be met and sometimes missed", _disc(GREY, "?", "#ffffff"))
    return None
