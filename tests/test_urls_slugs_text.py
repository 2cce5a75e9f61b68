import random
import re
import sys

import pytest

from crawler.extraction.bylines import parse_editor, parse_outlet
from crawler.extraction.text import fingerprint_text, normalize_space
from crawler.extraction.titles import clean_title
from crawler.urls import canonicalize
from pipelines.slugs import slugify

SITE = ("中国发展网",)


@pytest.mark.parametrize(
    "url, canonical",
    [
        ("HTTP://WWW.ChinaDevelopment.com.cn:80/news/zj/2022/06/1.shtml#top", "http://www.chinadevelopment.com.cn/news/zj/2022/06/1.shtml"),
        ("https://x.cn:443/a.shtml?utm_source=wx&utm_medium=s&spm=1.2", "https://x.cn/a.shtml"),
        ("http://x.cn/news/index.shtml", "http://x.cn/news/"),
        ("http://x.cn/news/index.html?b=2&a=1", "http://x.cn/news/?a=1&b=2"),
        ("http://x.cn", "http://x.cn/"),
        ("http://x.cn:8080/p?infoCode=NW1&from=timeline", "http://x.cn:8080/p?infoCode=NW1"),
    ],
)
def test_canonicalize(url, canonical):
    assert canonicalize(url) == canonical


@pytest.mark.parametrize(
    "name, slug",
    [
        ("中国发展网", "zhongguofazhanwang"),
        ("21世纪经济报道 21财经APP", "21shijijingjibaodao21caijingapp"),
        ("安信国际证券(香港)", "anxinguojizhengquanxianggang"),
        ("证券时报", "zhengquanshibao"),
        ("ＡＢＣ新闻", "abcxinwen"),
    ],
)
def test_slugify(name, slug):
    assert slugify(name) == slug


def test_an_ascii_name_is_romanized_as_pypinyin_writes_it():
    # ASCII names skip pypinyin (issue 12): pypinyin must give them back as they are
    import random

    from pypinyin import lazy_pinyin

    from pipelines.slugs import _romanized

    rng = random.Random(5)
    names = ["127.0.0.1", "www.xinhuanet.com", "Reuters", "BBC News", "a-b_c.d", " x ", "ABC def 123"]
    names += ["".join(chr(rng.randrange(128)) for _ in range(rng.randint(1, 20))) for _ in range(2000)]
    for name in names:
        assert _romanized(name) == "".join(lazy_pinyin(name)), repr(name)
    assert _romanized("新华网") == "xinhuawang"


def test_slug_overrides_and_odd_names():
    assert slugify("东财滚动", {"东财滚动": "emnews"}) == "emnews"
    assert slugify("../../etc", {}) == "etc"
    assert slugify("！？", {}).startswith("outlet")
    assert slugify("", {}) == "unknown"


@pytest.mark.parametrize(
    "raw, title",
    [
        ("联想新IT：走“专精特新”发展之路_中国发展网", "联想新IT：走“专精特新”发展之路"),
        ("标题 - 中国发展网", "标题"),
        ("标题-中国发展网", "标题"),
        ("标题_中国发展网_国家发改委主管", "标题"),
        ("  多余\n  空白\u3000标题  ", "多余 空白 标题"),
        ("中国发展网", "中国发展网"),
        ("中国发展网：发展成就", "中国发展网：发展成就"),
    ],
)
def test_clean_title(raw, title):
    assert clean_title(raw, SITE) == title


@pytest.mark.parametrize(
    "line, outlet",
    [
        ("来源：中国发展网", "中国发展网"),
        ("来源：经济日报-中国发展网", "经济日报"),
        ("2019-04-11 10:55    来源：人民日报", "人民日报"),
        ("2019-04-09 13:34     中国发展网", "中国发展网"),
        ("2022-06-08 11:39", None),
        ("来源: 证券时报网  作者：李四", "证券时报网"),
        ("来源：中国发展网－人民日报", "人民日报"),
    ],
)
def test_parse_outlet(line, outlet):
    assert parse_outlet(line, SITE) == outlet


def test_parse_editor():
    assert parse_editor("责任编辑：张三") == "张三"
    assert parse_editor("（责任编辑：王五）") == "王五"
    assert parse_editor("没有编辑") is None


def test_fingerprint_ignores_markup_width_and_punctuation():
    assert fingerprint_text("第一段，内容。\n第二段") == fingerprint_text("　　第一段,内容.第二段")


# normalize_space is written with str.split() for speed; this is what it must equal
_WHITESPACE_RUN_RE = re.compile(r"[\s\u200b\ufeff]+")


def test_normalize_space_treats_as_whitespace_exactly_what_the_regex_does():
    for code in range(sys.maxunicode + 1):
        if 0xD800 <= code <= 0xDFFF:
            continue
        char = chr(code)
        text = f"a{char}b"
        assert normalize_space(text) == _WHITESPACE_RUN_RE.sub(" ", text).strip(), hex(code)


