"""Personal data: recognise it by column name and content, drop or redact it, pseudonymise ids.

Nothing personal leaves ingest: personal-data columns are dropped and listed by name only,
values echoed back to the user (cell issues, quarantine, roles, error messages) are redacted
when they look personal, and respondent ids become keyed pseudonyms (HMAC-SHA-256).

Content is recognised by patterns run with RE2 (through ``pyarrow.compute``), an automaton
engine whose time is linear in the length of the text, over a whole column at once.
Swedish identity numbers (personnummer, samordningsnummer) are checked further with their
date and Luhn check digit, so ordinary numbers are not taken for personal data.

>>> find_personal("ring 070-123 45 67")
'phone number'
>>> find_personal("19121212-1212"), find_personal("1912121213")
('personnummer', None)
>>> redact_text("no such id: anna@example.se")
'no such id: <redacted>'
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import warnings
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import PseudonymisationWarning

__all__ = [
    "PSEUDONYM_KEY_ENV",
    "REDACTED",
    "REDACTED_PART",
    "MAX_ECHO_LENGTH",
    "PERSONAL_KINDS",
    "drop_personal_columns",
    "find_personal",
    "personal_mask",
    "pseudonym_key_is_default",
    "pseudonymise",
    "redact",
    "redact_values",
    "redact_text",
    "shown_values",
]

PSEUDONYM_KEY_ENV = "DIMIOS_PSEUDONYM_KEY"
_DEFAULT_KEY = "dimios-research-default-key"

#: What replaces a whole value that looks personal (cell issues, quarantine, roles).
REDACTED = "<redacted: looks like personal data>"
#: What replaces the personal part of a message.
REDACTED_PART = "<redacted>"
#: Values longer than this are never echoed (they are free text, not codes).
MAX_ECHO_LENGTH = 40
#: Messages are cut to this length before they are redacted and shown.
MAX_MESSAGE_LENGTH = 2000
#: A value with more identity-number-like numbers is taken as personal without checking.
MAX_CHECKED_NUMBERS = 1000
#: The kinds of personal data recognised by content.
PERSONAL_KINDS = ("e-mail", "IP address", "personnummer", "samordningsnummer", "phone number")

# Column names that reveal personal data (Swedish and English export conventions).
_PERSONAL_NAME_PATTERNS = {
    "e-mail": r"e[-_ ]?mail|e[-_ ]?post|epost|mejl",
    "personal name": r"^(first|last|full|given|sur|respondent|person|contact)?[-_ ]?"
    r"(name|namn)$|^(förnamn|efternamn|respondentnamn|kontaktperson)$",
    "IP address": r"(^|[_ -])ip([_ -]?(address|adress|addr))?$",
    "free text": r"comment|kommentar|fritext|free[_ ]?text|övrigt|ovrigt|synpunkt|message|"
    r"meddelande|open[_ ]?answer|öppet[_ ]?svar",
    "phone number": r"phone|telefon|mobil",
    "personnummer": r"personnummer|personnr|^pnr$|samordningsnummer",
}

# The patterns run on RE2 (through pyarrow.compute), an automaton engine whose time is
# linear in the text whatever the pattern; boundaries are RE2's \b (ASCII word boundary).
_EMAIL_RE = r"[\w.%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){0,8}\.[A-Za-z]{2,24}\b"
_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
_HEX = r"[0-9A-Fa-f]{1,4}"
_IP_RE = (
    rf"\b{_OCTET}(?:\.{_OCTET}){{3}}\b"
    rf"|\b{_HEX}(?::{_HEX}){{7}}\b|\b{_HEX}(?::{_HEX}){{0,6}}::(?:{_HEX}(?::{_HEX}){{0,6}}\b)?"
    rf"|::{_HEX}(?::{_HEX}){{0,6}}\b"
)
# Swedish numbers: +46 / 0046 / 0, then 7-10 digits with single spaces, hyphens or slashes.
_PHONE_RE = (
    r"(?:\+46|\b0046)[ -]?(?:\(0\)[ -]?)?[1-9](?:[ /-]?\d){6,9}\b|\b0[1-9](?:[ /-]?\d){6,9}\b"
)
# Personnummer / samordningsnummer candidates: [century] YYMMDD [-+ ] NNNC, checked after.
_ID_NUMBER_RE = r"\b(?:19|20)?\d{6}[-+ ]?\d{4}\b"
_PATTERNS = {"e-mail": _EMAIL_RE, "IP address": _IP_RE, "phone number": _PHONE_RE}
_DOUBLED = np.array([0, 2, 4, 6, 8, 1, 3, 5, 7, 9], dtype=np.uint8)  # digit sum of 2 d
_START, _END = "\x01", "\x02"  # marks around candidates (removed from the text first)


def _as_arrow(values: Any) -> pa.Array:
    """Values as an Arrow string array: missing as empty, the two mark characters removed."""
    if isinstance(values, pd.Series):
        if not pd.api.types.is_string_dtype(values.dtype) or values.dtype == object:
            values = values.astype(object).where(values.notna(), "").astype(str)
        values = pa.array(values, from_pandas=True)
    array = pa.array(values, type=pa.large_string()) if not isinstance(values, pa.Array) else values
    array = array.cast(pa.large_string())
    array = pc.replace_substring(pc.fill_null(array, ""), _START, "")
    return pc.replace_substring(array, _END, "")


def _id_number_kinds(digits: pa.Array) -> np.ndarray:
    """Kind of each number YYMMDDNNNC: 0 none, 1 personnummer, 2 samordningsnummer.

    ``digits`` holds strings of exactly ten digits. Valid when the month is 01-12, the day
    01-31 (personnummer) or 61-91 (samordningsnummer, day + 60), and the Luhn check digit
    is right. Vectorised over all candidates.
    """
    if len(digits) == 0:
        return np.zeros(0, dtype=np.int8)
    digits = pa.concat_arrays([digits])  # a fresh array: its data buffer holds exactly these
    data = np.frombuffer(digits.buffers()[2], dtype=np.uint8)[: 10 * len(digits)]
    d = (data - 48).reshape(-1, 10)
    # Luhn: digits in odd positions (1st, 3rd, ...) doubled, digit sums added, total % 10 == 0.
    total = _DOUBLED[d[:, 0::2]].sum(axis=1, dtype=np.int32)
    luhn = (total + d[:, 1::2].sum(axis=1, dtype=np.int32)) % 10 == 0
    month = d[:, 2].astype(np.int16) * 10 + d[:, 3]
    day = d[:, 4].astype(np.int16) * 10 + d[:, 5]
    date = luhn & (month >= 1) & (month <= 12)
    person = date & (day >= 1) & (day <= 31)
    coordination = date & (day >= 61) & (day <= 91)
    return np.where(person, 1, np.where(coordination, 2, 0)).astype(np.int8)


def _id_numbers(texts: pa.Array) -> tuple[np.ndarray, pa.Array, np.ndarray]:
    """Every identity-number candidate: (index of its text, candidate as written, kind).

    RE2 wraps each candidate in mark characters; splitting at the opening mark puts one
    candidate at the start of every piece, from where it is extracted. All in Arrow.
    """
    marked = pc.replace_substring_regex(texts, _ID_NUMBER_RE, _START + r"\0" + _END)
    pieces = pc.split_pattern(marked, _START)
    owner = np.repeat(np.arange(len(texts)), pc.list_value_length(pieces).to_numpy())
    flat = pc.list_flatten(pieces)
    found = pc.struct_field(pc.extract_regex(flat, rf"^(?P<n>[0-9+ -]+){_END}"), [0])
    valid = pc.is_valid(found)
    written = found.filter(valid)
    digits = written
    for separator in "-+ ":
        digits = pc.replace_substring(digits, separator, "")
    kinds = _id_number_kinds(pc.utf8_slice_codeunits(digits, -10))
    return owner[valid.to_numpy(zero_copy_only=False)], written, kinds


def _kind_masks(texts: pa.Array) -> dict[str, np.ndarray]:
    """Per kind of :data:`PERSONAL_KINDS`, a boolean array over ``texts``."""
    masks = {
        kind: pc.match_substring_regex(texts, pattern).to_numpy(zero_copy_only=False)
        for kind, pattern in _PATTERNS.items()
    }
    candidates = pc.match_substring_regex(texts, _ID_NUMBER_RE).to_numpy(zero_copy_only=False)
    for kind in ("personnummer", "samordningsnummer"):
        masks[kind] = np.zeros(len(texts), dtype=bool)
    if candidates.any():
        where = np.flatnonzero(candidates)
        # Thousands of id-like numbers in one value: personal (and never echoed) unchecked.
        long = where[pc.binary_length(texts.take(pa.array(where))).to_numpy() > 11_000]
        if len(long):
            many = pc.count_substring_regex(texts.take(pa.array(long)), _ID_NUMBER_RE)
            crowded = long[many.to_numpy(zero_copy_only=False) > MAX_CHECKED_NUMBERS]
            masks["personnummer"][crowded] = True
            where = np.setdiff1d(where, crowded)
        owner, _, kinds = _id_numbers(texts.take(pa.array(where)))
        masks["personnummer"][where[owner[kinds == 1]]] = True
        masks["samordningsnummer"][where[owner[kinds == 2]]] = True
    return masks


def find_personal(text: Any) -> str | None:
    """The first kind of personal data found in ``text`` (see :data:`PERSONAL_KINDS`), or None.

    Linear in the length of the text: a 10 MB value is scanned in well under a second.
    """
    masks = _kind_masks(_as_arrow(["" if text is None else str(text)]))
    return next((kind for kind in PERSONAL_KINDS if masks[kind][0]), None)


def personal_mask(values: pd.Series) -> np.ndarray:
    """Boolean array: True where a value holds personal data (see :func:`find_personal`).

    Each distinct value is scanned once, by RE2 over the whole column (no Python call per
    cell), so the cost is linear in the total length of the distinct values.
    """
    if len(values) == 0:
        return np.zeros(0, dtype=bool)
    encoded = _as_arrow(values).dictionary_encode()
    masks = _kind_masks(encoded.dictionary)
    hit = np.logical_or.reduce(list(masks.values()))
    return hit[encoded.indices.to_numpy(zero_copy_only=False)]


def redact(value: Any) -> Any:
    """``value`` unchanged, or :data:`REDACTED` when it looks personal or is long free text.

    >>> redact("4"), redact("anna@example.se")
    ('4', '<redacted: looks like personal data>')
    """
    text = "" if value is None else str(value)
    if len(text) > MAX_ECHO_LENGTH or find_personal(text) is not None:
        return REDACTED
    return value


def redact_values(values: pd.Series) -> pd.Series:
    """:func:`redact` for a whole column, vectorised (the kept values are unchanged)."""
    if values.empty:
        return values
    text = values.astype(object).where(values.notna(), "").astype(str)
    hide = personal_mask(values) | (text.str.len() > MAX_ECHO_LENGTH).to_numpy()
    if not hide.any():
        return values
    return values.astype(object).where(~hide, REDACTED)


def shown_values(values: Any, limit: int = 5) -> str:
    """Up to ``limit`` values for an error message: each cut to 40 characters and redacted.

    >>> shown_values(["K001", "anna@example.se"])
    "['K001', '<redacted>']"
    """
    cut = [
        str(v) if len(str(v)) <= MAX_ECHO_LENGTH else str(v)[:MAX_ECHO_LENGTH] + "…"
        for v in list(values)[:limit]
    ]
    return redact_text(repr(cut))


def redact_text(text: str) -> str:
    """``text`` with every personal part replaced by :data:`REDACTED_PART` (for messages)."""
    text = str(text)
    if len(text) > MAX_MESSAGE_LENGTH:
        text = text[:MAX_MESSAGE_LENGTH] + " …"
    texts = _as_arrow([text])
    for pattern in _PATTERNS.values():
        texts = pc.replace_substring_regex(texts, pattern, REDACTED_PART)
    out = texts[0].as_py()
    _, written, kinds = _id_numbers(texts)
    for number in sorted(set(written.filter(pa.array(kinds > 0)).to_pylist())):
        out = out.replace(number, REDACTED_PART)
    return out


def _pseudonym_key(key: str | bytes | None) -> tuple[bytes, bool]:
    if key is None:
        key = os.environ.get(PSEUDONYM_KEY_ENV) or None
    if key is None:
        return _DEFAULT_KEY.encode(), True
    return (key.encode() if isinstance(key, str) else key), False


def pseudonym_key_is_default(key: str | bytes | None = None) -> bool:
    """True when no key is given and ``$DIMIOS_PSEUDONYM_KEY`` is unset (built-in key used)."""
    return _pseudonym_key(key)[1]


def pseudonymise(ids: pd.Series, key: str | bytes | None = None) -> pd.Series:
    """Replace identifiers with a keyed hash: ``"r_" + HMAC-SHA-256(key, id)[:16]``.

    Parameters
    ----------
    ids : pandas.Series
        Raw respondent ids (e-mail addresses included); missing stays missing.
    key : str or bytes, optional
        Secret key. Default: the environment variable ``DIMIOS_PSEUDONYM_KEY``, else a
        built-in key (a :class:`PseudonymisationWarning` is raised then, because anyone with
        the package could re-identify ids by hashing guesses).

    Notes
    -----
    The same id and key always give the same pseudonym, so rounds can be linked; without
    the key the mapping cannot be reversed or re-computed. 64 bits make collisions
    negligible for survey-sized populations. Ids are hashed as text: ``"007"`` and ``"7"``
    are different respondents.
    """
    secret, default = _pseudonym_key(key)
    if default:
        warnings.warn(
            f"respondent ids are pseudonymised with the built-in default key; set the "
            f"environment variable {PSEUDONYM_KEY_ENV} to a secret of your own",
            PseudonymisationWarning,
            stacklevel=2,
        )
    uniques = ids.dropna().astype(str).unique()
    # Hashing is per distinct id (a few thousand), not per answer.
    table = {
        raw: "r_" + hmac.new(secret, raw.encode("utf-8"), hashlib.sha256).hexdigest()[:16]
        for raw in uniques
    }
    return ids.astype("object").map(table, na_action="ignore")


def personal_kind_by_name(column: str) -> str | None:
    name = column.strip().casefold()
    for kind, pattern in _PERSONAL_NAME_PATTERNS.items():
        if re.search(pattern, name):
            return kind
    return None


def _personal_by_content(values: pd.Series) -> str | None:
    text = values[values.astype(str).str.len() > 0].astype(str)
    if text.empty:
        return None
    distinct = pd.Series(text.unique())
    found = personal_mask(distinct)
    kinds = {find_personal(v) for v in distinct[found].head(50)}
    # A few dotted quads may be version numbers; a column of them is IP addresses.
    if kinds - {"IP address"}:
        return sorted(kinds - {"IP address"}, key=PERSONAL_KINDS.index)[0]
    if kinds and found.mean() > 0.5:
        return "IP address"
    # Free text: long answers with several words are comments, not codes or categories.
    words = text.str.count(r"\s+") + 1
    if (words >= 4).mean() > 0.2 and text.str.len().mean() > 20:
        return "free text"
    return None


def drop_personal_columns(
    frame: pd.DataFrame, keep: set[str], item_ids: set[str]
) -> tuple[pd.DataFrame, dict[str, str], list[str]]:
    """Drop personal-data columns; return the frame, dropped {col: why}, ignored columns.

    Answers, ``organisation_id`` and ``year`` are checked cell by cell instead (their
    echoed values are redacted), ``respondent_id`` is pseudonymised, and ``role`` is kept
    with its personal-looking values redacted, unless it holds e-mail addresses.
    """
    dropped: dict[str, str] = {}
    ignored: list[str] = []
    for col in frame.columns:
        if col in item_ids or col in ("organisation_id", "year"):
            continue  # answers and ids are checked cell by cell / pseudonymised
        by_name = personal_kind_by_name(col) if col not in keep else None
        if by_name:
            dropped[col] = f"personal data ({by_name}), recognised by name"
            continue
        by_content = _personal_by_content(frame[col]) if col != "respondent_id" else None
        if by_content and (col != "role" or by_content in ("e-mail", "free text")):
            dropped[col] = f"personal data ({by_content}), recognised by content"
        elif col not in keep:
            ignored.append(col)
    return frame.drop(columns=list(dropped) + ignored), dropped, ignored
