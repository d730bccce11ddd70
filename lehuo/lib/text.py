"""Chinese text helpers: pinyin sort keys and initials for search."""

from functools import lru_cache

from pypinyin import Style, lazy_pinyin


@lru_cache(maxsize=65536)  # names repeat (imports of 100,000 rows, demo data)
def pinyin_key(name: str) -> tuple[str, str]:
    """(full pinyin with spaces, initials), lower case: 张龙云 -> ("zhang long yun", "zly")."""
    name = (name or "").strip()
    full = lazy_pinyin(name, style=Style.NORMAL, errors="default")
    if all("\u4e00" <= c <= "\u9fff" for c in name):  # not-ui: CJK range
        # All Chinese (nearly every name): one syllable per character, and the initial is
        # the syllable's first letter, exactly what Style.FIRST_LETTER gives, for half the cost.
        initials = [syllable[0] for syllable in full]
    else:
        initials = lazy_pinyin(name, style=Style.FIRST_LETTER, errors="default")
    return " ".join(full).lower()[:200], "".join(initials).lower()[:50]
