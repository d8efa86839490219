"""Reading a creator export: encoding, CSV or JSON, column names and their aliases, one clean row at a time.

Pure functions (no database): the import service and the page's preview both use them. The accepted
columns and aliases are documented in docs/imports.md; keep the two in step.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from core import validate
from core.errors import InvalidInput
from core.models import PLATFORMS

# field -> accepted column names (compared after lower-casing and turning spaces/dashes/dots into "_").
ALIASES: dict[str, tuple[str, ...]] = {
    "platform": ("platform", "network", "social_network", "channel_type", "site"),
    "handle": ("handle", "username", "user_name", "screen_name", "account", "login"),
    "platform_id": ("platform_id", "user_id", "account_id", "profile_id", "channel_id", "external_id", "pk"),
    "name": ("name", "full_name", "display_name", "channel_name", "title"),
    "profile_url": ("profile_url", "url", "profile_link", "link", "channel_url"),
    "followers": ("followers", "followers_count", "follower_count", "subscribers", "subscriber_count", "fans"),
    "engagement_rate": ("engagement_rate", "engagement", "er", "avg_engagement_rate", "engagement_rate_pct"),
    "bio": ("bio", "biography", "description", "about"),
    "email": ("email", "public_email", "contact_email", "business_email", "email_address"),
    "category": ("category", "categories", "business_category", "category_name"),
    "niche": ("niche", "topic", "topics", "sub_category"),
    "country": ("country", "location", "country_code", "region"),
}
REQUIRED = ("platform", "handle")
PLATFORM_ALIASES = {"ig": "instagram", "insta": "instagram", "yt": "youtube", "twitter": "x", "tt": "tiktok"}
# A spreadsheet runs a cell starting with one of these as a formula (same rule as core/reporting/csvsafe.py).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
TEXT_FIELDS = ("name", "bio", "category", "niche", "country")
HANDLE_RE = re.compile(r"^[a-z0-9._-]{1,100}$")
PLATFORM_ID_RE = re.compile(r"^[A-Za-z0-9._:-]{1,100}$")
_COUNT_RE = re.compile(r"^([0-9]+(?:\.[0-9]+)?)\s*([kmb]?)$")
_MULTIPLIER = {"": 1, "k": 1_000, "m": 1_000_000, "b": 1_000_000_000}
JSON_LIST_KEYS = ("data", "items", "results", "profiles", "creators", "influencers")


class RowError(Exception):
    """Why one row cannot be imported (its message goes into the rejected-rows file)."""


@dataclass
class ParsedFile:
    """A decoded export: its format, encoding, which column feeds which field, and the raw records."""

    format: str
    encoding: str
    columns: list[str]
    mapping: dict[str, str]  # field -> source column
    ignored: list[str] = field(default_factory=list)
    _text: str = ""
    _records: list | None = None

    def records(self) -> Iterator[tuple[int, dict]]:
        """(line or record number, {source column: raw value}) for every data row."""
        if self.format == "json":
            for number, record in enumerate(self._records or [], start=1):
                yield number, record if isinstance(record, dict) else {"_value": record}
            return
        reader = csv.reader(io.StringIO(self._text, newline=""))
        header = next(reader, None)
        if header is None:
            return
        width = len(header)
        for values in reader:
            if not any(v.strip() for v in values):
                continue  # blank lines are not rows
            record = dict(zip(header, values))
            if len(values) > width:
                record["_extra"] = values[width:]
            yield reader.line_num, record

    def count(self) -> int:
        """How many data rows the file has."""
        return sum(1 for _ in self.records())

    def row(self, record: dict) -> dict:
        """The mapped fields of one record, cleaned; RowError with the reason when it cannot be imported."""
        if "_value" in record:
            raise RowError("This record is not an object with named fields.")
        if record.get("_extra"):
            raise RowError("The row has more cells than the header has columns (a stray comma or quote?).")
        raw = {name: record.get(column) for name, column in self.mapping.items()}
        return clean_row(raw)


def _key(column: str) -> str:
    return re.sub(r"[\s.\-/]+", "_", str(column).strip().lower()).strip("_")


def map_columns(columns: list[str]) -> tuple[dict[str, str], list[str]]:
    """({field: source column}, ignored columns); InvalidInput when a required column is missing."""
    lookup = {alias: name for name, aliases in ALIASES.items() for alias in aliases}
    mapping: dict[str, str] = {}
    ignored: list[str] = []
    for column in columns:
        name = lookup.get(_key(column))
        if name is None or name in mapping:
            ignored.append(str(column))
        else:
            mapping[name] = column
    missing = [name for name in REQUIRED if name not in mapping]
    if missing:
        accepted = "; ".join(f"{name}: {', '.join(ALIASES[name])}" for name in missing)
        found = ", ".join(str(c) for c in columns[:20]) or "none"
        raise InvalidInput(
            f"The file has no {' or '.join(missing)} column. Accepted names — {accepted}. Columns found: {found}."
        )
    return mapping, ignored


def decode(data: bytes) -> tuple[str, str]:
    """(text, encoding) of a UTF-8 file (with or without a byte-order mark); InvalidInput otherwise."""
    encoding = "utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-8"
    try:
        return data.decode(encoding), encoding
    except UnicodeDecodeError as error:
        raise InvalidInput(
            f"The file is not UTF-8 text (byte {error.start:,} cannot be read as UTF-8). Save it as "
            "“CSV UTF-8” (Excel: File › Save as) or export it as UTF-8, then upload it again."
        ) from None


def parse(data: bytes, file_name: str = "") -> ParsedFile:
    """Decode and read the header of a CSV or JSON export; InvalidInput with the reason when it is unusable."""
    if not data.strip():
        raise InvalidInput("The file is empty.")
    text, encoding = decode(data)
    if file_name.lower().endswith(".json") or text.lstrip()[:1] in ("[", "{"):
        return _parse_json(text, encoding)
    if "\x00" in text:
        raise InvalidInput("The file contains NUL bytes; it looks like a binary file, not a CSV export.")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    if delimiter != ",":  # re-write as commas once so the reader below has one dialect
        text = _to_commas(text, delimiter)
    header = next(csv.reader(io.StringIO(text, newline="")), [])
    columns = [c.strip() for c in header]
    mapping, ignored = map_columns(columns)
    parsed = ParsedFile("csv", encoding, columns, mapping, ignored, _text=text)
    if columns != header:
        parsed._text = _to_commas(text, ",", header=columns)
    return parsed


def _to_commas(text: str, delimiter: str, header: list[str] | None = None) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for number, values in enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)):
        writer.writerow(header if number == 0 and header is not None else values)
    return out.getvalue()


def _parse_json(text: str, encoding: str) -> ParsedFile:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise InvalidInput(f"The JSON file is not valid JSON (line {error.lineno}: {error.msg}).") from None
    if isinstance(document, dict):
        document = next((document[k] for k in JSON_LIST_KEYS if isinstance(document.get(k), list)), None)
    if not isinstance(document, list):
        raise InvalidInput(f"The JSON file must be a list of profiles (or an object with one of: {JSON_LIST_KEYS}).")
    columns: list[str] = []
    for record in document[:1000]:
        if isinstance(record, dict):
            columns.extend(str(k) for k in record if str(k) not in columns)
    mapping, ignored = map_columns(columns)
    return ParsedFile("json", encoding, columns, mapping, ignored, _records=document)


# ---- one row ------------------------------------------------------------------------------------------------


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return str(value).strip()


def _fast_text(value: str, field: str, max_len: int, multiline: bool = False) -> str:
    """validate.text's result, quickly for the usual printable cell (run 200,000 times in a big import)."""
    if value.isprintable() and len(value) <= max_len:
        return value  # already stripped; isprintable() excludes every character validate.text refuses
    return validate.text(value, field, max_len=max_len, required=False, multiline=multiline)


