"""What the sample scripts share: a PDF written beside its PNG pages, and the README listing them.

Used by scripts/sample-packs.py and scripts/sample-plan.py (run from the repository root).
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path


def pdftoppm() -> str:
    found = shutil.which("pdftoppm")
    if not found:
        raise SystemExit("pdftoppm is missing: install poppler-utils (scripts/setup-system does).")
    return found


def write_pdf_and_pages(out: Path, stem: str, pdf: bytes) -> None:
    """`<stem>.pdf` and one PNG per page at 60 dpi (`<stem>-1.png`, ...), replacing older pages."""
    (out / f"{stem}.pdf").write_bytes(pdf)
    for old in out.glob(f"{stem}-*.png"):
        old.unlink()
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([pdftoppm(), "-png", "-r", "60", str(out / f"{stem}.pdf"), str(Path(tmp) / "page")],  # noqa: S603
                       check=True)
        for png in Path(tmp).glob("page-*.png"):  # pdftoppm pads page numbers; ours are plain
            number = int(png.stem.rsplit("-", 1)[1])
            shutil.move(png, out / f"{stem}-{number}.png")
    print(f"{stem}.pdf written")  # noqa: T201 - a script's report


def write_readme(out: Path, *, title: str, made_by: str, rows: list[tuple[str, str, int]]) -> None:
    """README.md: a table of the formats, their PDFs and their pages."""
    readme = [f"# {title}", "", made_by, "", "| format | PDF | pages |", "| --- | --- | --- |"]
    readme += [f"| {variant.replace('_', ' ')} | [{stem}.pdf]({stem}.pdf) | "
               + " ".join(f"[{n}]({stem}-{n}.png)" for n in range(1, pages + 1)) + " |"
               for variant, stem, pages in rows]
    (out / "README.md").write_text("\n".join(readme) + "\n", encoding="utf-8")
