"""Reading one delimited text file into a raw table: encoding, delimiter, rows and their spreadsheet numbers.

Steps, for a file of any size:

1. **Bytes** (one streaming pass): SHA-256; a UTF-16/UTF-32 byte-order mark or a NUL byte makes the file
   unreadable (R01 error); otherwise strict UTF-8 (with or without BOM) is tried, and a file that is not
   valid UTF-8 is read as Windows-1252 (cp1252; R01 info, or a warning when it also holds UTF-8 sequences,
   i.e. mixes encodings). The five bytes cp1252 does not define are an R01 error naming the byte offset and
   line. A cp1252 file is transcoded to a temporary UTF-8 file in chunks.
2. **Layout** (one pass): quotes present, blank lines, number of lines.
3. **Header**: the first record, parsed with :mod:`csv`; the delimiter is the most frequent of ``,`` ``;``
   and tab in the header line (outside quotes; ``,`` on a tie).
4. **Rows**, the fast path: DuckDB ``read_csv`` with every column ``VARCHAR``, the delimiter and header
   given, strict mode and a rejects table. ``row_number() OVER ()`` numbers the accepted records in file
   order (DuckDB guarantees that order for a single-table scan with ``preserve_insertion_order``, which is
   switched on for the read); rejected records carry their spreadsheet row in the rejects table, so the
   accepted records' rows are shifted past them exactly. Where that bookkeeping cannot be exact — blank
   lines before the last record (DuckDB skips them without a trace), blank lines before the header, a
   record count that does not add up, or DuckDB refusing the file — the file is read by the **exact path**
   instead: Python's :mod:`csv` reader counts every record, blank ones included.

Row numbers are spreadsheet rows: the header is row 1 and each record is one row, so a record whose quoted
value holds line breaks counts as one row (text editors, which count lines, show later rows further down).
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import duckdb

from gistreg.ingest._common import (
    IssueSink,
    RawTable,
    drop,
    lit,
    load_raw,
    quote,
    raw_columns,
    sha256_file,
    temp_name,
)

#: Longest record the readers accept (bytes); longer ones are an R05 error.
MAX_RECORD_BYTES = 16 * 1024 * 1024

_CHUNK = 1 << 22
_CP1252_UNDEFINED = b"\x81\x8d\x8f\x90\x9d"
_BOMS_UNREADABLE = ((b"\xff\xfe\x00\x00", "UTF-32"), (b"\x00\x00\xfe\xff", "UTF-32"),
                    (b"\xff\xfe", "UTF-16"), (b"\xfe\xff", "UTF-16"))
_BATCH = 100_000

Encoding = Literal["utf-8", "cp1252"]


@dataclass(frozen=True, slots=True)
class DelimitedFile:
    """A delimited file read into a raw table."""

    raw: RawTable | None
    delimiter: str
    encoding: Encoding
    sha256: str
    empty: bool = False


@dataclass(slots=True)
class _Bytes:
    """What one pass over a file's bytes found."""

    sha256: str = ""
    utf8_error: int | None = None
    utf8_error_line: int = 0
    multibyte: bool = False
    has_quote: bool = False
    leading_blank: bool = False
    interior_blank: bool = False
    content_lines: int = 0
    empty: bool = True


@dataclass(slots=True)
class _Lines:
    """Running line bookkeeping of :func:`_scan_bytes`."""

    offset: int = 0
    lf: int = 0
    terms: int = 0
    terms_at_content: int = 0
    last_blank: int = -1
    last_content: int = -1
    carry: bytes = b""


def _utf8_cut(block: bytes) -> int:
    """Length of ``block`` without a trailing incomplete UTF-8 sequence."""
    n = len(block)
    for back in range(1, min(4, n) + 1):
        b = block[n - back]
        if b & 0xC0 != 0x80:  # a lead byte (or ASCII)
            need = 2 if b >> 5 == 0b110 else 3 if b >> 4 == 0b1110 else 4 if b >> 3 == 0b11110 else 1
            return n if need <= back else n - back
    return n


