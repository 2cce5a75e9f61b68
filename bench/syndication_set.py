"""Build a syndication test set: one story republished by several outlets, each copy edited.

    .venv/bin/python bench/syndication_set.py OUT [--split dev|heldout] [--seed 10]

Writes a mirror folder `OUT/<host>/...` (article pages in each outlet's own page template,
one list page per outlet), `OUT/urls.txt` (for `scrapy crawl urls -a file=OUT/urls.txt` with
`-s MIRROR_URL=…`) and `OUT/truth.jsonl` (one line per page: url, story key, outlet,
published_at, title, body_text — the generated text, for scoring without extraction).

Text comes from /work/shared at build time, never from the repository:
- dev:     zh-dev gold bodies + fundus-dev gold bodies at even positions;
- heldout: gne-pages bodies (extracted with crawler.extraction, no gold exists) + fundus-dev
           gold bodies at odd positions; formulaic reports in other wording.
Edits applied to copies (several per copy, seeded): another outlet's page template, a
dateline, an editor line, a source line naming the origin outlet, a dropped last paragraph,
an excerpt ending in 点击阅读全文, half-width punctuation, a few changed characters, a title
prefix. Negatives: formulaic reports (market close, exchange rate, weather, lottery) on
consecutive days with different figures, some of them copied by a second outlet the same day
(those copies are positives), and many different stories on each outlet's template.
"""

from __future__ import annotations

import argparse
import html
import json
import random
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

CORPUS = Path("/work/shared/corpus")
CN = timezone(timedelta(hours=8))

OUTLETS = [
    # host, outlet name, dateline, template name
    ("www.chinadevelopment.test", "中国发展网", "中国发展网讯 ", "cd"),
    ("news.xinhua.test", "新华社", "新华社北京{m}月{d}日电 ", "xh"),
    ("www.people.test", "人民网", "人民网北京{m}月{d}日电 ", "pp"),
    ("finance.stcn.test", "证券时报网", "证券时报网讯 ", "st"),
    ("www.yicai.test", "第一财经", "", "yc"),
    ("news.portal.test", "门户新闻", "", "pt"),
]

TEMPLATES = {
    "cd": """<html><head><meta charset="utf-8"><title>{title}_中国发展网</title>
<meta property="article:published_time" content="{iso}"></head><body>
<div class="nav"><a href="/">首页</a> | <a href="/news/">新闻</a> | <a href="/finance/">财经</a></div>
<div class="main"><h1>{title}</h1><div class="info">{date} 来源：{outlet}</div>
<div class="article-content">{body}</div></div>
<div class="related"><h3>相关新闻</h3><ul><li><a href="/a/1.html">中国发展网全新改版上线</a></li></ul></div>
<div class="footer">版权所有 中国发展网 京ICP备12345678号</div></body></html>""",
    "xh": """<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}-新华网</title>
<meta name="publishdate" content="{iso}"></head><body><header>新华网 | 新闻 | 国际 | 财经</header>
<div class="head-line"><h1><span class="title">{title}</span></h1><div class="info">{date}　来源：{outlet}</div></div>
<div id="detail">{body}</div><div class="editor">【纠错】</div>
<footer>Copyright © 2000-2024 XINHUANET.com All Rights Reserved.</footer></body></html>""",
    "pp": """<html><head><meta charset="utf-8"><title>{title}--人民网</title></head><body>
<div class="top">人民网 > 新闻 > 正文</div><div class="layout"><h1>{title}</h1>
<div class="box01"><div class="fl">{date}&nbsp;&nbsp;来源：<a href="#">{outlet}</a></div></div>
<div class="rm_txt_con cf">{body}</div></div><div class="bottom">人民网版权所有，未经书面授权禁止使用</div></body></html>""",
    "st": """<html><head><meta charset="utf-8"><title>{title} | 证券时报网</title>
<meta property="og:title" content="{title}"></head><body><div class="menu">首页 快讯 公司 市场</div>
<div class="detail-title"><h2>{title}</h2></div><div class="detail-info"><span>来源：{outlet}</span><span>{date}</span></div>
<div class="detail-content">{body}</div><div class="hot">热门文章<ul><li>今日热点一</li><li>今日热点二</li></ul></div></body></html>""",
    "yc": """<html><head><meta charset="utf-8"><title>{title}</title>
<script type="application/ld+json">{{"@type":"NewsArticle","headline":"{title}","datePublished":"{iso}"}}</script></head>
<body><div class="m-header">第一财经</div><article><div class="title"><h1>{title}</h1><p><span>{date}</span> <span>{outlet}</span></p></div>
<div class="m-txt">{body}</div></article><div class="m-list">推荐阅读</div></body></html>""",
    "pt": """<html><head><meta charset="utf-8"><title>{title}_门户新闻</title></head><body>
<div id="top_bar">登录 注册 门户首页</div><div class="main-content w1240"><h1 class="main-title">{title}</h1>
<div class="date-source"><span class="date">{date}</span><span class="source">{outlet}</span></div>
<div class="article" id="artibody">{body}</div></div><div id="footer">门户新闻 版权所有</div></body></html>""",
}

