"""The NHS.UK frontend's files, served by Tandem itself so that no page waits on another host.

The stylesheets published in `nhsuk-frontend` load the Frutiger typeface from assets.nhs.uk and point
their icons at `/assets/...` on the site's root. Tandem serves a copy of each stylesheet with the
`@font-face` rules removed (the NHS.UK font stack then falls back to Arial, as it does wherever Frutiger
cannot be loaded) and the icon addresses made relative to the stylesheet, so they are found under
`/static/nhsuk/assets/` and get cache-busted names like every other static file.

The copies are made from `node_modules` when they are first asked for, into `var/build/nhsuk/`,
and made again whenever the package's file is newer; nothing is copied into the repository. A
stylesheet that would still reach outside after this is refused with an error naming the address,
so a new version of the package cannot quietly bring the problem back.
"""

from __future__ import annotations

import fnmatch
import os
import re
import tempfile
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import utils
from django.contrib.staticfiles.finders import BaseFinder
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import FileSystemStorage

PREFIX = "nhsuk"
# What Tandem serves from the package: the bundled stylesheet and script, and the images they use.
PUBLISHED = ("nhsuk-frontend.min.css", "nhsuk-frontend.min.js", "nhsuk-frontend.min.js.map")  # and all of assets/

_FONT_FACE = re.compile(r"@font-face\s*\{[^{}]*\}")
_ROOT_ASSETS = re.compile(r"""url\(\s*(['"]?)/assets/""")
_SOURCE_MAP = re.compile(r"/\*#\s*sourceMappingURL=[^*]*\*/")
_URL = re.compile(r"""url\(\s*(['"]?)([^'")]*)\1\s*\)""")
_IMPORT = re.compile(r"""@import\s+(['"])([^'"]*)\1""")


def self_contained_css(css: str) -> str:
    """The stylesheet without web fonts, with root-relative `/assets/` addresses made relative
    to the stylesheet, and without its source map comment (the map describes the original)."""
    css = _FONT_FACE.sub("", css)
    css = _ROOT_ASSETS.sub(r"url(\1assets/", css)
    return _SOURCE_MAP.sub("", css)


def outside_references(css: str) -> list[str]:
    """Every address in the stylesheet that is not served by Tandem itself (another host, or the
    site's root outside /static/). `data:` URIs are part of the stylesheet and count as inside."""
    found = [m.group(2).strip() for m in _URL.finditer(css)] + [m.group(2).strip() for m in _IMPORT.finditer(css)]
    return [u for u in found if u and not u.startswith(("data:", "#")) and (
        "//" in u.split("?")[0][:8] or u.startswith("/") and not u.startswith(settings.STATIC_URL))]


def _published(path: str) -> bool:
    if path.startswith("assets/"):
        return True
    return "/" not in path and any(fnmatch.fnmatch(path, pattern) for pattern in PUBLISHED)


class NHSUKFrontendFinder(BaseFinder):
    """Finds `nhsuk/...` static files in the installed nhsuk-frontend package (settings.NHSUK_FRONTEND_DIST)."""

    def __init__(self, *args, **kwargs):
        self.source = Path(settings.NHSUK_FRONTEND_DIST)
        self.build = Path(settings.VAR_DIR) / "build" / PREFIX
        self.storage = FileSystemStorage(location=self.source)
        self.storage.prefix = PREFIX
        self.built = FileSystemStorage(location=self.build)
        self.built.prefix = PREFIX
        super().__init__(*args, **kwargs)

    def check(self, **kwargs):
        if not (self.source / "nhsuk-frontend.min.css").is_file():
            # A warning, as for a missing STATICFILES_DIRS entry: a server whose files are already
            # collected does not need the package.
            return [checks.Warning(f"The NHS.UK frontend is not installed: {self.source} has no nhsuk-frontend.min.css.",
                                   hint="Run `make install` (or `npm ci`), then `tandem collectstatic`.", id="tandem.W001")]
        return []

    def find(self, path, find_all=False):
        # Like Django's own finders: the path, a list of paths when find_all, and [] when not found.
        relative = path.removeprefix(PREFIX + "/") if path.startswith(PREFIX + "/") else None
        found = self._path(relative) if relative is not None and _published(relative) else None
        if found is None:
            return []
        return [found] if find_all else found

    def list(self, ignore_patterns):
        for path in utils.get_files(self.storage, ignore_patterns):
            if not _published(path):
                continue
            if path.endswith(".css"):
                self._built_css(path)
                yield path, self.built
            else:
                yield path, self.storage

    def _path(self, relative: str) -> str | None:
        original = self.source / relative
        if ".." in Path(relative).parts or not original.is_file():
            return None
        return str(self._built_css(relative)) if relative.endswith(".css") else str(original)

    def _built_css(self, relative: str) -> Path:
        original, built = self.source / relative, self.build / relative
        if built.is_file() and built.stat().st_mtime >= original.stat().st_mtime:
            return built
        css = self_contained_css(original.read_text(encoding="utf-8"))
        if outside := outside_references(css):
            raise ImproperlyConfigured(f"{PREFIX}/{relative} still refers to {outside[0]}, which Tandem does not "
                                       "serve: pages would wait on another host.")
        built.parent.mkdir(parents=True, exist_ok=True)
        # Written beside the target and renamed, so a reader never sees half a file.
        fd, temporary = tempfile.mkstemp(dir=built.parent, suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(css)
        os.replace(temporary, built)
        return built