def _scan_bytes(path: Path, *, file: str, sink: IssueSink) -> _Bytes | None:
    """One pass: hash, encoding and line layout. ``None`` when the file is not text (R01 reported)."""
    out = _Bytes()
    digest = hashlib.sha256()
    st = _Lines()
    pending = b""
    with path.open("rb") as f:
        head = f.read(4)
        for bom, name in _BOMS_UNREADABLE:
            if head.startswith(bom):
                sink.add("R01", "error", file, f"the file is encoded as {name}; save it as UTF-8 (or Windows-1252) "
                         "text; nothing was read from it")
                return None
        f.seek(0)
        first = True
        while True:
            block = f.read(_CHUNK)
            digest.update(block)
            if not block and not pending:
                break
            data = pending + block
            cut = _utf8_cut(data) if block else len(data)
            data, pending = data[:cut], data[cut:]
            if first:
                if data.startswith(b"\xef\xbb\xbf"):
                    data, st.offset = data[3:], 3
                out.leading_blank = data[:1] in (b"\n", b"\r")
                first = False
            if (nul := data.find(b"\x00")) >= 0:
                line = st.lf + data.count(b"\n", 0, nul) + 1
                sink.add("R01", "error", file, f"NUL byte at byte offset {st.offset + nul} (line {line}): a binary "
                         "file or UTF-16 text without byte-order mark; nothing was read from it")
                return None
            _encoding_block(out, data, st)
            _layout_block(out, data, st)
            if not block:
                break
    out.sha256 = digest.hexdigest()
    out.empty = st.last_content < 0
    out.interior_blank = 0 <= st.last_blank < st.last_content
    out.content_lines = st.terms_at_content + 1 if st.last_content >= 0 else 0
    return out


def _encoding_block(out: _Bytes, data: bytes, st: _Lines) -> None:
    """UTF-8 validity and whether valid UTF-8 multi-byte characters occur (to tell a mixed file)."""
    if data.isascii():
        return
    if out.utf8_error is None:
        try:
            data.decode("utf-8")
            out.multibyte = True
            return
        except UnicodeDecodeError as exc:
            out.utf8_error = st.offset + exc.start
            out.utf8_error_line = st.lf + data.count(b"\n", 0, exc.start) + 1
    if not out.multibyte:
        out.multibyte = not data.decode("utf-8", errors="replace").replace("\ufffd", "").isascii()


def _layout_block(out: _Bytes, data: bytes, st: _Lines) -> None:
    """Quotes, the last blank line, the last content byte and the line terminators before it."""
    out.has_quote = out.has_quote or b'"' in data
    window = st.carry + data
    base = st.offset - len(st.carry)
    for pattern in (b"\n\n", b"\n\r\n", b"\r\r"):
        at = window.rfind(pattern)
        if at >= 0:
            st.last_blank = max(st.last_blank, base + at)
    split_crlf = 1 if st.carry.endswith(b"\r") and data.startswith(b"\n") else 0
    terms = _count_terms(data) - split_crlf
    stripped = len(data.rstrip(b"\r\n"))
    if stripped:
        st.last_content = st.offset + stripped - 1
        st.terms_at_content = st.terms + terms - _count_terms(data[stripped:])
    st.terms += terms
    st.lf += data.count(b"\n")
    st.offset += len(data)
    st.carry = data[-2:]


def _count_terms(block: bytes) -> int:
    """Line terminators in ``block`` (CRLF and LF count once each; a lone CR counts)."""
    lf = block.count(b"\n")
    if b"\r" not in block:
        return lf
    return lf + block.count(b"\r") - block.count(b"\r\n")


def _choose_encoding(scan: _Bytes, *, file: str, sink: IssueSink) -> Encoding:
    if scan.utf8_error is None:
        return "utf-8"
    where = f"byte offset {scan.utf8_error}, line {scan.utf8_error_line}"
    if scan.multibyte:
        sink.add("R01", "warning", file, "the file mixes UTF-8 with another encoding (first non-UTF-8 byte at "
                 f"{where}); it was read as Windows-1252, so its UTF-8 characters may show as two odd "
                 "characters (Ã© for é)")
    else:
        sink.add("R01", "info", file, f"the file is not UTF-8 (first non-UTF-8 byte at {where}); read as "
                 "Windows-1252 (cp1252)")
    return "cp1252"


def _transcode(path: Path, target: Path, *, file: str, sink: IssueSink) -> None:
    """Windows-1252 → UTF-8, in chunks; the five bytes cp1252 leaves undefined are an R01 error."""
    first: tuple[int, int, int] | None = None
    count = 0
    offset = 0
    lines = 0
    with path.open("rb") as src, target.open("wb") as dst:
        while block := src.read(_CHUNK):
            bad = len(block) - len(block.translate(None, _CP1252_UNDEFINED))
            if bad:
                if first is None:
                    pos = min(p for p in (block.find(bytes([b])) for b in _CP1252_UNDEFINED) if p >= 0)
                    first = (offset + pos, lines + block.count(b"\n", 0, pos) + 1, block[pos])
                count += bad
            dst.write(block.decode("cp1252", errors="replace").encode("utf-8"))
            offset += len(block)
            lines += block.count(b"\n")
    if first is not None:
        at, line, byte = first
        sink.add("R01", "error", file, f"byte 0x{byte:02X} at byte offset {at} (line {line}) is a character neither "
                 "in UTF-8 nor in Windows-1252" + (f"; {count} such bytes in the file" if count > 1 else "")
                 + "; read as \ufffd", row=line, value=f"0x{byte:02X}")


