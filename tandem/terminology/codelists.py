"""SNOMED CT codelists and the medicines catalogue for the long-term conditions.

The data lives beside this module as CSV files that cite their sources:

* ``codelists/<slug>.csv``: one codelist per file. Leading ``# key: value``
  lines carry the metadata (``name``, ``slug``, ``kind``, ``resolves``,
  ``source``, ``notes``, optional ``age_min``), then a ``code,term`` header
  and one row per SNOMED CT concept.
* ``medicines.csv``: leading ``#`` comment lines, then
  ``dmd_code,name,dose,for_conditions,regular``.

A codelist's ``kind`` is ``diagnosis`` (the concepts that put a patient on a
condition's register), ``resolution`` (the "resolved" concepts that take them
off again, as QOF business rules use them), ``feature`` (a condition or
finding that is not a register of its own but that a score counts: the
Cambridge Multimorbidity Score's conditions and the electronic Frailty Index's
deficits; see ``tandem.registers.rules.scores``) or ``medicine`` (a medicine
group: dm+d codes, with their BNF section in ``# bnf:``, whose prescriptions a
score counts, such as the laxatives of the score's treated constipation).

Pure Python and stdlib only: no Django import, so it can be used anywhere,
including in data migrations and scripts. Everything is read once and cached.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from types import MappingProxyType

__all__ = [
    "KINDS",
    "LTC_SLUGS",
    "Codelist",
    "CodelistError",
    "Medicine",
    "all_codelists",
    "conditions_for_code",
    "diagnosis_codelists",
    "display_name",
    "feature_codelists",
    "get",
    "medicines",
    "medicine_groups",
    "medicines_for",
    "resolution_codelists",
    "resolutions_for",
    "term_for",
]

#: The long-term conditions, in the order Tandem lists them. Each is the slug
#: of a ``diagnosis`` codelist; the loader fails if the two drift apart.
LTC_SLUGS: tuple[str, ...] = (
    "hypertension",
    "diabetes_type1",
    "diabetes_type2",
    "non_diabetic_hyperglycaemia",
    "asthma",
    "copd",
    "coronary_heart_disease",
    "heart_failure",
    "atrial_fibrillation",
    "stroke_tia",
    "ckd_3_5",
    "depression",
    "dementia",
    "serious_mental_illness",
    "learning_disability",
    "osteoporosis",
    "rheumatoid_arthritis",
    "cancer",
    "epilepsy",
    "hypothyroidism",
    "osteoarthritis",
    "chronic_pain",
)

KINDS: tuple[str, ...] = ("diagnosis", "resolution", "feature", "medicine")

_REQUIRED_KEYS = ("name", "slug", "kind", "source")
_KNOWN_KEYS = frozenset(_REQUIRED_KEYS) | {"notes", "resolves", "age_min", "bnf"}
_MEDICINE_COLUMNS = ["dmd_code", "name", "dose", "for_conditions", "regular"]


class CodelistError(ValueError):
    """A codelist or medicines file is malformed or inconsistent."""


@dataclass(frozen=True)
class Codelist:
    """One SNOMED CT codelist and its provenance."""

    slug: str
    name: str
    kind: str
    source: str
    notes: str
    age_min: int | None
    resolves: tuple[str, ...]
    codes: frozenset[str]
    # Read-only code -> term mapping, in file order; not part of hash/equality.
    terms: Mapping[str, str] = field(hash=False, compare=False, repr=False)
    bnf: str = ""  # BNF section of a medicine group, e.g. "1.6"

    def __contains__(self, code: object) -> bool:
        return _normalise(code) in self.codes

    def __len__(self) -> int:
        return len(self.codes)

    def term(self, code: object) -> str | None:
        """The term this list gives for ``code``, or None if it is not in it."""
        return self.terms.get(_normalise(code))


@dataclass(frozen=True)
class Medicine:
    """One row of the medicines catalogue."""

    dmd_code: str | None
    name: str
    dose: str
    for_conditions: tuple[str, ...]
    regular: bool


def _normalise(code: object) -> str:
    return str(code).strip()


def _split_header(text: str, what: str) -> tuple[list[str], str]:
    """Split the leading ``#`` lines (returned without the ``#``) from the CSV body."""
    lines = text.splitlines(keepends=True)
    comments: list[str] = []
    for index, line in enumerate(lines):
        stripped = line.strip()
        if stripped.startswith("#"):
            comments.append(stripped[1:].strip())
        elif stripped:
            return comments, "".join(lines[index:])
    raise CodelistError(f"{what}: no CSV header row")


