from scrapy.http import HtmlResponse, Request
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from crawler.middlewares.encoding import EncodingRepairMiddleware

PAGE = "<html><head><title>中国发展网</title></head><body><p>中国发展网讯 近日，多地推进城市更新。堃</p></body></html>"


def repaired(body: bytes, content_type: str):
    mw = build_from_crawler(EncodingRepairMiddleware, get_crawler())
    response = HtmlResponse("http://x.cn/a.shtml", body=body, headers={"Content-Type": content_type}, request=Request("http://x.cn/a.shtml"))
    return mw.process_response(response.request, response)


def test_gbk_labelled_utf8_is_reread():
    out = repaired(PAGE.encode("gbk"), "text/html; charset=utf-8")
    assert out.encoding == "gb18030" and "城市更新" in out.text and "堃" in out.text


def test_gbk_labelled_latin1_is_reread():
    out = repaired(PAGE.encode("gbk"), "text/html; charset=iso-8859-1")
    assert out.encoding == "gb18030" and "城市更新" in out.text


def test_correct_labels_are_left_alone():
    out = repaired(PAGE.encode("utf-8"), "text/html; charset=utf-8")
    assert out.encoding == "utf-8" and "城市更新" in out.text
    english = repaired("<html><body><p>café</p></body></html>".encode("latin-1"), "text/html; charset=iso-8859-1")
    assert "café" in english.text


def test_the_checked_text_is_the_text_scrapy_decodes():
    """A body that decodes cleanly is decoded once: the middleware's strict decode is kept as
    the response's text (issue 12). It must be the text Scrapy gives the same response
    untouched, for every codec and byte-order mark, or the middleware leaves it to Scrapy."""
    import codecs

    texts = [PAGE, "<html><body><p>café – ½ €</p></body></html>", "<p>香港特區 堃 嗰</p>", "<p>日本語のテキスト</p>", "<p>한국어</p>"]
    boms = [b"", codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE]
    charsets = ["utf-8", "gbk", "gb2312", "gb18030", "big5", "big5hkscs", "shift_jis", "euc-jp", "euc-kr", "utf-16",
                "utf-16-le", "utf-16-be", "utf-32", "iso-8859-1", "windows-1252", None]
    # (declared, written): a UTF-16/32 label on bytes without BOM, in either order
    pairs = [(c, c or "utf-8") for c in charsets] + [("utf-16", "utf-16-le"), ("utf-16", "utf-16-be"), ("utf-32", "utf-32-le")]
    kept = 0
    for text in texts:
        for charset, written in pairs:
            try:
                body = text.encode(written)
            except UnicodeEncodeError:
                continue
            for bom in boms:
                content_type = f"text/html; charset={charset}" if charset else "text/html"
                out = repaired(bom + body, content_type)
                fresh = HtmlResponse(out.url, body=out.body, headers=out.headers, encoding=out._encoding)
                kept += out._cached_ubody is not None
                assert out.text == fresh.text, (text, charset, bom)
    assert kept > 20   # the strict decode was kept for most of them
