"""Personal data: recognise it by column name and content, drop or redact it, pseudonymise ids.

Nothing personal leaves ingest: personal-data columns are dropped and listed by name only,
values echoed back to the user (cell issues, quarantine) are redacted when they look
personal, and respondent ids become keyed pseudonyms (HMAC-SHA-256).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import warnings
from typing import Any

import pandas as pd

from ..errors import PseudonymisationWarning

__all__ = [
    "PSEUDONYM_KEY_ENV",
    "REDACTED",
    "drop_personal_columns",
    "pseudonym_key_is_default",
    "pseudonymise",
    "redact",
]

PSEUDONYM_KEY_ENV = "DIMIOS_PSEUDONYM_KEY"
_DEFAULT_KEY = "dimios-research-default-key"


REDACTED = "<redacted: looks like personal data>"
# Column names that reveal personal data (Swedish and English export conventions).
_PERSONAL_NAME_PATTERNS = {
    "e-mail": r"e[-_ ]?mail|e[-_ ]?post|epost|mejl",
    "personal name": r"^(first|last|full|given|sur|respondent|person|contact)?[-_ ]?"
    r"(name|namn)$|^(förnamn|efternamn|respondentnamn|kontaktperson)$",
    "IP address": r"(^|[_ -])ip([_ -]?(address|adress|addr))?$",
    "free text": r"comment|kommentar|fritext|free[_ ]?text|övrigt|ovrigt|synpunkt|message|"
    r"meddelande|open[_ ]?answer|öppet[_ ]?svar",
    "phone number": r"phone|telefon|mobil",
}


_EMAIL_RE = re.compile(r"[^@\s]+@[^@\s]+\.[a-zA-Z]{2,}")
_IP_RE = re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}\b")


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
    negligible for survey-sized populations.
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
    if text.str.contains(_EMAIL_RE).any():
        return "e-mail"
    if text.str.fullmatch(_IP_RE).mean() > 0.5:
        return "IP address"
    # Free text: long answers with several words are comments, not codes or categories.
    words = text.str.count(r"\s+") + 1
    if (words >= 4).mean() > 0.2 and text.str.len().mean() > 20:
        return "free text"
    return None


def drop_personal_columns(
    frame: pd.DataFrame, keep: set[str], item_ids: set[str]
) -> tuple[pd.DataFrame, dict[str, str], list[str]]:
    """Drop personal-data columns; return the frame, dropped {col: why}, ignored columns."""
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
        if by_content:
            dropped[col] = f"personal data ({by_content}), recognised by content"
        elif col not in keep:
            ignored.append(col)
    return frame.drop(columns=list(dropped) + ignored), dropped, ignored


def redact(value: Any) -> Any:
    text = str(value)
    if _EMAIL_RE.search(text) or _IP_RE.search(text) or len(text) > 40:
        return REDACTED
    return value
