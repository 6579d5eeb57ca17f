"""The one place where text from the data is made safe for an output format.

Names, ids, labels and codebook texts come from files a user hands us and may hold
anything: markup, Markdown links, spreadsheet formulas, path separators. Every output
(HTML, Markdown, SVG, XLSX, file names) passes such text through a function here, so there
is one escaping rule per format.

>>> html_text('<img src=x onerror=alert(2)>')
'&lt;img src=x onerror=alert(2)&gt;'
>>> file_slug("../../x")
'x-9cdf6a50'
"""

from __future__ import annotations

import hashlib
import html
import re
import unicodedata
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pandas is imported where a frame is escaped: file names need no pandas
    import pandas as pd

__all__ = [
    "FORMULA_PREFIXES",
    "MAX_SLUG_LENGTH",
    "file_slug",
    "html_text",
    "markdown_text",
    "spreadsheet_frame",
    "spreadsheet_text",
    "typst_text",
]

#: Leading characters that make a spreadsheet evaluate a cell (OWASP, "CSV Injection").
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

#: Longest file or folder name made from an id (a hash keeps longer ids distinct).
MAX_SLUG_LENGTH = 64
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9_-]+")
_ASCII_PUNCTUATION = re.compile(r"""([!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~])""")


def html_text(value: Any) -> str:
    """Text for an HTML element or attribute: ``& < > " '`` escaped."""
    return html.escape("" if value is None else str(value), quote=True)


def markdown_text(value: Any) -> str:
    """Text for Markdown (CommonMark) that renders literally.

    Every ASCII punctuation character is backslash-escaped, so ``<``, ``[``, ``*`` or ``#``
    can start neither HTML nor a link nor emphasis; newlines become spaces, so a value cannot
    start a heading, list or table row.

    >>> markdown_text("[x](javascript:alert(3))")
    '\\\\[x\\\\]\\\\(javascript\\\\:alert\\\\(3\\\\)\\\\)'
    """
    text = " ".join(("" if value is None else str(value)).split())
    return _ASCII_PUNCTUATION.sub(r"\\\1", text)


def file_slug(value: Any) -> str:
    """A file or folder name from an id: ASCII letters, digits, ``-`` and ``_`` only.

    Anything else (separators, dots, spaces, control characters, accents) becomes ``-``.
    When the id had to be changed or shortened, 8 hex digits of its SHA-256 are appended,
    so two different ids never share a name. The result is never empty, never ``.`` or
    ``..`` and at most :data:`MAX_SLUG_LENGTH` characters.

    >>> file_slug("K0114")
    'K0114'
    >>> file_slug("Göteborg stad")
    'Goteborg-stad-dded438d'
    """
    text = "" if value is None else str(value)
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = _UNSAFE_NAME.sub("-", ascii_text).strip("-_")
    if slug == text and 0 < len(slug) <= MAX_SLUG_LENGTH:
        return slug
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return f"{slug[: MAX_SLUG_LENGTH - 9]}-{digest}" if slug else f"id-{digest}"


def spreadsheet_text(value: Any) -> Any:
    """A cell value a spreadsheet will not run: text starting ``= + - @``, tab or CR gets ``'``.

    Numbers and other non-text values are returned unchanged.

    >>> spreadsheet_text("=1+1"), spreadsheet_text(-1.5)
    ("'=1+1", -1.5)
    """
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def spreadsheet_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` with every text cell and column name passed through
    :func:`spreadsheet_text` (numeric and boolean columns untouched).

    >>> import pandas as pd
    >>> spreadsheet_frame(pd.DataFrame({"a": ["=1+1", "ok"]}))["a"].tolist()
    ["'=1+1", 'ok']
    """
    from pandas.api.types import is_bool_dtype, is_numeric_dtype

    out = df.copy()
    for column in out.columns:
        series = out[column]
        if is_numeric_dtype(series) or is_bool_dtype(series):
            continue
        out[column] = series.astype(object).map(spreadsheet_text)
    out.columns = [spreadsheet_text(str(c)) for c in out.columns]
    return out


_TYPST_SPECIAL = re.compile(r"([\\#$*_`<>@\[\]~/=\-+\"'])")


def typst_text(value: Any) -> str:
    """Text for Typst markup that renders literally (every markup character escaped)."""
    text = " ".join(("" if value is None else str(value)).split())
    return _TYPST_SPECIAL.sub(r"\\\1", text)
