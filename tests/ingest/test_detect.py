"""Choosing the reader from the path: folders, workbooks, REDCap exports (with or without a named dictionary)."""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from pathlib import Path

import openpyxl
import pytest

from gistreg.core.errors import InputError
from gistreg.ingest import CsvFolderReader, ExcelReader, RedcapReader, open_reader
from gistreg.ingest.base import TableSpec


def test_a_canonical_folder_and_a_single_table_file(data_dir: Path, tables: Mapping[str, TableSpec]) -> None:
    folder = data_dir / "canonical"
    assert isinstance(open_reader(folder, tables=tables), CsvFolderReader)
    reader = open_reader(folder / "patients.csv", tables=tables)
    assert isinstance(reader, CsvFolderReader) and reader.path == folder / "patients.csv"


def test_a_workbook(tmp_path: Path, tables: Mapping[str, TableSpec]) -> None:
    path = tmp_path / "Registry.XLSX"
    openpyxl.Workbook().save(path)
    assert isinstance(open_reader(path, tables=tables), ExcelReader)


def test_redcap_with_a_named_dictionary(data_dir: Path, tables: Mapping[str, TableSpec]) -> None:
    d = data_dir / "redcap"
    reader = open_reader(d / "gist_registry_raw.csv", tables=tables, dictionary=d / "gist_registry_DataDictionary.csv")
    assert isinstance(reader, RedcapReader)


def test_redcap_dictionary_found_next_to_the_export(data_dir: Path, tmp_path: Path,
                                                    tables: Mapping[str, TableSpec]) -> None:
    d = data_dir / "redcap"
    shutil.copy(d / "gist_registry_raw.csv", tmp_path / "export.csv")
    shutil.copy(d / "gist_registry_DataDictionary.csv", tmp_path / "dictionary.csv")
    reader = open_reader(tmp_path / "export.csv", tables=tables)
    assert isinstance(reader, RedcapReader) and reader.dictionary == tmp_path / "dictionary.csv"
    folder_reader = open_reader(tmp_path, tables=tables)
    assert isinstance(folder_reader, RedcapReader) and folder_reader.path == tmp_path / "export.csv"


def test_redcap_export_without_dictionary_is_an_input_error(data_dir: Path, tmp_path: Path,
                                                            tables: Mapping[str, TableSpec]) -> None:
    shutil.copy(data_dir / "redcap" / "gist_registry_raw.csv", tmp_path / "export.csv")
    with pytest.raises(InputError, match="data dictionary"):
        open_reader(tmp_path / "export.csv", tables=tables)
    with pytest.raises(InputError, match="is a REDCap data dictionary"):
        open_reader(data_dir / "redcap" / "gist_registry_DataDictionary.csv", tables=tables)


@pytest.mark.parametrize(("name", "message"), [("missing", "no such file"), ("old.xls", "xlsx"),
                                               ("notes.txt", "cannot tell"), ("whatever.csv", "named after")])
def test_paths_that_name_no_export(name: str, message: str, tmp_path: Path, tables: Mapping[str, TableSpec]) -> None:
    path = tmp_path / name
    if name != "missing":
        path.write_text("a,b\n1,2\n")
    with pytest.raises(InputError, match=message):
        open_reader(path, tables=tables)


def test_every_reader_rule_used_in_the_code_is_documented() -> None:
    import re

    from gistreg.ingest import READER_RULES

    src = Path(__file__).resolve().parents[2] / "src" / "gistreg" / "ingest"
    used = {m for p in src.glob("*.py") if p.name != "_common.py"
            for m in re.findall(r'"(R\d\d)"', p.read_text(encoding="utf-8"))}
    assert used, "no rule codes found"
    assert used <= set(READER_RULES), sorted(used - set(READER_RULES))
    assert all(len(text) > 20 for text in READER_RULES.values())
