"""Vietnamese text as the hotline types it: without accents, in any case, however it was encoded.

"Quận Đống Đa", "QUAN DONG DA" and "quan  dong da" all fold to "quan dong da". đ/Đ have no
Unicode decomposition (they are letters of their own, not d with a mark), so they are folded by hand;
the stored text is folded the same way by the database (see portal.domain.search).
"""
from __future__ import annotations

import re
import unicodedata

_WORD_RE = re.compile(r"[^\W_]+")


def fold(text: str | None) -> str:
    """Text without diacritics, đ/Đ as d, in lower case, spaces collapsed: "Đường  Láng" → "duong lang".

    NFC and NFD input fold alike (a decomposed "ễ" is e plus two marks, all of them dropped).
    """
    if not text:
        return ""
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(unicodedata.normalize("NFC", bare).lower().split())


def words(text: str | None) -> list[str]:
    """The folded words of a text, letters and digits only: 'Nguyễn "Thị" OR 5%' → ["nguyen", "thi", "or", "5"].

    What the search looks for: no quote, star, percent or underscore survives, so no query syntax does.
    """
    return _WORD_RE.findall(fold(text))
