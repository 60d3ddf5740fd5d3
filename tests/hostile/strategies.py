"""What hostile input looks like: text from any corner of Unicode (NUL, lone surrogates, controls, marks),
query syntax of SQL, SQLite FTS5 and PostgreSQL tsquery, numbers and dates that parse badly, long strings,
and forms that are missing fields, repeat them or carry ones nobody asked for.

Requests are encoded by hand (`encoded`), so a lone surrogate arrives as the invalid UTF-8 a hostile
client would send, which the test client itself could not encode.
"""
from __future__ import annotations

from urllib.parse import quote, quote_plus

from hypothesis import strategies as st

# Query syntax and injection, one string each; NEAR/AND/OR/NOT are FTS5 operators, the rest tsquery or SQL.
SYNTAX = [
    "'", '"', "''", '""', "\\", "\\'", "\\\"", "%", "_", "%_%", "*", "**", ":", ":*", "a:*", "&", "|", "!", "!!",
    "(", ")", "()", "((a)", "a)", "^", "-", "+", "~", "<->", "<2>", "a <-> b", "a & !b", "a | b:*", "!(a & b)",
    "NEAR", "NEAR(a b)", "NEAR(a b, 2)", "NEAR(", "a NEAR b", "AND", "OR", "NOT", "a AND", "OR b", "a OR OR b",
    "NOT NOT", "a NOT", "AND OR NOT", '"a" OR "b"*', 'title: a', "case_search: x", "{title content}: a", "^a",
    "a*b", "*a", '"*"', "'a' & 'b'", "' OR 1=1 --", "' OR '1'='1", "1; DROP TABLE cases; --", "') OR ('a'='a",
    "\" OR \"\"=\"", "1' UNION SELECT username, password_hash FROM users --", "%' AND 1=0 UNION SELECT 1 --",
    "$$", "E'\\x00'", "/*", "*/", "--", "#", ";", "\\x00", "\\0", "\\u0000", "%00", "%2527", "%%", "[", "]",
    "{", "}", "<", ">", "<>", "&amp;", "&#0;", "${7*7}", "{{7*7}}", "{% raw %}", "#{7*7}", "<%= 7*7 %>",
]
# Text that tends to break things other than query parsers.
ODD = [
    "", " ", "  ", "\t", "\n", "\r\n", "\x00", "a\x00b", "\x00" * 8, "\x01\x02\x1b[31m", "\x7f", "\x0b\x0c",
    "\ud800", "\udfff", "a\ud83db", "\ufeff", "\ufffe", "\uffff", "\u200b", "\u200d", "\u202e", "\u2028\u2029",
    "𝕏𝕐", "🙂", "👨‍👩‍👧", "e\u0301\u0301\u0301", "Đống Đa", "đ", "ĐĐĐ", "Nguyễn Văn Ân", "NGUYỄN",
    "Ðống Ða",  # Icelandic eth, not đ
    "ǅ", "ß", "İ", "ﬁ", "Å", "\u0131", "ＤＯＮＧ ＤＡ", "١٢٣", "²", "¼", "Ⅻ", "๕", "٣", "１２", "0", "-0", "00",
    "-1", "1.5", "1,5", "1e9", "1e309", "-1e309", "NaN", "nan", "inf", "-Infinity", "0x10", "2147483648",
    "9223372036854775807", "9223372036854775808", "99999999999999999999999999999", "-9223372036854775809",
    "31/02/2026", "29/02/2027", "2026-13-45", "0000-00-00", "0001-01-01", "9999-12-31", "10000-01-01",
    "-0001-01-01", "2026-11-16T25:61:61+07:00", "2026-11-16T09:00:00+99:99", "16/11/2026", "2026-11-16",
    "2026-11-16T09:00:00+07:00", "2026-11-16T09:00:00Z", "2026-11-16T09:00:00.1234567+07:00", "yesterday",
    "true", "false", "null", "None", "undefined", "[]", "{}", "[object Object]", "y", "on", "off",
    "a" * 300, "a" * 301, "đ" * 1000, "x " * 3000, "<" * 5000, "'" * 2000, "\x00" * 1000, "9" * 5000,
]
NASTY = SYNTAX + ODD

