"""Reading lead CSV files as data vendors and CRMs export them.

Pure file handling, no database: find the encoding and the separator, read the header,
guess which column holds which lead field, and walk the rows with their line numbers.
leads.services.lead_import_* decide what becomes a lead.

Files are streamed, never read whole into memory, so a 50 MB file costs a few MB.
"""

import codecs
import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

# Bigger files are refused at upload with a message: split them or use the shell command.
MAX_FILE_BYTES = 50 * 1024 * 1024
CHUNK = 1024 * 1024
# Columns a file may have. The widest real vendor export seen had 60; past a few hundred
# a file is not a lead list, and the mapping page offers every column in every field's
# select (16,384 columns took 32 s to render, 100,000 a worker timeout).
MAX_COLUMNS = 200

# Lead fields a column can map to: (name, label, max length).
FIELDS = (
    ("email", "Email", 254),
    ("first_name", "First name", 100),
    ("last_name", "Last name", 100),
    ("full_name", "Full name", 200),
    ("company", "Company", 200),
    ("title", "Job title", 200),
    ("phone", "Phone", 50),
    ("source", "Lead source", 100),
    ("domain", "Company website", 200),
    ("industry", "Industry", 100),
)
FIELD_LABELS = {name: label for name, label, _ in FIELDS}
FIELD_MAX = {name: limit for name, _, limit in FIELDS}
REQUIRED_FIELDS = ("email",)

# Header spellings seen in vendor and CRM exports, compared after normalizing
# ("First Name", "first_name", "FIRSTNAME" and "first-name" are all "firstname").
HEADER_ALIASES = {
    "email": ("email", "emailaddress", "e-mail", "mail", "workemail", "businessemail"),
    "first_name": ("firstname", "first", "givenname", "forename", "vorname", "prenom"),
    "last_name": ("lastname", "last", "surname", "familyname", "nachname", "nom"),
    "full_name": ("name", "fullname", "contactname", "contact"),
    "company": ("company", "companyname", "account", "accountname", "organization",
                "organisation", "employer", "firma"),
    "title": ("jobtitle", "title", "position", "role", "designation"),
    "phone": ("phone", "phonenumber", "telephone", "tel", "mobile", "mobilephone",
              "workphone", "directphone"),
    "source": ("leadsource", "source", "origin", "channel"),
    "domain": ("website", "companywebsite", "domain", "companydomain", "url"),
    "industry": ("industry", "sector", "vertical"),
}  # fmt: skip


class ImportFileError(Exception):
    """The file cannot be read at all (nothing of it can be imported)."""


@dataclass
class FileAnalysis:
    encoding: str
    delimiter: str
    header: list[str]
    row_count: int
    notes: list[str] = field(default_factory=list)


def normalize_header(text: str) -> str:
    return re.sub(r"[^a-z0-9@-]", "", text.strip().lower().replace("\ufeff", ""))


def guess_mapping(header: list[str]) -> dict[str, int]:
    """Lead field → column index for the columns whose header we recognize."""
    normalized = [normalize_header(h) for h in header]
    mapping: dict[str, int] = {}
    for name, aliases in HEADER_ALIASES.items():
        for alias in aliases:
            alias_key = normalize_header(alias)
            if alias_key in normalized and normalized.index(alias_key) not in mapping.values():
                mapping[name] = normalized.index(alias_key)
                break
    if "first_name" in mapping or "last_name" in mapping:
        mapping.pop("full_name", None)
    return mapping


def missing_required(mapping: dict[str, int]) -> list[str]:
    return [FIELD_LABELS[name] for name in REQUIRED_FIELDS if name not in mapping]


_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xf4][\x80-\xbf]{1,3}")


def detect_encoding(path) -> str:
    """utf-8 (a BOM makes it utf-8-sig), else cp1252, else latin-1.

    A file that is mostly valid UTF-8 but has a few broken bytes is read as UTF-8 with
    replacement characters, so that the rows with broken bytes are rejected one by one
    instead of every accented name in the file turning into mojibake.
    """
    with open(path, "rb") as handle:
        head = handle.read(4)
        if head.startswith(codecs.BOM_UTF8):
            encoding = "utf-8-sig"
        elif head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return "utf-16"
        elif head.startswith(b"PK\x03\x04") or head.startswith(b"\xd0\xcf\x11\xe0"):
            raise ImportFileError(
                "This is an Excel workbook, not a CSV file. In Excel choose "
                "File › Save As › CSV UTF-8 and upload that."
            )
        else:
            encoding = "utf-8"
        handle.seek(0)
        decoder = codecs.getincrementaldecoder(encoding)()
        saw_multibyte = False
        while chunk := handle.read(CHUNK):
            if b"\x00" in chunk:
                raise ImportFileError(
                    "The file contains NUL bytes: it is binary, or UTF-16 without a byte "
                    "order mark. Save it as CSV UTF-8 and upload it again."
                )
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError:
                if saw_multibyte or _UTF8_MULTIBYTE.search(chunk):
                    return "utf-8-replace"
                return _single_byte_encoding(path)
            saw_multibyte = saw_multibyte or bool(_UTF8_MULTIBYTE.search(chunk))
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "utf-8-replace"
    return encoding


def _single_byte_encoding(path) -> str:
    # cp1252 is what Windows exports as "ANSI"; it leaves 5 bytes undefined, and a file
    # that uses them can only be latin-1.
    with open(path, "rb") as handle:
        decoder = codecs.getincrementaldecoder("cp1252")()
        try:
            while chunk := handle.read(CHUNK):
                decoder.decode(chunk)
        except UnicodeDecodeError:
            return "latin-1"
    return "cp1252"