PREFIXES = ["【独家】", "快讯：", "【关注】", "突发！", "重磅："]
EDITORS = ["责任编辑：王小明", "责任编辑：李华", "编辑：张伟", "责编：陈静"]


def _paragraphs(body: str) -> list[str]:
    paras = [re.sub(r"\s+", " ", p).strip() for p in body.split("\n")]
    return [p for p in paras if len(p) >= 2]


def load_texts(split: str) -> list[dict]:
    """[{key, title, paragraphs, lang}] from the corpora of one split."""
    texts = []
    fundus = [json.loads(line) for line in open(CORPUS / "fundus-dev/gold.jsonl", encoding="utf-8")]
    fundus.sort(key=lambda d: d["id"])
    keep = 0 if split == "dev" else 1
    for i, d in enumerate(fundus):
        if i % 2 == keep and d.get("body"):
            texts.append({"key": "f:" + d["id"], "title": (d.get("title") or "").strip(), "paragraphs": _paragraphs(d["body"])})
    if split == "dev":
        for line in open(CORPUS / "zh-dev/gold.jsonl", encoding="utf-8"):
            d = json.loads(line)
            paras = _paragraphs(d.get("body") or "")
            if paras:
                texts.append({"key": "z:" + d["id"], "title": paras[0][:24], "paragraphs": paras[1:] if len(paras) > 3 else paras})
    else:
        from crawler.extraction.article import extract_article
        for line in open(CORPUS / "gne-pages/manifest.jsonl", encoding="utf-8"):
            d = json.loads(line)
            path = CORPUS / "gne-pages" / d["path"]
            ex = extract_article(path.read_bytes(), d["url"])
            paras = _paragraphs(ex.body_text or "")
            if paras:
                texts.append({"key": "g:" + d["id"], "title": (ex.title or paras[0][:24]).strip(), "paragraphs": paras})
    out = []
    for t in texts:
        paras = t["paragraphs"][:12]
        if sum(len(p) for p in paras) >= 200 and len(paras) >= 2:
            out.append({**t, "paragraphs": paras})
    return out


def _is_cjk(text: str) -> bool:
    return len(re.findall(r"[\u4e00-\u9fff]", text)) > len(text) * 0.3


def _halfwidth(p: str) -> str:
    return p.translate(str.maketrans({"，": ",", "。": ".", "：": ":", "；": ";", "！": "!", "？": "?",
                                      "（": "(", "）": ")", "“": '"', "”": '"'}))


def _fullwidth(p: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if c.isascii() and c.isalnum() else c for c in p)


