"""QR codes for paper: an inline SVG (nothing fetched, so WeasyPrint makes it offline), drawn about
2.5 cm square in letters by the letter styles (`.reply-qr svg`).

What a QR code holds is the short reply address with the person's code (`https://<site>/r/KX7M4TQ9`),
the same as they could type, so the paper carries one secret, not two. Error correction is at least
M (15% of the code can be lost), which segno raises when the size allows.
"""

from __future__ import annotations

import segno

BORDER = 4  # the quiet zone the QR specification asks for: four modules on every side


def make(data: str) -> segno.QRCode:
    return segno.make(data, error="m", micro=False)


def svg(data: str, *, title: str = "QR code for your reply link") -> str:
    """The QR code as an SVG element to place in HTML (trusted markup: segno escapes the title)."""
    return make(data).svg_inline(scale=1, omitsize=True, border=BORDER, title=title, svgclass="qr",
                                 lineclass=None)