def open_text(path, encoding: str):
    if encoding == "utf-8-replace":
        return open(path, encoding="utf-8", errors="replace", newline="")  # noqa: SIM115
    return open(path, encoding=encoding, newline="")  # noqa: SIM115


def detect_delimiter(sample: str) -> str:
    """`,` or `;` (European Excel), also tab and `|`: csv.Sniffer, then a count."""
    lines = [line for line in sample.splitlines() if line.strip()][:20]
    if not lines:
        return ","
    try:
        return csv.Sniffer().sniff("\n".join(lines), delimiters=",;\t|").delimiter
    except csv.Error:
        counts = {d: lines[0].count(d) for d in ",;\t|"}
        best = max(counts, key=counts.get)
        return best if counts[best] else ","


def analyse_file(path) -> FileAnalysis:
    """Encoding, separator, header and number of data rows; raises ImportFileError."""
    encoding = detect_encoding(path)
    with open_text(path, encoding) as handle:
        sample = handle.read(64 * 1024)
    if not sample.strip():
        raise ImportFileError("The file is empty: there is no header row and no lead in it.")
    delimiter = detect_delimiter(sample)
    header: list[str] | None = None
    row_count = 0
    with open_text(path, encoding) as handle:
        reader = csv.reader(_strip_nul(handle), delimiter=delimiter)
        for _line, values in _records(reader):
            if header is None:
                header = _header_from(values)
                continue
            row_count += 1
    if not header or not any(header):
        raise ImportFileError("The file has no header row.")
    notes = []
    if encoding == "utf-8-replace":
        notes.append("Some bytes are not valid UTF-8; the rows that contain them will be rejected.")
    if row_count == 0:
        notes.append("The file has a header row but no leads.")
    return FileAnalysis(encoding, delimiter, header, row_count, notes)


def _header_from(values) -> list[str]:
    """The header row's column names; refuses a row the CSV reader could not read (a
    field past csv.field_size_limit()) and one wider than MAX_COLUMNS."""
    if isinstance(values, Exception):
        raise ImportFileError(
            f"The header row cannot be read ({values}). Check that the first line holds "
            "the column names, each shorter than 100,000 characters."
        )
    if len(values) > MAX_COLUMNS:
        raise ImportFileError(
            f"The file has {len(values):,} columns; the limit is {MAX_COLUMNS}. Remove the "
            "columns you do not need to import, or split the file."
        )
    return [v.strip().lstrip("\ufeff") for v in values]


def _strip_nul(handle):
    for line in handle:
        yield line.replace("\x00", "")


def _records(reader) -> Iterator[tuple[int, list[str]]]:
    """(line number where the record starts, values) for every non-blank record."""
    previous_end = 0
    while True:
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            yield previous_end + 1, error
            previous_end = reader.line_num
            continue
        start = previous_end + 1
        previous_end = reader.line_num
        if not values or not any(v.strip() for v in values):
            continue
        yield start, values


def iter_rows(
    path, *, encoding: str, delimiter: str
) -> Iterator[tuple[int, list[str] | Exception]]:
    """(line number, values) of each data row; values is an Exception for a line that
    the CSV reader could not parse."""
    with open_text(path, encoding) as handle:
        reader = csv.reader(_strip_nul(handle), delimiter=delimiter)
        first = True
        for line, values in _records(reader):
            if first:
                first = False
                continue
            yield line, values


@dataclass
class ParsedRow:
    line: int
    email: str = ""
    values: dict[str, str] = field(default_factory=dict)
    error: str = ""
    raw: str = ""


def parse_row(line: int, values, *, mapping: dict[str, int], width: int, delimiter: str):
    """One file row → the lead fields it holds, or the reason it cannot become a lead."""
    if isinstance(values, Exception):
        return ParsedRow(line=line, error=f"Unreadable line: {values}")
    raw = delimiter.join(values)[:2000]
    row = ParsedRow(line=line, raw=raw)
    if len(values) > width and any(v.strip() for v in values[width:]):
        row.error = (
            f"The line has {len(values)} values but the header has {width} columns "
            "(an unquoted separator inside a value?)."
        )
        return row
    for name, index in mapping.items():
        value = values[index].strip() if index < len(values) else ""
        if len(value) > FIELD_MAX[name]:
            row.error = f"{FIELD_LABELS[name]} is longer than {FIELD_MAX[name]} characters."
            return row
        row.values[name] = value
    if "\ufffd" in raw:
        row.error = "The line contains bytes that are not valid UTF-8."
        return row
    email = row.values.get("email", "").lower()
    row.email = email
    if not email:
        row.error = "Email is empty."
        return row
    try:
        validate_email(email)
    except ValidationError:
        row.error = f"“{row.values['email']}” is not a valid email address."
        return row
    if "full_name" in row.values and not (
        row.values.get("first_name") or row.values.get("last_name")
    ):
        first, _, last = row.values.pop("full_name").rpartition(" ")
        row.values["first_name"], row.values["last_name"] = (first, last) if first else ("", last)
    return row


REJECTED_ROWS_HEADERS = ["line", "result", "reason", "email", "row"]


def rejected_rows(rejections) -> Iterator[list]:
    """The downloadable report's rows: line, result, reason, email, the row as it was
    (written by smarketing.csvio, which neutralises formulas: the row is a vendor's)."""
    for rejection in rejections:
        yield [
            rejection.line_number,
            rejection.get_kind_display(),
            rejection.reason,
            rejection.email,
            rejection.raw,
        ]
