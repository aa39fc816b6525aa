"""The REDCap data dictionary, the export's header and REDCap value formats (see :mod:`gistreg.ingest.redcap`)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType
from typing import Literal

from gistreg.ingest._common import IssueSink

#: REDCap's project-level missing-data codes (Project Setup → Missing Data Codes).
DEFAULT_MISSING_CODES: frozenset[str] = frozenset({
    "NI", "INV", "UNK", "NASK", "ASKU", "NAV", "MSK", "NA", "NAVU", "NP", "QS", "QI", "TRC", "UNC", "DER", "PINF",
    "NINF", "OTH",
})

#: Dictionary column → the names it has in a REDCap download (CSV) or an API metadata export.
_DICT_COLUMNS: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "name": ("variable / field name", "field_name"),
    "form": ("form name", "form_name"),
    "type": ("field type", "field_type"),
    "label": ("field label", "field_label"),
    "choices": ("choices, calculations, or slider labels", "select_choices_or_calculations"),
    "validation": ("text validation type or show slider number", "text_validation_type_or_show_slider_number"),
})
_REQUIRED_DICT = ("name", "form", "type")
_CHOICE_TYPES = frozenset({"radio", "dropdown", "checkbox"})
_IMPLIED_CHOICES: Mapping[str, Mapping[str, str]] = MappingProxyType({
    "yesno": MappingProxyType({"1": "Yes", "0": "No"}),
    "truefalse": MappingProxyType({"1": "True", "0": "False"}),
})

#: REDCap's own export columns, by raw name and by the header a label export gives them.
SPECIAL_COLUMNS: Mapping[str, str] = MappingProxyType({
    "redcap_event_name": "event", "event name": "event",
    "redcap_repeat_instrument": "instrument", "repeat instrument": "instrument",
    "redcap_repeat_instance": "instance", "repeat instance": "instance",
    "redcap_data_access_group": "dag", "data access group": "dag",
    "redcap_survey_identifier": "admin", "survey identifier": "admin", "survey timestamp": "admin",
    "complete?": "admin",
})

RoleKind = Literal["record", "event", "instrument", "instance", "dag", "field", "checkbox", "admin", "unknown"]


@dataclass(frozen=True, slots=True)
class Field:
    """One field of the data dictionary."""

    name: str
    form: str
    type: str
    label: str
    choices: Mapping[str, str]
    validation: str

    def code_for(self, value: str) -> tuple[str, bool] | None:
        """``(code, was_label)`` for a raw code or a choice label (case and spaces ignored), else ``None``."""
        if value in self.choices:
            return value, False
        key = value.strip().lower()
        for code, label in self.choices.items():
            if key == code.lower():
                return code, False
            if key == label.strip().lower():
                return code, True
        return None


@dataclass(frozen=True, slots=True)
class Dictionary:
    """The fields of a REDCap project in dictionary order; the first is the record ID."""

    fields: Mapping[str, Field]
    record_id: str

    @property
    def forms(self) -> tuple[str, ...]:
        """Instrument (form) names in dictionary order."""
        return tuple(dict.fromkeys(f.form for f in self.fields.values()))


@dataclass(frozen=True, slots=True)
class Role:
    """What one export column holds."""

    kind: RoleKind
    field: str = ""
    code: str = ""


def parse_choices(text: str | None) -> dict[str, str]:
    """``"1, Male | 2, Female"`` → ``{"1": "Male", "2": "Female"}`` (a choice without comma is its own label)."""
    out: dict[str, str] = {}
    for part in (text or "").split("|"):
        if not part.strip():
            continue
        code, sep, label = part.partition(",")
        out[code.strip()] = label.strip() if sep else code.strip()
    return out


def parse_dictionary(header: Sequence[str], rows: Sequence[Sequence[object]], *, file: str,
                     sink: IssueSink) -> Dictionary | None:
    """The dictionary from its header and rows (``rows[i][0]`` is the row number); ``None`` if unusable (R20)."""
    wanted = {alias: key for key, aliases in _DICT_COLUMNS.items() for alias in aliases}
    where: dict[str, int] = {}
    for i, cell in enumerate(header):
        key = wanted.get(" ".join(cell.replace("\ufeff", "").split()).lower())
        if key is not None and key not in where:
            where[key] = i + 1
    missing = [k for k in _REQUIRED_DICT if k not in where]
    if missing:
        names = ", ".join(repr(_DICT_COLUMNS[k][0].title()) for k in missing)
        sink.add("R20", "error", file, f"not a REDCap data dictionary: no {names} column; the export cannot be read "
                 "without it")
        return None
    fields: dict[str, Field] = {}
    for row in rows:
        def get(key: str, row: Sequence[object] = row) -> str:
            value = row[where[key]] if key in where else None
            return "" if value is None else str(value).strip()

        name, ftype = get("name"), get("type").lower()
        if not name or ftype == "descriptive":
            continue
        choices = parse_choices(get("choices")) if ftype in _CHOICE_TYPES else dict(_IMPLIED_CHOICES.get(ftype, {}))
        fields.setdefault(name, Field(name, get("form"), ftype, get("label"), MappingProxyType(choices),
                                      get("validation").lower()))
    if not fields:
        sink.add("R20", "error", file, "the data dictionary lists no fields; the export cannot be read without them")
        return None
    return Dictionary(MappingProxyType(fields), next(iter(fields)))


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.strip().lower()).strip("_")


def resolve_header(header: Sequence[str], d: Dictionary) -> list[Role]:
    """The role of each export column, by raw variable name or by the labels a label export uses."""
    checkbox = {f.name: f for f in d.fields.values() if f.type == "checkbox"}
    by_label: dict[str, list[Field]] = {}
    for f in d.fields.values():
        by_label.setdefault(" ".join(f.label.split()).lower(), []).append(f)
    forms = set(d.forms)
    roles: list[Role] = []
    for cell in header:
        name = cell.replace("\ufeff", "").strip()
        low = " ".join(name.split()).lower()
        roles.append(_role(name, low, d, checkbox, by_label, forms))
    return roles


def _role(name: str, low: str, d: Dictionary, checkbox: Mapping[str, Field], by_label: Mapping[str, list[Field]],
          forms: set[str]) -> Role:
    if name == d.record_id:
        return Role("record", name)
    if low in SPECIAL_COLUMNS:
        return Role(SPECIAL_COLUMNS[low])  # type: ignore[arg-type]
    if name in d.fields and name not in checkbox:
        return Role("field", name)
    stem, sep, code = name.rpartition("___")
    if sep and stem in checkbox:
        match = next((c for c in checkbox[stem].choices if _slug(c) == _slug(code)), None)
        return Role("checkbox", stem, match) if match is not None else Role("unknown")
    for suffix in ("_complete", "_timestamp"):
        if name.endswith(suffix) and name[: -len(suffix)] in forms:
            return Role("admin")
    labelled = re.fullmatch(r"(.*)\(choice=(.*)\)", name, flags=re.DOTALL)
    if labelled:
        for f in by_label.get(" ".join(labelled.group(1).split()).lower(), []):
            got = f.code_for(labelled.group(2)) if f.type == "checkbox" else None
            if got is not None:
                return Role("checkbox", f.name, got[0])
    candidates = by_label.get(low, [])
    if len(candidates) == 1:
        f = candidates[0]
        if f.name == d.record_id:
            return Role("record", f.name)
        return Role("field", f.name) if f.type != "checkbox" else Role("unknown")
    return Role("unknown")


def instrument_name(value: str, forms: Sequence[str]) -> str | None:
    """A ``redcap_repeat_instrument`` value (raw name, or the instrument's label in a label export) → form."""
    if value in forms:
        return value
    slug = _slug(value)
    return next((f for f in forms if _slug(f) == slug), None)


_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?")
_DMY_MDY = re.compile(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?")
_ORDERS = {"dmy": (0, 1), "mdy": (1, 0)}


def date_order(validation: str) -> str | None:
    """``ymd``, ``dmy`` or ``mdy`` for REDCap date/datetime validation types, else ``None``."""
    m = re.fullmatch(r"(?:date|datetime|datetime_seconds)_(ymd|dmy|mdy)", validation)
    return m.group(1) if m else None


def iso_date(value: str, order: str) -> tuple[str, bool] | None:
    """``(YYYY-MM-DD, converted)`` for a date in ISO form or in the declared ``order``; ``None`` if neither.

    REDCap's raw exports write dates as ``YYYY-MM-DD`` whatever the field's display format; exports of
    displayed values use the field's declared order (``date_dmy``: ``31-12-2020``, ``date_mdy``:
    ``12-31-2020``). A time part is dropped. An impossible day (31-02-2020) is ``None``.
    """
    text = value.strip()
    m = _ISO.fullmatch(text)
    if m:
        y, mo, d = (int(g) for g in m.groups())
        converted = len(text) != 10
    else:
        m = _DMY_MDY.fullmatch(text)
        if m is None or order not in _ORDERS:
            return None
        day_at, month_at = _ORDERS[order]
        d, mo, y = int(m.group(1 + day_at)), int(m.group(1 + month_at)), int(m.group(3))
        converted = True
    try:
        return date(y, mo, d).isoformat(), converted
    except ValueError:
        return None


__all__ = [
    "DEFAULT_MISSING_CODES",
    "SPECIAL_COLUMNS",
    "Dictionary",
    "Field",
    "Role",
    "date_order",
    "instrument_name",
    "iso_date",
    "parse_choices",
    "parse_dictionary",
    "resolve_header",
]
