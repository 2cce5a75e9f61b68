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
