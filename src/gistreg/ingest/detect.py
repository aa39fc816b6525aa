"""Choosing the reader for an export from its path.

===========================================  ====================================================
path                                         reader
===========================================  ====================================================
a folder with ``<table>.csv`` files          :class:`~gistreg.ingest.csv_folder.CsvFolderReader`
a single ``<table>.csv`` file                :class:`~gistreg.ingest.csv_folder.CsvFolderReader`
an ``.xlsx`` / ``.xlsm`` workbook            :class:`~gistreg.ingest.excel.ExcelReader`
a ``.csv`` file and ``dictionary=``          :class:`~gistreg.ingest.redcap.RedcapReader`
a REDCap export ``.csv`` (``record_id`` or   :class:`~gistreg.ingest.redcap.RedcapReader`, with the
``redcap_…`` columns) without ``dictionary``  one data dictionary found next to it
a folder with no table files but one         :class:`~gistreg.ingest.redcap.RedcapReader`
REDCap export and one data dictionary
===========================================  ====================================================

A path that does not exist, an old ``.xls`` workbook, or a path whose format cannot be told raises
:class:`~gistreg.core.errors.InputError` (these are arguments, not content: a reader never raises on the
content of a file).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from gistreg.core.errors import InputError
from gistreg.ingest._common import table_for_name
from gistreg.ingest.base import Reader, TableSpec
from gistreg.ingest.csv_folder import CsvFolderReader
from gistreg.ingest.excel import ExcelReader
from gistreg.ingest.redcap import RedcapReader

_WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
_DICTIONARY_HEADERS = ("variable / field name", "field_name")


def open_reader(path: str | os.PathLike[str], *, tables: Mapping[str, TableSpec],
                dictionary: str | os.PathLike[str] | None = None) -> Reader:
    """The reader for the export at ``path``.

    Parameters
    ----------
    path
        A folder of canonical CSV files, one ``<table>.csv`` file, an ``.xlsx`` workbook, or a REDCap export.
    tables
        The canonical schema: table name → table (``gistreg.registry.schema.TABLES``).
    dictionary
        The REDCap data dictionary; giving it makes ``path`` a REDCap export.

    Raises
    ------
    InputError
        The path (or dictionary) does not exist, or its format cannot be told or is not supported.
    """
    p = Path(path)
    if not p.exists():
        raise InputError(f"{p}: no such file or folder")
    if dictionary is not None:
        if p.is_dir():
            raise InputError(f"{p}: a REDCap export is one .csv file, not a folder")
        return RedcapReader(p, dictionary=dictionary, tables=tables)
    if p.is_dir():
        return _folder_reader(p, tables)
    suffix = p.suffix.lower()
    if suffix in _WORKBOOK_SUFFIXES:
        return ExcelReader(p, tables=tables)
    if suffix == ".xls":
        raise InputError(f"{p.name}: the old Excel format (.xls) is not read; save the workbook as .xlsx")
    if suffix == ".csv":
        return _csv_reader(p, tables)
    raise InputError(f"{p.name}: cannot tell the export format; give a folder of <table>.csv files, an .xlsx "
                     "workbook, or a REDCap export .csv with its data dictionary")


def _folder_reader(folder: Path, tables: Mapping[str, TableSpec]) -> Reader:
    csvs = [p for p in _listing(folder) if p.suffix.lower() == ".csv" and p.is_file()]
    if any(table_for_name(p.stem, tables) for p in csvs):
        return CsvFolderReader(folder, tables=tables)
    exports = [p for p in csvs if _first_cells(p)[:1] and _is_redcap_export(_first_cells(p))]
    dictionaries = [p for p in csvs if _is_dictionary(_first_cells(p))]
    if len(exports) == 1 and len(dictionaries) == 1:
        return RedcapReader(exports[0], dictionary=dictionaries[0], tables=tables)
    return CsvFolderReader(folder, tables=tables)


def _csv_reader(p: Path, tables: Mapping[str, TableSpec]) -> Reader:
    cells = _first_cells(p)
    if _is_dictionary(cells):
        raise InputError(f"{p.name} is a REDCap data dictionary; give the export and pass this file as its "
                         "dictionary")
    if _is_redcap_export(cells):
        found = [q for q in _listing(p.parent) if q != p and q.suffix.lower() == ".csv" and q.is_file()
                 and _is_dictionary(_first_cells(q))]
        if len(found) != 1:
            where = "none" if not found else ", ".join(q.name for q in found)
            raise InputError(f"{p.name} is a REDCap export; give its data dictionary (found next to it: {where})")
        return RedcapReader(p, dictionary=found[0], tables=tables)
    if table_for_name(p.stem, tables):
        return CsvFolderReader(p, tables=tables)
    raise InputError(f"{p.name}: a single .csv file must be named after a canonical table (<table>.csv) or be a "
                     "REDCap export with its data dictionary")


def _listing(folder: Path) -> list[Path]:
    try:
        return sorted(folder.iterdir())
    except OSError as exc:
        raise InputError(f"{folder}: cannot list the folder ({exc.strerror or exc})") from exc


def _first_cells(p: Path) -> list[str]:
    """Lower-cased cells of the first line (a best effort: empty when the file cannot be read)."""
    try:
        with p.open("rb") as f:
            head = f.read(64 * 1024)
    except OSError:
        return []
    text = head.decode("utf-8-sig", errors="replace")
    line = text.splitlines()[0] if text else ""
    delim = max((",", ";", "\t"), key=line.count)
    return [c.strip().strip('"').strip().lower() for c in line.split(delim)]


def _is_redcap_export(cells: list[str]) -> bool:
    return bool(cells) and (cells[0] == "record_id" or any(c.startswith("redcap_") for c in cells))


def _is_dictionary(cells: list[str]) -> bool:
    return bool(cells) and cells[0] in _DICTIONARY_HEADERS


__all__ = ["open_reader"]