def _change_chars(p: str, rng: random.Random, n: int) -> str:
    chars = list(p)
    spots = [i for i, c in enumerate(chars) if c.isalpha()]
    for i in rng.sample(spots, min(n, len(spots))):
        c = chars[i]
        chars[i] = chr(0x4E00 + rng.randrange(0x5000)) if "\u4e00" <= c <= "\u9fff" else rng.choice("etaoinshr")
    return "".join(chars)


def edit_copy(title, paras, rng, origin_outlet, when, dateline):
    """One copy's title and paragraphs; returns (title, paragraphs, edits applied)."""
    edits = []
    paras = list(paras)
    cjk = _is_cjk("".join(paras))
    if rng.random() < 0.35 and len(paras) >= 3:
        paras = paras[:-1]
        edits.append("dropped_last_paragraph")
    excerpt = rng.random() < 0.2
    if excerpt:
        text = "".join(paras) if cjk else " ".join(paras)
        n = rng.randint(120, 260) if cjk else rng.randint(500, 900)
        paras = [text[:n] + ("……点击阅读全文" if cjk else "... 点击阅读全文")]
        edits.append("excerpt")
    if rng.random() < 0.4:
        paras = [_halfwidth(p) for p in paras]
        edits.append("halfwidth")
    elif rng.random() < 0.2:
        paras = [_fullwidth(p) for p in paras]
        edits.append("fullwidth")
    if rng.random() < 0.5:
        paras = [_change_chars(p, rng, 1) if rng.random() < 0.5 else p for p in paras]
        edits.append("changed_chars")
    if dateline and rng.random() < 0.7:
        paras[0] = dateline.format(m=when.month, d=when.day) + paras[0]
        edits.append("dateline")
    if rng.random() < 0.3:
        paras[0] = f"（记者 {rng.choice(['张三', '李四', '王五'])}）" + paras[0]
        edits.append("reporter")
    if not excerpt:
        if rng.random() < 0.5:
            paras.append(f"（文章来源：{origin_outlet}）" if rng.random() < 0.5 else f"来源：{origin_outlet}")
            edits.append("source_line")
        if rng.random() < 0.5:
            paras.append(rng.choice(EDITORS))
            edits.append("editor_line")
    if rng.random() < 0.3:
        title = rng.choice(PREFIXES) + title
        edits.append("title_prefix")
    return title, paras, edits