def _sniff(first_line: str) -> str:
    bare = re.sub(r'"[^"]*"', "", first_line)
    counts = {d: bare.count(d) for d in (",", ";", "\t")}
    best = max(counts.values())
    return next((d for d in (",", ";", "\t") if counts[d] == best), ",") if best else ","


def _header(path: Path) -> tuple[list[str] | None, str]:
    """The first non-empty record and the delimiter (``None`` when the file has no record)."""
    with path.open("rb") as f:
        head = f.read(1 << 20)
    text = head.decode("utf-8-sig", errors="replace")
    first_line = next((ln for ln in re.split(r"\r\n|\n|\r", text) if ln.strip()), "")
    delim = _sniff(first_line)
    old_limit = csv.field_size_limit()
    csv.field_size_limit(MAX_RECORD_BYTES)
    try:
        for rec in csv.reader(io.StringIO(text, newline=""), delimiter=delim, quotechar='"', strict=False):
            if rec:
                return rec, delim
    except csv.Error:
        return None, delim
    finally:
        csv.field_size_limit(old_limit)
    return None, delim


def read_delimited(con: duckdb.DuckDBPyConnection, path: Path, *, file: str, sink: IssueSink,
                   workdir: Path) -> DelimitedFile:
    """Read ``path`` into a raw table (``raw`` is ``None`` when nothing could be read; issues say why)."""
    scan = _scan_bytes(path, file=file, sink=sink)
    if scan is None:
        return DelimitedFile(None, ",", "utf-8", sha256_file(path))
    encoding = _choose_encoding(scan, file=file, sink=sink)
    src = path
    if encoding == "cp1252":
        src = workdir / f"{temp_name('utf8')}.csv"
        _transcode(path, src, file=file, sink=sink)
    layout = scan
    header, delim = _header(src)
    if layout.empty:
        sink.add("R14", "info", file, "the file is empty; no rows read")
        return DelimitedFile(None, delim, encoding, scan.sha256, empty=True)
    raw = None
    if header is not None and not layout.leading_blank and not layout.interior_blank:
        raw = _fast(con, src, header, delim, layout, file=file, sink=sink)
    if raw is None:
        raw = _exact(con, src, delim, file=file, sink=sink)
    return DelimitedFile(raw, delim, encoding, scan.sha256)


def _read_csv_sql(path: Path, n: int, delim: str, rejects: str, scans: str) -> str:
    cols = "{" + ", ".join(f"{lit(c)}: 'VARCHAR'" for c in raw_columns(n)) + "}"
    return (f"read_csv({lit(str(path))}, columns = {cols}, header = true, delim = {lit(delim)}, quote = '\"', "
            f"escape = '\"', auto_detect = false, strict_mode = true, null_padding = false, skip = 0, "
            f"store_rejects = true, rejects_table = {lit(rejects)}, rejects_scan = {lit(scans)}, "
            f"max_line_size = {MAX_RECORD_BYTES}, encoding = 'utf-8')")


def _fast(con: duckdb.DuckDBPyConnection, path: Path, header: list[str], delim: str, layout: _Bytes, *,
          file: str, sink: IssueSink) -> RawTable | None:
    """DuckDB's reader; ``None`` when the exact path must read the file instead."""
    raw, rej, scans = temp_name("raw"), temp_name("rejects"), temp_name("scans")
    setting = con.execute("SELECT current_setting('preserve_insertion_order')").fetchone()
    restore = setting is not None and not setting[0]
    try:
        if restore:
            con.execute("SET preserve_insertion_order = true")
        con.execute(f"CREATE OR REPLACE TEMP TABLE {quote(raw)} AS SELECT CAST(row_number() OVER () + 1 AS BIGINT) "
                    f"AS __row, * FROM {_read_csv_sql(path, len(header), delim, rej, scans)}")
        rejected = con.execute(
            f"SELECT line, string_agg(DISTINCT error_type, ', '), string_agg(DISTINCT error_message, '; '), "
            f"any_value(csv_line) FROM {quote(rej)} GROUP BY line ORDER BY line").fetchall()
        count = con.execute(f"SELECT count(*) FROM {quote(raw)}").fetchone()
    except duckdb.Error:
        drop(con, raw, rej, scans)
        return None
    finally:
        if restore:
            con.execute("SET preserve_insertion_order = false")
    accepted = int(count[0]) if count else 0
    records = accepted + len(rejected) + 1
    if records > layout.content_lines or (not layout.has_quote and records != layout.content_lines):
        drop(con, raw, rej, scans)
        return None
    for line, types, message, text in rejected:
        sink.add("R05", "error", file, _reject_message(str(types), str(message), len(header)), row=int(line),
                 value=None if text is None else str(text).rstrip("\r\n"))
    if rejected:
        raw = _shift_past_rejects(con, raw, rej)
    drop(con, rej, scans)
    return RawTable(raw, tuple(header))