def clean_row(raw: dict) -> dict:
    """The prospect fields of one raw row; RowError naming the first problem."""
    try:
        values = {name: _text(value) for name, value in raw.items()}
        get = values.get
        for name in TEXT_FIELDS:
            if get(name, "").startswith(FORMULA_PREFIXES):
                raise RowError(
                    f"The {name} cell starts with “{values[name][0]}”, which a spreadsheet runs as a formula; "
                    "remove that character and import the row again."
                )
        handle = clean_handle(get("handle", ""))
        email = get("email", "")
        url = get("profile_url", "")
        return {
            "platform": clean_platform(get("platform", "")),
            "handle": handle,
            "platform_id": _platform_id(raw.get("platform_id")),
            "display_name": _fast_text(get("name", ""), "Name", 120) or handle,
            "profile_url": validate.url(url, "Profile URL") if url else None,
            "followers": parse_count(raw.get("followers"), "followers"),
            "engagement_rate": parse_percent(raw.get("engagement_rate")),
            "bio": _fast_text(get("bio", ""), "Bio", 2000, multiline=True),
            "email": validate.email(email) if email else None,
            "category": _fast_text(get("category", ""), "Category", 60),
            "niche": _fast_text(get("niche", ""), "Niche", 80),
            "country": _fast_text(get("country", ""), "Country", 80),
        }
    except InvalidInput as error:
        raise RowError(error.message) from None