def _parse_codelist(filename: str, text: str) -> Codelist:
    comments, body = _split_header(text, filename)
    meta: dict[str, str] = {}
    for comment in comments:
        key, sep, value = comment.partition(":")
        key = key.strip()
        if not sep or key not in _KNOWN_KEYS:
            raise CodelistError(f"{filename}: unexpected header line {comment!r}")
        if key in meta:
            raise CodelistError(f"{filename}: repeated header {key!r}")
        meta[key] = value.strip()
    for key in _REQUIRED_KEYS:
        if not meta.get(key):
            raise CodelistError(f"{filename}: missing '# {key}:' header")

    slug = meta["slug"]
    if f"{slug}.csv" != filename:
        raise CodelistError(f"{filename}: slug {slug!r} does not match the file name")
    kind = meta["kind"]
    if kind not in KINDS:
        raise CodelistError(f"{filename}: kind {kind!r} is not one of {', '.join(KINDS)}")
    resolves = tuple(meta.get("resolves", "").split())
    if kind == "resolution" and not resolves:
        raise CodelistError(f"{filename}: a resolution list needs '# resolves:'")
    if kind != "resolution" and resolves:
        raise CodelistError(f"{filename}: only resolution lists resolve other lists")
    bnf = meta.get("bnf", "")
    if (kind == "medicine") != bool(bnf):
        raise CodelistError(f"{filename}: a medicine group, and only a medicine group, names its '# bnf:' section")
    age_min: int | None = None
    if meta.get("age_min"):
        try:
            age_min = int(meta["age_min"])
        except ValueError:
            raise CodelistError(
                f"{filename}: age_min {meta['age_min']!r} is not a whole number"
            ) from None

    reader = csv.DictReader(io.StringIO(body))
    if reader.fieldnames != ["code", "term"]:
        raise CodelistError(f"{filename}: header row must be 'code,term', not {reader.fieldnames}")
    terms: dict[str, str] = {}
    for row in reader:
        code = (row["code"] or "").strip()
        term = (row["term"] or "").strip()
        if not code.isdigit():
            raise CodelistError(f"{filename}: code {code!r} is not a SNOMED CT identifier")
        if not term:
            raise CodelistError(f"{filename}: code {code} has no term")
        if code in terms:
            raise CodelistError(f"{filename}: code {code} is listed twice")
        terms[code] = term
    if not terms:
        raise CodelistError(f"{filename}: no codes")

    return Codelist(
        slug=slug,
        name=meta["name"],
        kind=kind,
        source=meta["source"],
        notes=meta.get("notes", ""),
        age_min=age_min,
        resolves=resolves,
        codes=frozenset(terms),
        terms=MappingProxyType(terms),
        bnf=bnf,
    )


def _data_files():
    return resources.files(__package__)


@cache
def _codelists() -> Mapping[str, Codelist]:
    folder = _data_files() / "codelists"
    loaded: dict[str, Codelist] = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".csv"):
            continue
        codelist = _parse_codelist(entry.name, entry.read_text(encoding="utf-8"))
        loaded[codelist.slug] = codelist

    diagnosis = {slug for slug, cl in loaded.items() if cl.kind == "diagnosis"}
    if diagnosis != set(LTC_SLUGS):
        missing = sorted(set(LTC_SLUGS) - diagnosis)
        extra = sorted(diagnosis - set(LTC_SLUGS))
        raise CodelistError(
            f"diagnosis codelists and LTC_SLUGS disagree: missing files {missing}, not in LTC_SLUGS {extra}"
        )
    for codelist in loaded.values():
        for target in codelist.resolves:
            if loaded.get(target) is None or loaded[target].kind != "diagnosis":
                raise CodelistError(
                    f"{codelist.slug}.csv: resolves {target!r}, which is not a diagnosis codelist"
                )

    ordered = {slug: loaded[slug] for slug in LTC_SLUGS}
    ordered.update((slug, loaded[slug]) for slug in sorted(loaded) if slug not in ordered)
    return MappingProxyType(ordered)


@cache
def _conditions_index() -> Mapping[str, tuple[str, ...]]:
    index: dict[str, list[str]] = {}
    for slug in LTC_SLUGS:
        for code in _codelists()[slug].terms:
            index.setdefault(code, []).append(slug)
    return MappingProxyType({code: tuple(slugs) for code, slugs in index.items()})