# Any code point at all: controls, unassigned, private use and lone surrogates included. NUL is left to the
# strings above: the portal refuses it outright, and a NUL in every other example would stop them all there.
ANY_CHAR = st.characters(exclude_categories=(), exclude_characters="\x00")
SYNTAX_CHARS = st.sampled_from(list("'\"\\%_*:&|!()^-+~<>{}[];#$.,/ aAđĐ0123456789") + ["NEAR", "AND", "OR", "NOT",
                                                                                         "<->", ":*"])


def hostile_text(max_size: int = 20) -> st.SearchStrategy[str]:
    """One value a person or a script could put in any text field or query parameter. (Sizes are kept small:
    drawing is a third of the time of a request, and the long strings are in NASTY.)"""
    return st.one_of(
        st.sampled_from(NASTY),
        st.text(ANY_CHAR, max_size=max_size),
        st.lists(SYNTAX_CHARS, max_size=6).map("".join),
        st.lists(st.sampled_from(NASTY), min_size=2, max_size=3).map(" ".join),
    )


def weighted(*choices: tuple[int, st.SearchStrategy]) -> st.SearchStrategy:
    """One of the strategies, picked in proportion to its weight (one_of would treat repeats as one)."""
    return st.sampled_from([strategy for weight, strategy in choices for _ in range(weight)]).flatmap(_itself)


def _itself(strategy):
    return strategy


def value_or_hostile(*good: str, weight: int = 1) -> st.SearchStrategy[str]:
    """A value the form expects (so the request reaches the deeper checks), or a hostile one."""
    return weighted((weight, st.sampled_from(good)), (1, hostile_text())) if good else hostile_text()


_SHAPES = st.sampled_from(("once", "once", "once", "once", "missing", "many"))
_ODD_NAMES = ["", "x", "_method", "a[b]", "\x00", "\ud800"]


def fields(spec: dict[str, st.SearchStrategy[str]], extra_names=()) -> st.SearchStrategy[list[tuple[str, str]]]:
    """Name/value pairs for a form or a query string: each field given once, left out, or given several
    times; sometimes a field nobody asked for; sometimes in reverse order."""
    many = {name: st.lists(values, min_size=2, max_size=3) for name, values in spec.items()}
    extra = weighted((7, st.none()), (1, st.tuples(st.sampled_from(list(extra_names) + _ODD_NAMES), hostile_text())))

    @st.composite
    def pairs(draw):
        found: list[tuple[str, str]] = []
        for name, values in spec.items():
            shape = draw(_SHAPES)
            if shape == "once":
                found.append((name, draw(values)))
            elif shape == "many":
                found.extend((name, value) for value in draw(many[name]))
        odd = draw(extra)
        if odd is not None:
            found.append(odd)
        return found[::-1] if draw(st.booleans()) else found

    return pairs()


def csrf(token: str) -> st.SearchStrategy[list[tuple[str, str]]]:
    """The session's CSRF token most of the time; sometimes none, a forged one, or two."""
    return weighted((16, st.just([("csrf_token", token)])), (1, st.just([])),
                    (1, st.just([("csrf_token", token[:-4] + "AAAA")])),
                    (1, st.just([("csrf_token", "x"), ("csrf_token", token)])),
                    (1, hostile_text().map(lambda text: [("csrf_token", text)])))


def encoded(pairs: list[tuple[str, str]]) -> str:
    """application/x-www-form-urlencoded, with lone surrogates sent as the invalid UTF-8 they make."""
    return "&".join(f"{_quote(name)}={_quote(value)}" for name, value in pairs)


def _quote(text: str) -> str:
    return quote_plus(text.encode("utf-8", "surrogatepass"))


_BUILT: dict = {}


def once(world, name: str, build):
    """A strategy built once per world: building strategies afresh for each example costs more than the request."""
    key = (id(world), name)
    if key not in _BUILT:
        _BUILT.clear() if len(_BUILT) > 100 else None
        _BUILT[key] = build()
    return _BUILT[key]


FORM = "application/x-www-form-urlencoded"
HTMX = {"HX-Request": "true"}


def headers() -> st.SearchStrategy[dict]:
    """A plain browser request, an htmx region request, or a boosted one."""
    return st.sampled_from([{}, {}, HTMX, {"HX-Request": "true", "HX-Boosted": "true"},
                            {"HX-Request": "true", "HX-History-Restore-Request": "true"}])


def path_segment(text: str) -> str:
    """A path segment as a client sends it: percent-encoded, a lone surrogate as invalid UTF-8."""
    return quote(text.encode("utf-8", "surrogatepass"), safe="") or "%20"
