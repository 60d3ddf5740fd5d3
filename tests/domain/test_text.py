"""Folding Vietnamese for search: accents, đ/Đ, case, NFD input and spaces."""
import unicodedata

import pytest

from portal.domain.text import fold, words


@pytest.mark.parametrize("typed, folded", [
    ("Quận Đống Đa", "quan dong da"),
    ("ĐƯỜNG LÁNG", "duong lang"),
    ("Nguyễn Thị  Hồng\tNhung ", "nguyen thi hong nhung"),
    ("Ô Chợ Dừa, Phường Ngã Tư Sở", "o cho dua, phuong nga tu so"),
    ("đđĐĐ", "dddd"),
    ("", ""),
    (None, ""),
])
def test_fold_removes_accents_folds_d_and_case_and_collapses_spaces(typed, folded):
    assert fold(typed) == folded


def test_decomposed_input_folds_like_composed_input():
    composed = "Nguyễn Thị Hồng, Đường Láng, ỷ ợ ữ"
    decomposed = unicodedata.normalize("NFD", composed)
    assert decomposed != composed
    assert fold(decomposed) == fold(composed) == "nguyen thi hong, duong lang, y o u"


def test_words_keep_only_letters_and_digits_so_no_query_syntax_survives():
    assert words('"Đống Đa" OR *láng* 100% o\'reilly _x_ -y') == ["dong", "da", "or", "lang", "100", "o",
                                                                  "reilly", "x", "y"]