# Formulaic reports: the wording repeats every day, the figures do not. Two wordings per kind,
# one per split: (title, paragraphs, figures drawn for that wording alone as name: (low, high)).
# Each wording draws only its own figures, after the kind's shared ones: the set a seed builds
# depends on the order of the draws.
WORDINGS: dict[str, tuple[tuple[str, tuple[str, ...], dict[str, tuple[int, int]]], ...]] = {
    "market": (
        ("{month}月{day}日A股收盘：沪指涨{up}%",
         ("截至收盘，沪指涨{up}%，报{idx}点；深证成指涨{sz}%，创业板指涨{cy}%。",
          "两市成交额{vol}亿元，较上一交易日有所变化。盘面上，半导体、券商、白酒板块涨幅居前，煤炭、石油板块跌幅居前。",
          "北向资金全天净买入{inflow}.{inflow_cents}亿元。"),
         {"inflow": (5, 90), "inflow_cents": (10, 99)}),
        ("收评：沪指收于{idx}点 两市成交{vol}亿",
         ("今日三大指数表现分化，截至收盘，上证指数报{idx}点，变动{up}%；深成指变动{sz}%；创业板指变动{cy}%。",
          "沪深两市全天成交额{vol}亿元，个股涨多跌少，超过{rising}只个股上涨。",
          "板块方面，电力、银行、保险板块走强，光伏、锂电池板块回调。"),
         {"rising": (2000, 4000)}),
    ),
    "fx": (
        ("人民币对美元中间价报{mid}",
         ("中国外汇交易中心公布，{month}月{day}日人民币对美元汇率中间价报{mid}，较前一交易日调整{bp}个基点。",
          "人民币对欧元中间价报{eur}，人民币对100日元中间价报{jpy}。"),
         {}),
        ("今日人民币中间价{mid}",
         ("来自中国外汇交易中心的数据显示，人民币兑美元中间价今日报{mid}元，变动{bp}个基点。",
          "同日，欧元兑人民币报{eur}，100日元兑人民币报{jpy}。"),
         {}),
    ),
    "weather": (
        ("北京天气：{sky}，最高气温{hi}℃",
         ("北京市气象台{month}月{day}日发布天气预报：今天白天{sky}，北风{wind}级，最高气温{hi}℃；夜间最低气温{lo}℃。",
          "空气质量指数{aqi}，请市民合理安排出行。"),
         {}),
        ("今日天气 {sky} {lo}至{hi}度",
         ("据气象部门预报，本市今日天气{sky}，气温{lo}℃至{hi}℃，风力{wind}级。",
          "空气质量指数约为{aqi}，外出注意增减衣物。"),
         {}),
    ),
    "lottery": (
        ("双色球第{issue}期开奖结果",
         ("中国福利彩票双色球第{issue}期开奖，红球号码为{reds_padded}，蓝球号码为{blue:02d}。",
          "本期一等奖中出{prize}注，单注奖金约{prize_money}万元，奖池累计{pool}.{pool_cents}亿元。"),
         {"prize_money": (500, 1000), "pool": (10, 30), "pool_cents": (1, 99)}),
        ("第{issue}期双色球开奖 一等奖{prize}注",
         ("本期双色球开出红球{reds}，蓝球{blue}。",
          "全国共中出一等奖{prize}注，每注奖金{prize_money}万元，二等奖{second_prizes}注。"),
         {"prize_money": (500, 1000), "second_prizes": (80, 300)}),
    ),
}


def _figures(kind: str, rng: random.Random) -> dict[str, object]:
    """The figures both wordings of ``kind`` state, drawn in a fixed order."""
    if kind == "market":
        up, sz, cy = (round(rng.uniform(-1.5, 1.5), 2) for _ in range(3))
        return {"up": up, "sz": sz, "cy": cy, "idx": round(rng.uniform(2900, 3500), 2), "vol": rng.randint(6500, 12000)}
    if kind == "fx":
        return {"mid": round(rng.uniform(7.0, 7.3), 4), "bp": rng.randint(3, 120),
                "eur": round(rng.uniform(7.6, 8.0), 4), "jpy": round(rng.uniform(4.6, 5.2), 4)}
    if kind == "weather":
        return {"hi": rng.randint(5, 35), "lo": rng.randint(-5, 20), "wind": rng.randint(1, 5), "aqi": rng.randint(20, 180),
                "sky": rng.choice(["晴", "多云", "阴", "小雨", "晴转多云"])}
    # lottery
    nums = sorted(rng.sample(range(1, 34), 6))
    return {"reds_padded": " ".join(f"{n:02d}" for n in nums), "reds": ",".join(str(n) for n in nums),
            "blue": rng.randint(1, 16), "issue": rng.randint(2024001, 2024150), "prize": rng.randint(3, 25)}


def formulaic(kind: str, variant: int, day: datetime, rng: random.Random) -> tuple[str, list[str]]:
    title, paras, own = WORDINGS[kind][variant]
    figures = {"month": day.month, "day": day.day, **_figures(kind, rng)}
    figures.update({name: rng.randint(low, high) for name, (low, high) in own.items()})
    return title.format(**figures), [p.format(**figures) for p in paras]


def render_page(tpl: str, title: str, paras: list[str], when: datetime, outlet_shown: str) -> str:
    body = "".join(f"<p>{html.escape(p)}</p>" for p in paras)
    return TEMPLATES[tpl].format(title=html.escape(title), iso=when.isoformat(), outlet=html.escape(outlet_shown),
                                 date=when.strftime("%Y-%m-%d %H:%M"), body=body)