def all_codelists() -> dict[str, Codelist]:
    """Every codelist by slug: the LTC diagnosis lists in LTC_SLUGS order, then the rest by slug."""
    return dict(_codelists())


def get(slug: str) -> Codelist:
    """The codelist called ``slug``; KeyError naming the known slugs if there is none."""
    try:
        return _codelists()[slug]
    except KeyError:
        known = ", ".join(_codelists())
        raise KeyError(f"unknown codelist {slug!r}; known codelists: {known}") from None


def diagnosis_codelists() -> dict[str, Codelist]:
    """The diagnosis codelists by slug, in LTC_SLUGS order."""
    return {slug: cl for slug, cl in _codelists().items() if cl.kind == "diagnosis"}


def feature_codelists() -> dict[str, Codelist]:
    """The codelists that scores count but that are not registers, by slug."""
    return {slug: cl for slug, cl in _codelists().items() if cl.kind == "feature"}


def medicine_groups() -> dict[str, Codelist]:
    """The medicine groups (dm+d codes with their BNF section) by slug."""
    return {slug: cl for slug, cl in _codelists().items() if cl.kind == "medicine"}


def resolution_codelists() -> dict[str, Codelist]:
    """The resolution codelists (resolved / in remission) by slug."""
    return {slug: cl for slug, cl in _codelists().items() if cl.kind == "resolution"}


def resolutions_for(slug: str) -> tuple[Codelist, ...]:
    """The resolution codelists that resolve the diagnosis codelist ``slug``."""
    get(slug)
    return tuple(cl for cl in resolution_codelists().values() if slug in cl.resolves)


def conditions_for_code(code: object) -> tuple[str, ...]:
    """Slugs of the diagnosis codelists that contain ``code``, in LTC_SLUGS order."""
    return _conditions_index().get(_normalise(code), ())


def term_for(code: object) -> str | None:
    """The term any codelist gives for ``code`` (diagnosis lists first), or None."""
    code = _normalise(code)
    for codelist in _codelists().values():
        term = codelist.terms.get(code)
        if term is not None:
            return term
    return None


def display_name(slug: str) -> str:
    """The human name of codelist ``slug``."""
    return get(slug).name


def _parse_medicines(text: str) -> tuple[Medicine, ...]:
    _comments, body = _split_header(text, "medicines.csv")
    reader = csv.DictReader(io.StringIO(body))
    if reader.fieldnames != _MEDICINE_COLUMNS:
        raise CodelistError(
            f"medicines.csv: header row must be {','.join(_MEDICINE_COLUMNS)}, not {reader.fieldnames}"
        )
    known = _codelists()
    rows: list[Medicine] = []
    seen: set[str] = set()
    for line, row in enumerate(reader, start=2):
        name = (row["name"] or "").strip()
        dmd_code = (row["dmd_code"] or "").strip() or None
        if not name:
            raise CodelistError(f"medicines.csv row {line}: no name")
        if name in seen:
            raise CodelistError(f"medicines.csv: {name!r} is listed twice")
        seen.add(name)
        if dmd_code is not None and not dmd_code.isdigit():
            raise CodelistError(f"medicines.csv: {name!r} has dm+d code {dmd_code!r}, not digits")
        for_conditions = tuple((row["for_conditions"] or "").split())
        for slug in for_conditions:
            if slug not in known:
                raise CodelistError(f"medicines.csv: {name!r} is for unknown codelist {slug!r}")
        regular = (row["regular"] or "").strip()
        if regular not in ("0", "1"):
            raise CodelistError(f"medicines.csv: {name!r} has regular {regular!r}, expected 0 or 1")
        rows.append(
            Medicine(
                dmd_code=dmd_code,
                name=name,
                dose=(row["dose"] or "").strip(),
                for_conditions=for_conditions,
                regular=regular == "1",
            )
        )
    return tuple(rows)


@cache
def medicines() -> tuple[Medicine, ...]:
    """The medicines catalogue, in file order."""
    return _parse_medicines((_data_files() / "medicines.csv").read_text(encoding="utf-8"))


def medicines_for(slug: str) -> tuple[Medicine, ...]:
    """Catalogue medicines that treat the condition ``slug`` (KeyError if unknown)."""
    get(slug)
    return tuple(m for m in medicines() if slug in m.for_conditions)