def _shift_past_rejects(con: duckdb.DuckDBPyConnection, raw: str, rej: str) -> str:
    """Renumber accepted records so that each skips the rows of the rejected records before it.

    The k-th accepted record (``__row = k + 1``) lies after the j-th rejected row ``L_j`` exactly when fewer
    than k accepted records precede ``L_j``, i.e. ``L_j - 1 - j < k``; an as-of join finds the largest such j.
    """
    skips, out = temp_name("skips"), temp_name("raw")
    con.execute(f"CREATE TEMP TABLE {quote(skips)} AS SELECT t, max(j) AS m FROM (SELECT line - 1 - j AS t, j FROM "
                f"(SELECT line, row_number() OVER (ORDER BY line) AS j FROM (SELECT DISTINCT line FROM {quote(rej)}))) "
                f"GROUP BY t")
    con.execute(f"CREATE TEMP TABLE {quote(out)} AS SELECT CAST(r.__row + coalesce(s.m, 0) AS BIGINT) AS __row, "
                f"r.* EXCLUDE (__row) FROM {quote(raw)} r ASOF LEFT JOIN {quote(skips)} s ON r.__row - 1 > s.t "
                f"ORDER BY r.__row")
    drop(con, raw, skips)
    return out


def _reject_message(types: str, message: str, n: int) -> str:
    if "COLUMNS" in types:
        found = re.search(r"Found:\s*(\d+)", message)
        got = f"{found.group(1)} fields" if found else "a different number of fields"
        return f"the row has {got} but the header has {n}; the row is not imported"
    if "QUOTE" in types or "UNQUOTED" in types:
        return ("a quoted value is not closed, or has text after its closing quote; the row is not imported "
                "(a quote inside a quoted value is written twice: \"\")")
    if "MAXIMUM" in types:
        return f"the row is longer than {MAX_RECORD_BYTES // (1024 * 1024)} MiB; the row is not imported"
    return f"the row cannot be read ({message}); the row is not imported"


def _exact(con: duckdb.DuckDBPyConnection, path: Path, delim: str, *, file: str, sink: IssueSink) -> RawTable:
    """Python's csv reader: exact row numbers whatever the layout (slower)."""
    old_limit = csv.field_size_limit()
    csv.field_size_limit(MAX_RECORD_BYTES)
    try:
        return _exact_rows(con, path, delim, file=file, sink=sink)
    finally:
        csv.field_size_limit(old_limit)


def _exact_rows(con: duckdb.DuckDBPyConnection, path: Path, delim: str, *, file: str, sink: IssueSink) -> RawTable:
    header: list[str] | None = None
    raw: RawTable | None = None
    rows: list[int] = []
    cols: list[list[str | None]] = []
    row = 0
    leading = 0
    blank = 0
    with path.open("r", encoding="utf-8-sig", errors="replace", newline="") as f:
        reader = csv.reader(f, delimiter=delim, quotechar='"', doublequote=True, strict=True)
        while True:
            try:
                rec = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                row += 1
                sink.add("R05", "error", file, _csv_error_message(str(exc), header is None), row=row)
                continue
            row += 1
            if not rec:
                leading += header is None
                blank += header is not None
                continue
            if header is None:
                header = rec
                cols = [[] for _ in header]
                continue
            if len(rec) != len(header):
                sink.add("R05", "error", file, f"the row has {len(rec)} fields but the header has {len(header)}; "
                         "the row is not imported", row=row, value=delim.join(rec))
                continue
            rows.append(row)
            for j, v in enumerate(rec):
                cols[j].append(v if v != "" else None)
            if len(rows) >= _BATCH:
                raw = load_raw(con, header, rows, cols, name=None if raw is None else raw.name, append=raw is not None)
                rows, cols = [], [[] for _ in header]
    if leading:
        sink.add("R14", "info", file, f"{leading} empty rows before the header skipped; the header is row "
                 f"{leading + 1}")
    if blank:
        sink.add("R14", "info", file, f"{blank} empty lines skipped (they still count as rows)")
    header = header or []
    return load_raw(con, header, rows, cols, name=None if raw is None else raw.name, append=raw is not None)


def _csv_error_message(text: str, in_header: bool) -> str:
    what = "the header row" if in_header else "the row"
    if "field larger" in text:
        return f"{what} has a value longer than {MAX_RECORD_BYTES // (1024 * 1024)} MiB; it is not imported"
    return (f"{what} cannot be read: a quoted value is not closed, or has text after its closing quote ({text}); "
            "it is not imported")


__all__ = ["MAX_RECORD_BYTES", "DelimitedFile", "read_delimited"]
