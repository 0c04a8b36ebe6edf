"""Letters as PDF (A4), made with WeasyPrint from the HTML rendered when the letter was queued."""

from __future__ import annotations

import io
import logging

# WeasyPrint reports every rendering step at INFO; only its warnings are worth a log line.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


class LetterProblem(RuntimeError):
    pass


def to_pdf(html: str) -> tuple[bytes, int]:
    """The PDF bytes and the number of pages. Nothing is fetched from outside: the letter's HTML has
    its styles inline and its pictures as inline SVG, and any other URL is refused."""
    try:
        import weasyprint
    except ImportError as exc:  # pragma: no cover - a missing dependency, said plainly
        raise LetterProblem("WeasyPrint is not installed, so letters cannot be made into PDFs.") from exc

    def no_fetching(url: str, *args, **kwargs):
        raise LetterProblem("Letters may not load anything from outside")

    document = weasyprint.HTML(string=html, url_fetcher=no_fetching, base_url="about:blank").render()
    buffer = io.BytesIO()
    document.write_pdf(buffer, pdf_variant="pdf/ua-1")
    return buffer.getvalue(), len(document.pages)