def build(out: Path, split: str = "dev", seed: int = 10) -> dict:
    rng = random.Random(f"{seed}-{split}")
    texts = load_texts(split)
    out.mkdir(parents=True, exist_ok=True)
    start = datetime(2024, 6, 3, 8, 0, tzinfo=CN)
    pages = []     # (host, outlet, tpl, url, story, title, paras, when, edits)
    serial = 0

    def add_page(outlet_row, story, title, paras, when, edits, shown=None):
        nonlocal serial
        serial += 1
        host, outlet, _, tpl = outlet_row
        url = f"http://{host}/news/{when:%Y%m%d}/{serial:05d}.html"
        pages.append({"url": url, "host": host, "outlet": outlet, "tpl": tpl, "story": story, "title": title,
                      "paras": paras, "when": when, "edits": edits, "shown": shown or outlet})

    for i, t in enumerate(texts):
        when = start + timedelta(hours=rng.randint(0, 24 * 20), minutes=rng.randint(0, 59))
        origin = rng.choice(OUTLETS)
        add_page(origin, t["key"], t["title"], t["paragraphs"], when, ["origin"])
        copies = rng.choice([0, 1, 2, 2, 3, 4])
        for other in rng.sample([o for o in OUTLETS if o is not origin], copies):
            lag = timedelta(minutes=rng.randint(5, 60 * 40))
            title, paras, edits = edit_copy(t["title"], t["paragraphs"], rng, origin[1], when + lag, other[2])
            add_page(other, t["key"], title, paras, when + lag, edits)

    variant = 0 if split == "dev" else 1
    for kind in ("market", "fx", "weather", "lottery"):
        home = rng.choice(OUTLETS)
        for d in range(10):
            day = start + timedelta(days=d, hours=7 if kind != "market" else 7.2)
            title, paras = formulaic(kind, variant, day, rng)
            key = f"{kind}:{day:%Y%m%d}"
            add_page(home, key, title, paras, day, ["formulaic"])
            if rng.random() < 0.4:   # a same-day copy elsewhere: a true positive
                other = rng.choice([o for o in OUTLETS if o is not home])
                add_page(other, key, title, paras + [f"（来源：{home[1]}）"], day + timedelta(minutes=rng.randint(5, 90)),
                         ["formulaic_copy"])

    by_host: dict[str, list[dict]] = {}
    with open(out / "truth.jsonl", "w", encoding="utf-8") as truth:
        for p in pages:
            path = out / p["host"] / p["url"].split(p["host"] + "/", 1)[1]
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(render_page(p["tpl"], p["title"], p["paras"], p["when"], p["shown"]), encoding="utf-8")
            by_host.setdefault(p["host"], []).append(p)
            truth.write(json.dumps({"url": p["url"], "story": p["story"], "outlet": p["outlet"],
                                    "published_at": p["when"].isoformat(), "title": p["title"],
                                    "body_text": "\n".join(p["paras"]), "edits": p["edits"]}, ensure_ascii=False) + "\n")
    for host, ps in by_host.items():
        links = "".join(f'<li><a href="{html.escape(p["url"])}">{html.escape(p["title"])}</a></li>' for p in ps)
        (out / host / "index.html").write_text(f"<html><body><ul>{links}</ul></body></html>", encoding="utf-8")
    (out / "urls.txt").write_text("".join(p["url"] + "\n" for p in pages), encoding="utf-8")
    stories = {p["story"] for p in pages}
    return {"pages": len(pages), "stories": len(stories), "texts": len(texts), "split": split}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--split", choices=("dev", "heldout"), default="dev")
    ap.add_argument("--seed", type=int, default=10)
    args = ap.parse_args(argv)
    print(json.dumps(build(args.out, args.split, args.seed)))


if __name__ == "__main__":
    main()