def test_normalize_space_equals_the_regex_on_mixed_runs():
    pieces = [" ", "\n", "\t", "\u3000", "\xa0", "\u200b", "\ufeff", "\x1c", "a", "中", "é"]
    rng = random.Random(12)
    for _ in range(20000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 10)))
        assert normalize_space(text) == _WHITESPACE_RUN_RE.sub(" ", text).strip(), repr(text)
    assert normalize_space(None) == normalize_space("") == ""


def test_is_blank_is_an_empty_normalize_space():
    from crawler.extraction.text import is_blank

    pieces = [" ", "\n", "\t", "\u3000", "\xa0", "\u200b", "\ufeff", "\x1c", "a", "中"]
    rng = random.Random(5)
    for _ in range(20000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 6)))
        assert is_blank(text) == (not normalize_space(text)), repr(text)
    assert is_blank(None) and is_blank("") and is_blank("\u200b \ufeff") and not is_blank(" 中 ")


def test_fingerprint_text_drops_what_the_category_test_drops(monkeypatch):
    # fingerprint_text deletes characters with a table filled as they are met (issue 12): the
    # text must be what the per-character test gives, for characters of every category, also
    # past the table's limit (then decided again at each use)
    import unicodedata

    from crawler.extraction import text as text_module

    def by_definition(text):
        text = unicodedata.normalize("NFKC", text)
        return "".join(ch for ch in text if not (ch.isspace() or unicodedata.category(ch).startswith(("P", "S", "C"))))

    small_table = text_module._FingerprintTable()
    small_table.LIMIT = 50  # type: ignore[misc]
    rng = random.Random(17)
    samples = ["中文，内容。", "Ａｂｃ１２３", "a\u00a0b\u3000c\u200bd\ufeffe", "①②Ⅻ²", "😀🇨🇳", "\x00\x1f\x7f\x85", "\ue000\U000f0000",
               "\u0378\u2028\u2029", "ﬁ ﬀ", "١٢٣", "e\u0301", "$€¥+<=>^`|~", "-_—–…·"]
    texts = []
    for _ in range(2000):
        text = "".join(rng.choice(samples) for _ in range(rng.randint(0, 8)))
        text += "".join(chr(rng.randrange(0x110000)) for _ in range(rng.randint(0, 5)))
        texts.append("".join(ch for ch in text if not 0xD800 <= ord(ch) <= 0xDFFF))
    for text in texts:
        assert fingerprint_text(text) == by_definition(text), repr(text)
    # a table that is full decides the characters it does not hold at each use
    monkeypatch.setattr(text_module, "_FINGERPRINT_TABLE", small_table)
    for text in texts:
        assert fingerprint_text(text) == by_definition(text), repr(text)
    assert len(small_table) == 50


def test_fingerprint_of_a_long_text_is_the_tables_translation():
    # a text of ARRAY_MIN_CHARS characters or more is filtered as an array of code points
    # (issue 12): the same characters as str.translate with the table, every category, lone
    # surrogates and astral characters included, before and after the states are filled
    import unicodedata

    from crawler.extraction import text as text_module

    rng = random.Random(23)
    samples = ["中文，内容。", "Ａｂｃ１２３", "a\u00a0b\u3000c\u200bd\ufeffe", "①②Ⅻ²", "😀🇨🇳", "\x00\x1f\x7f\x85", "\ue000\U000f0000",
               "\u0378\u2028\u2029", "ﬁ ﬀ", "١٢٣", "e\u0301", "$€¥+<=>^`|~", "-_—–…·", "\ud800x\udfff", "𠀀𪚥"]
    for _ in range(300):
        text = "".join(rng.choice(samples) for _ in range(rng.randint(60, 400)))
        text += "".join(chr(rng.randrange(0x110000)) for _ in range(rng.randint(0, 50)))
        normalized = unicodedata.normalize("NFKC", text)
        assert len(normalized) >= text_module.ARRAY_MIN_CHARS
        assert fingerprint_text(text) == normalized.translate(text_module._FingerprintTable()), repr(text)
    assert text_module._code_point_states is not None and text_module._code_point_states.any()


def test_canonical_urls_are_cached_and_bad_urls_raise_each_time():
    from crawler.urls import CANONICAL_CACHE_SIZE

    urls = [f"HTTP://Example.COM:80/a/{n}/index.html?utm_source=x&b=2&a=1#top" for n in range(CANONICAL_CACHE_SIZE + 10)]
    first = [canonicalize(url) for url in urls]
    assert first == [canonicalize.__wrapped__(url) for url in urls]
    assert first[0] == "http://example.com/a/0/?a=1&b=2"
    assert [canonicalize(url) for url in urls] == first  # past the cache's size too
    for _ in range(2):
        with pytest.raises(ValueError):
            canonicalize("http://[bad")
