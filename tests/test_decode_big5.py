"""Big5 served as GBK: the content check reads it as Big5 (issue 9), while real
GBK pages keep GBK."""

import pytest

from crawler.extraction.decode import decode_html

TRADITIONAL = "中華民國經濟發展穩定，臺灣地區的出口貿易持續增長，政府表示將繼續推動產業升級與數位轉型。"
SIMPLIFIED = "中国经济发展稳定，全国出口贸易持续增长，政府表示将继续推动产业升级与数字化转型。"


@pytest.mark.parametrize("label", ["text/html; charset=gbk", "text/html; charset=gb2312"])
def test_big5_labelled_gbk_is_read_as_big5(label):
    page = f"<html><head><title>新聞</title></head><body><p>{TRADITIONAL * 5}</p></body></html>".encode("big5")
    text, encoding = decode_html(page, label)
    assert encoding == "big5"
    assert TRADITIONAL in text


@pytest.mark.parametrize("label", ["text/html; charset=gbk", None])
def test_real_gbk_stays_gbk(label):
    page = f"<html><head><meta charset=gbk><title>新闻</title></head><body><p>{SIMPLIFIED * 5}</p></body></html>".encode("gbk")
    text, encoding = decode_html(page, label)
    assert encoding == "gb18030"
    assert SIMPLIFIED in text
