"""``python -m crawler.batch_extract`` on small invented pages (in tmp_path)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from crawler.batch_extract import RESULT_FIELDS, extract_page, main, run_manifest
from crawler.extraction.article import extract_article

PROJECT = Path(__file__).resolve().parents[1]
PARAS = "".join(
    f"<p>　　第{i}段：某市今天召开新闻发布会，介绍今年上半年经济运行情况，各项主要指标稳中有进，就业形势总体稳定。</p>" for i in range(1, 6)
)


def page(title: str = "某市上半年经济运行稳中有进", charset: str = "utf-8", meta_line: str = "发布时间：2022-06-08 11:39　来源：某市日报") -> str:
    return (
        f"<!doctype html><html><head><meta charset='{charset}'><title>{title}_某市新闻网</title></head><body>"
        "<div class='nav'><a href='/'>首页</a> | <a href='/news/'>新闻</a> | <a href='/about/'>关于我们</a></div>"
        f"<div class='article'><h1>{title}</h1><div class='info'>{meta_line}</div>"
        f"<div class='content'>{PARAS}<p>（责任编辑：王五）</p></div></div>"
        "<div class='share'>分享到：微信 微博</div><div class='footer'>版权所有 某市新闻网 京ICP备000000号</div>"
        "</body></html>"
    )


def write_manifest(folder: Path, entries: list[dict]) -> Path:
    manifest = folder / "manifest.jsonl"
    manifest.write_text("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in entries), encoding="utf-8")
    return manifest


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").split("\n") if line.strip()]


@pytest.fixture()
def corpus(tmp_path: Path) -> Path:
    html = tmp_path / "html"
    html.mkdir()
    (html / "utf8.html").write_bytes(page().encode("utf-8"))
    (html / "gbk.html").write_bytes(page(title="某县秋粮收购进度过半", charset="gb2312").encode("gbk"))
    # served as UTF-8 although the bytes are GBK (a wrong declared charset)
    (html / "mislabelled.html").write_bytes(page(title="某区开展垃圾分类宣传", charset="utf-8").encode("gbk"))
    (html / "wrapped.html").write_bytes(
        ('<text id="http://old.example.cn/a/1.html" title="旧页面标题" encoding="gb2312">\n'
         + page(title="旧页面标题", charset="gb2312", meta_line="2005年3月21日 11:21 新华网") + "\n</text>\n").encode("gbk")
    )
    (html / "undated.html").write_bytes(page(title="没有日期的一篇文章", meta_line="来源：某市日报").encode("utf-8"))
    (html / "bad.html").write_bytes(b"\x00\xff\xfe\x81 not a page \x00")
    (html / "empty.html").write_bytes(b"")
    write_manifest(tmp_path, [
        {"id": "utf8", "url": "http://news.example.cn/2022/0608/1.html", "path": "html/utf8.html"},
        {"id": "gbk", "url": "http://news.example.cn/a/2.html", "path": "html/gbk.html"},
        {"id": "mislabelled", "url": "http://news.example.cn/a/3.html", "path": "html/mislabelled.html", "content_type": "text/html; charset=utf-8"},
        {"id": "wrapped", "url": "http://old.example.cn/a/1.html", "path": "html/wrapped.html"},
        {"id": "undated", "url": "http://news.example.cn/a/5.html", "path": "html/undated.html"},
        {"id": "bad", "url": "http://news.example.cn/a/6.html", "path": "html/bad.html"},
        {"id": "empty", "url": "http://news.example.cn/a/7.html", "path": "html/empty.html"},
        {"id": "missing", "url": "http://news.example.cn/a/8.html", "path": "html/does-not-exist.html"},
    ])
    return tmp_path


def test_manifest_run_as_a_subprocess(corpus: Path):
    out = corpus / "results.jsonl"
    proc = subprocess.run(
        [sys.executable, "-m", "crawler.batch_extract", "--manifest", str(corpus / "manifest.jsonl"), "--out", str(out)],
        cwd=PROJECT, capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "8/8 pages" in proc.stderr and "done: 8 pages" in proc.stderr  # progress on stderr
    results = {r["id"]: r for r in read_jsonl(out)}
    assert list(results) == ["utf8", "gbk", "mislabelled", "wrapped", "undated", "bad", "empty", "missing"]
    for result in results.values():
        assert set(RESULT_FIELDS) <= set(result)
        assert isinstance(result["elapsed_ms"], (int, float))

    utf8 = results["utf8"]
    assert utf8["error"] is None and utf8["encoding"] == "utf-8"
    assert utf8["title"] == "某市上半年经济运行稳中有进"
    assert utf8["published_at"] == "2022-06-08T11:39:00+08:00" and utf8["date_raw"] == "2022-06-08 11:39"
    assert utf8["outlet"] == "某市日报"
    assert utf8["body_text"].startswith("第1段：某市今天召开新闻发布会") and utf8["body_text"].count("\n") == 4
    assert "责任编辑" not in utf8["body_text"] and "分享到" not in utf8["body_text"] and "版权所有" not in utf8["body_text"]
    assert utf8["body_html"].startswith("<p>第1段") and utf8["extractor"].startswith("generic:")

    gbk = results["gbk"]
    assert gbk["error"] is None and gbk["encoding"] == "gb18030"
    assert gbk["title"] == "某县秋粮收购进度过半" and "第5段" in gbk["body_text"]

    mislabelled = results["mislabelled"]
    assert mislabelled["encoding"] == "gb18030" and mislabelled["title"] == "某区开展垃圾分类宣传"

    wrapped = results["wrapped"]
    assert wrapped["error"] is None and wrapped["encoding"] == "gb18030"
    assert wrapped["title"] == "旧页面标题" and wrapped["published_at"] == "2005-03-21T11:21:00+08:00"
    assert "<text" not in wrapped["body_html"]

    undated = results["undated"]
    assert undated["error"] is None and undated["published_at"] is None and undated["date_raw"] is None

    for bad in ("bad", "empty", "missing"):
        assert results[bad]["error"], bad
        assert results[bad]["body_text"] == ""
    assert results["missing"]["error"].startswith("read_error")


def test_single_file_prints_one_json_object(corpus: Path):
    proc = subprocess.run(
        [sys.executable, "-m", "crawler.batch_extract", str(corpus / "html" / "gbk.html"), "--url", "http://news.example.cn/a/2.html"],
        cwd=PROJECT, capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["url"] == "http://news.example.cn/a/2.html" and result["encoding"] == "gb18030"
    assert result["title"] == "某县秋粮收购进度过半" and result["published_at"] == "2022-06-08T11:39:00+08:00"


def test_bad_manifest_lines_do_not_stop_the_batch(tmp_path: Path, capsys):
    (tmp_path / "ok.html").write_text(page(), encoding="utf-8")
    manifest = tmp_path / "m.jsonl"
    manifest.write_text('not json\n["a list"]\n{"id": "no-path"}\n{"id": "ok", "url": "http://x.cn/1.html", "path": "ok.html"}\n', encoding="utf-8")
    out = tmp_path / "r.jsonl"
    assert main(["--manifest", str(manifest), "--out", str(out), "--quiet"]) == 0
    results = read_jsonl(out)
    assert [bool(r["error"]) for r in results] == [True, True, True, False]
    assert results[3]["title"] == "某市上半年经济运行稳中有进"
    assert capsys.readouterr().err == ""  # --quiet


def test_relative_dates_need_a_fetch_time(tmp_path: Path):
    html = page(meta_line="3小时前 来源：某市日报").encode("utf-8")
    assert extract_page(html, "http://x.cn/a.html")["published_at"] is None
    (tmp_path / "a.html").write_bytes(html)
    write_manifest(tmp_path, [{"id": "a", "url": "http://x.cn/a.html", "path": "a.html", "fetched_at": "2022-06-08T12:00:00+08:00"}])
    with open(tmp_path / "r.jsonl", "w", encoding="utf-8") as out:
        run_manifest(tmp_path / "manifest.jsonl", out)
    assert read_jsonl(tmp_path / "r.jsonl")[0]["published_at"] == "2022-06-08T09:00:00+08:00"


def test_usage_errors_exit_non_zero(tmp_path: Path):
    with pytest.raises(SystemExit) as exc:
        main([])
    assert exc.value.code == 2
    with pytest.raises(SystemExit):
        main(["--manifest", str(tmp_path / "nope.jsonl")])
    with pytest.raises(SystemExit):
        main(["--manifest", str(tmp_path / "nope.jsonl"), "--fetched-at", "yesterday"])


ENGLISH_PARAS = "".join(
    f"<p>Paragraph {i}: The city council voted on Tuesday to approve a new budget, which includes funding for "
    "schools, roads and public transport over the next three years.</p>" for i in range(1, 6)
)


@pytest.mark.parametrize(
    "head, meta_line, published_at",
    [
        ('<meta property="article:published_time" content="2021-03-05T22:30:00-05:00">', "", "2021-03-05T22:30:00-05:00"),
        ("", '<p class="meta">Published March 5th, 2021 10:56 am by John Smith</p>', "2021-03-05T10:56:00+08:00"),
        ("", '<time datetime="2020-11-26T08:04:00+00:00">26 November 2020</time>', "2020-11-26T08:04:00+00:00"),
        ("", "", None),
    ],
)
def test_english_pages_keep_working(head, meta_line, published_at):
    html = (
        f"<html><head><title>Council approves budget | The Daily Example</title>{head}</head><body>"
        "<nav><a href='/'>Home</a> <a href='/news'>News</a> <a href='/sport'>Sport</a></nav>"
        f"<article><header><h1>Council approves budget</h1>{meta_line}</header>{ENGLISH_PARAS}</article>"
        "<aside><h3>Related articles</h3><ul><li><a href='/a'>Another story about roads</a></li></ul></aside>"
        "<footer>© 2021 The Daily Example. All rights reserved.</footer></body></html>"
    )
    result = extract_page(html.encode("utf-8"), "http://example.com/news/budget")
    assert result["error"] is None
    assert result["title"] == "Council approves budget"
    # the page's own UTC offset is kept (the calendar day its readers see)
    assert result["published_at"] == published_at
    assert result["body_text"].startswith("Paragraph 1:") and result["body_text"].count("Paragraph") == 5
    assert "Related articles" not in result["body_text"] and "All rights reserved" not in result["body_text"]


def chinese_page(meta_line: str = "", head: str = "", tail: str = "", title: str = "某地举行秋季运动会") -> str:
    return (
        f"<html><head><meta charset='utf-8'><title>{title}_某某网</title>{head}</head><body>"
        f"<div class='nav'><a href='/'>首页</a> <a href='/a'>新闻</a> <a href='/b'>体育</a></div>"
        f"<h1>{title}</h1><div class='info'>{meta_line}</div><div class='text'>{PARAS}{tail}</div></body></html>"
    )


@pytest.mark.parametrize(
    "page_html, published_at, stage",
    [
        (chinese_page("发布时间：2022-06-08 11:39 来源：某市日报"), "2022-06-08T11:39:00+08:00", "generic:text_near_title"),
        (chinese_page("2022年6月8日 11:39"), "2022-06-08T11:39:00+08:00", "generic:text_near_title"),
        (chinese_page("ggjjzhzz 发表于 2005-9-15 11:46:00"), "2005-09-15T11:46:00+08:00", "generic:text_near_title"),
        (chinese_page("发布日期： 9/17/2004 5:54:13 AM"), "2004-09-17T05:54:13+08:00", "generic:text_near_title"),
        (chinese_page(tail="<p>——《北京之春》1996年6月号</p>"), "1996-06-01T00:00:00+08:00", "generic:body_attribution"),
        (chinese_page(head="<script>var __$pubtime='2020-10-04 20:30:00';</script>"), "2020-10-04T20:30:00+08:00", "script:script.__$pubtime"),
        (chinese_page(head='<meta itemprop="dateUpdate" content="2019-10-08 12:00:57">'), "2019-10-08T12:00:57+08:00", "metadata_modified:meta.dateupdate"),
        (chinese_page(head='<meta name="publishdate" content="2022-06-08">'), "2022-06-08T00:00:00+08:00", "metadata:meta.publishdate"),
        (chinese_page("来源：某市日报"), None, None),
        (chinese_page("3小时前 来源：某市日报"), None, None),  # relative: no fetch time known
        (chinese_page("06月08日 11:39"), None, None),  # year-less: no fetch time known, no year in the URL
        (chinese_page("发布时间：2031-01-01 10:00"), None, None),  # in the future: rejected
    ],
)
def test_date_chain_on_invented_pages(page_html, published_at, stage):
    result = extract_article(page_html, "http://news.example.cn/a/1.html")
    # no declared source and no offset on the page: the zone is assumed, and date_stage says so
    assumed = stage and f"{stage};zone_assumed=Asia/Shanghai"
    assert (result.published_at_page, result.date_stage) == (published_at, assumed)
    if published_at is None:
        assert result.date_raw is None


def test_month_precision_is_recorded():
    result = extract_article(chinese_page(tail="<p>——《北京之春》1996年6月号</p>"), "http://news.example.cn/a/1.html")
    assert result.date_precision == "month" and result.date_raw == "1996年6月"


@pytest.mark.parametrize(
    "junk",
    [
        "<p>（责任编辑：王五）</p>", "<p>（文章来源：某市日报）</p>", "<p>原标题：某地举行秋季运动会</p>", "<p>【纠错】</p>",
        "<p>分享到：微信 微博</p>", "<p>扫一扫在手机打开当前页</p>", "<p>相关新闻：</p><ul><li><a href='/x'>另一条新闻的标题</a></li></ul>",
        "<p>版权声明：凡本网注明“来源：某某网”的所有作品，版权均属于某某网，未经授权不得转载。</p>",
    ],
)
def test_chinese_boilerplate_is_removed(junk):
    result = extract_article(chinese_page(tail=junk), "http://news.example.cn/a/1.html")
    assert result.body_text.startswith("第1段") and result.body_text.count("\n") == 4, result.body_text


def test_encodings_are_checked_against_the_content():
    text = chinese_page("发布时间：2022-06-08 11:39")
    utf8_declared_gb = text.replace("charset='utf-8'", "charset='gb2312'").encode("utf-8")
    gbk_declared_latin = text.replace("charset='utf-8'", "charset='iso-8859-1'").encode("gbk")
    for data, encoding in ((utf8_declared_gb, "utf-8"), (gbk_declared_latin, "gb18030")):
        result = extract_page(data, "http://news.example.cn/a/1.html")
        assert result["encoding"] == encoding and result["title"] == "某地举行秋季运动会"


def test_a_broken_source_declaration_stops_the_batch_with_an_import_error(monkeypatch):
    # a package that cannot be imported (sys.modules entry None) stands for a broken declaration:
    # the batch must say so instead of quietly running every page through the generic chain
    monkeypatch.delitem(sys.modules, "crawler.batch_extract")
    monkeypatch.setitem(sys.modules, "crawler.sources", None)
    with pytest.raises(ImportError, match="crawler.sources cannot be imported"):
        import crawler.batch_extract  # noqa: F401