def clean_platform(value: str) -> str:
    platform = value.strip().lower()
    platform = PLATFORM_ALIASES.get(platform, platform)
    if not platform:
        raise RowError("The platform is empty.")
    if platform not in PLATFORMS:
        raise RowError(f"Unknown platform “{value[:40]}” (accepted: {', '.join(PLATFORMS)}).")
    return platform


def clean_handle(value: str) -> str:
    handle = value.strip().lstrip("@").strip().lower()
    if not handle:
        raise RowError("The handle is empty.")
    if not HANDLE_RE.match(handle):
        raise RowError(f"The handle “{value[:40]}” may only have letters, digits, dot, dash and underscore.")
    return handle


def _platform_id(value) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise RowError("The platform id must be text or a number.")
    text = str(int(value)) if isinstance(value, float) and value.is_integer() else str(value).strip()
    if not PLATFORM_ID_RE.match(text):
        raise RowError("The platform id may only have letters, digits and . _ : - (at most 100).")
    return text


def parse_count(value, name: str) -> int:
    """'12,345' / '12.3K' / '1.2M' / 12345 -> an int (empty: 0); RowError when it is not a count."""
    if value is None or value == "":
        return 0
    if isinstance(value, bool):
        raise RowError(f"The {name} cell is not a number.")
    if isinstance(value, (int, float)):
        number = float(value)
    else:
        match = _COUNT_RE.match(str(value).strip().lower().replace(",", "").replace("_", ""))
        if match is None:
            raise RowError(f"The {name} cell “{str(value)[:30]}” is not a number (like 12500, 12,500 or 12.5K).")
        number = float(match.group(1)) * _MULTIPLIER[match.group(2)]
    if number != number or number < 0 or number > 10**10:  # NaN, negative or beyond any real audience
        raise RowError(f"The {name} cell must be between 0 and 10,000,000,000.")
    return int(round(number))


def parse_percent(value) -> float | None:
    """'3.2' / '3.2%' / 3.2 -> 3.2 percent (empty: None); RowError outside 0-100 or not a number."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise RowError("The engagement rate is not a number.")
    try:
        number = float(str(value).strip().rstrip("%").strip().replace(",", "."))
    except ValueError:
        raise RowError(f"The engagement rate “{str(value)[:30]}” is not a number (a percent like 3.2).") from None
    if number != number or not 0 <= number <= 100:
        raise RowError("The engagement rate must be a percent between 0 and 100.")
    return round(number, 2)
