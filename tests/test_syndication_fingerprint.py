"""The syndication fingerprint an extraction worker computes (crawler/page_job.py, a
FingerprintJob) is what the store would compute from the story it stores: same MinHash,
bands, length and named source; the store uses it only then, and gives the same clusters
with or without it. A page job's content hash is the normalize pipeline's."""

from __future__ import annotations

import dataclasses
import json
import pickle
from urllib.parse import urlsplit

import pytest

from crawler.extraction.decode import decode_html
from crawler.extraction.text import content_hash
from crawler.page_job import FingerprintJob, PageJob, fingerprint_job, run_fingerprint_job, run_job, run_page_job
from crawler.store import Store
from crawler.syndication import Fingerprint, fingerprint, prepare, signature, snapshot
from pipelines.normalize import normalize
from pipelines.store import story_row, syndication_counts

from .helpers import SHARED

PAGES_PER_CORPUS = 8


def real_pages() -> list[tuple[str, str, bytes]]:
    found = []
    for name in ("fundus-dev", "zh-dev"):
        folder = SHARED / "corpus" / name
        if not (folder / "manifest.jsonl").is_file():
            continue
        lines = (folder / "manifest.jsonl").read_text(encoding="utf-8").splitlines()
        for line in [json.loads(x) for x in lines if x.strip()][:PAGES_PER_CORPUS]:
            found.append((f"{name}/{line['id']}", line.get("url") or f"http://unknown.invalid/{line['id']}.html",
                          (folder / line["path"]).read_bytes()))
    return found


def item_of(url: str, result) -> dict:
    """What the spider's make_item gives the pipelines for a one-page article."""
    host = urlsplit(url).hostname
    return {"url": url, "source": "urls", "site": host, "outlet": result.outlet or host, "title": result.title,
            "published_at": result.published_at, "date_raw": result.date_raw, "date_stage": result.date_stage,
            "body_html": result.body_html, "body_text": result.body_text, "extractor": result.extractor}


def stored_story(store: Store, story_id: str) -> dict:
    cur = store.db.execute("SELECT id, title, body_text, published_at, first_seen, outlet FROM stories WHERE id = ?", [story_id])
    return dict(zip([d[0] for d in cur.description], cur.fetchone()))


def expected_from_row(story: dict) -> Fingerprint:
    """What the store computes itself from the stored row (assign without a fingerprint)."""
    prep = prepare(story)
    sig = signature(prep.text, prep.shingles, prep.lead)
    return Fingerprint(inputs="", minhash=sig.minhash_blob(), length=sig.length, bands=sig.bands, named_source=prep.named_source)


def test_the_worker_fingerprints_the_text_the_store_holds():
    pages = real_pages()
    if not pages:
        pytest.skip(f"corpus absent: {SHARED / 'corpus'} has neither fundus-dev nor zh-dev")
    store = Store.open(memory=True)
    run_id = store.start_run("test")
    used = 0
    for name, url, raw in pages:
        html, encoding = decode_html(raw)
        out = run_page_job(PageJob(html=html, url=url, encoding=encoding))
        if out.extraction.error or not out.body_text:
            continue
        fp = run_fingerprint_job(fingerprint_job(out.extraction, url)).fingerprint
        row = story_row(normalize(item_of(url, out.extraction)))
        # the page job's content hash is the one the pipeline computes (the item had none)
        assert out.content_hash == row["content_hash"] is not None, name
        assignment = store.insert_story(row, run_id, fingerprint=fp)
        # the store took the worker's value: it was of the very title and body it holds …
        assert assignment.signature_from == "worker", name
        # … and equals what the store computes from the stored row
        expected = expected_from_row(stored_story(store, row["id"]))
        assert (fp.minhash, fp.length, fp.bands, fp.named_source) == (
            expected.minhash, expected.length, expected.bands, expected.named_source), name
        stored = store.db.execute("SELECT minhash, length, named_source FROM story_signatures WHERE story_id = ?",
                                  [row["id"]]).fetchone()
        assert tuple(stored) == (expected.minhash, expected.length, expected.named_source), name
        used += 1
    assert used >= len(pages) // 2, f"only {used} of {len(pages)} pages gave a story"


def clustering_of(db) -> dict:
    """What the clustering wrote, without when it wrote it: clusters.last_changed and
    cluster_merges.merged_at come from the store's clock, a second apart when two stores
    being compared straddle one."""
    clustering = snapshot(db)
    clustering["clusters"] = [row[:-1] for row in clustering["clusters"]]
    clustering["merges"] = [row[:-1] for row in clustering["merges"]]
    return clustering


def test_a_fingerprint_of_other_text_is_not_used():
    """The unnormalized title (what the extraction gives, before the normalize pipeline),
    or a different body: the store computes the signature itself, with the same result."""
    body = "第一段，央行宣布下调存款准备金率0.5个百分点。\n第二段，释放长期资金约1万亿元。" * 6
    row = {"id": "s1", "url": "http://a.example/1", "canonical_url": "http://a.example/1", "source": "t", "slug": "a",
           "tag": "a", "title": "央行 降准", "published_at": "2024-05-01T10:00:00+08:00", "body_html": "<p>x</p>",
           "body_text": body, "content_hash": "h1", "outlet": "甲网"}
    results = {}
    for case, fp in {"none": None, "worker": fingerprint("央行 降准", body),
                     "raw title": fingerprint("  央行\n 降准 ", body), "other body": fingerprint("央行 降准", body + "。")}.items():
        store = Store.open(memory=True)
        run_id = store.start_run("test")
        assignment = store.insert_story(dict(row), run_id, fingerprint=fp)
        assert assignment.signature_from == {"none": "store", "worker": "worker"}.get(case, "stale"), case
        results[case] = (clustering_of(store.db), store.db.execute("SELECT story_id, minhash, length, ts, outlet, named_source "
                                                              "FROM story_signatures").fetchall(),
                         store.db.execute("SELECT band, hash FROM lsh_bands ORDER BY band").fetchall())
    assert results["worker"] == results["none"] == results["raw title"] == results["other body"]


def test_same_clusters_with_and_without_fingerprints():
    """Copies, a formulaic look-alike and an unrelated story, stored with the workers'
    fingerprints and without: the same clusters, signatures and bands."""
    lead = "国家统计局今天发布数据，一季度国内生产总值同比增长5.3%，比上年四季度加快0.1个百分点。"
    tail = "分产业看，第一产业增加值11538亿元，增长3.3%；第二产业增加值109846亿元，增长6.0%。"
    other = "气象台预计，明天本市多云转阴，最高气温18度，最低气温9度，东北风三到四级。" * 3
    stories = [
        ("a", "一季度GDP增长5.3%", lead + "\n" + tail, "新华网", "2024-04-16T10:00:00+08:00"),
        ("b", "【快讯】一季度GDP增长5.3%", "中国发展网讯 " + lead + "\n" + tail + "\n（文章来源：新华网）", "中国发展网",
         "2024-04-16T11:30:00+08:00"),
        ("c", "一季度GDP同比增长5.3%", lead + "\n点击阅读全文", "东方财富", "2024-04-16T12:00:00+08:00"),
        ("d", "明天天气", other, "本地网", "2024-04-16T13:00:00+08:00"),
        ("e", "一季度GDP增长5.1%", lead.replace("5.3", "5.1") + "\n" + tail.replace("11538", "11000"), "某网", "2024-04-16T14:00:00+08:00"),
    ]
    found = {}
    for with_fp in (False, True):
        store = Store.open(memory=True)
        run_id = store.start_run("test")
        counts: dict[str, int] = {}
        for sid, title, body, outlet, when in stories:
            row = {"id": sid, "url": f"http://{sid}.example/1", "canonical_url": f"http://{sid}.example/1", "source": "t",
                   "slug": sid, "tag": sid, "title": title, "published_at": when, "body_html": "<p>x</p>", "body_text": body,
                   "content_hash": sid, "outlet": outlet}
            # a worker's fingerprint travels pickled
            fp = pickle.loads(pickle.dumps(fingerprint(title, body))) if with_fp else None
            for key, n in syndication_counts(store.insert_story(row, run_id, fingerprint=fp), new_story=True).items():
                counts[key] = counts.get(key, 0) + n
        found[with_fp] = (clustering_of(store.db),
                          store.db.execute("SELECT story_id, minhash, length, ts, outlet, named_source FROM story_signatures "
                                           "ORDER BY story_id").fetchall(),
                          store.db.execute("SELECT g.story_id, b.band, b.hash FROM lsh_bands b JOIN story_signatures g "
                                           "USING (sig_id) ORDER BY 1, 2").fetchall(),
                          {k: v for k, v in counts.items() if "signature" not in k})
        if with_fp:
            assert counts.get("syndication/precomputed_signature_count") == len(stories)
    assert found[True] == found[False]
    clusters = {sid: cid for sid, cid, _, _ in found[True][0]["stories"]}
    # the three copies together, the weather and the other quarter's figures apart
    assert clusters["a"] == clusters["b"] == clusters["c"] and len(set(clusters.values())) == 3


def test_a_fingerprint_is_small_and_needs_no_numpy():
    fp = fingerprint("A title", "Some words of a body text that go on for a while. " * 20)
    assert isinstance(fp.minhash, bytes) and len(fp.minhash) == 128 * 4
    assert all(isinstance(b, int) and isinstance(h, int) for b, h in fp.bands)
    assert len(pickle.dumps(fp)) < 2500


def test_a_one_page_article_has_a_content_hash_and_a_fingerprint_job():
    html = ("<html><head><title>Rates cut</title></head><body><article><h1>Rates cut</h1>"
            + "<p>The central bank cut its main rate by a quarter point on Tuesday, citing slowing growth.</p>" * 8
            + "</article></body></html>")
    url = "http://news.example/2024/05/01/rates.html"
    out = run_page_job(PageJob(html=html, url=url))
    assert not out.extraction.error and out.content_hash == content_hash(out.body_text) is not None
    job = fingerprint_job(dataclasses.replace(out.extraction, title=" Rates\n cut "), url)
    assert job == FingerprintJob("Rates cut", out.body_text, url)   # the title as the store holds it
    done = run_job(job)   # as a worker runs either kind
    assert done.fingerprint == fingerprint("Rates cut", out.body_text) and done.cpu_s >= 0
    # a page that has a next page: its text is not the story's
    paged = html.replace("</article>", '</article><a href="rates_2.html">2</a>')
    out = run_page_job(PageJob(html=paged, url=url, continuation="http://news.example/2024/05/01/rates_2.html"))
    assert out.has_next_page and out.content_hash is None


def test_the_fingerprint_follows_the_pipelines_text_not_the_extractions():
    """The normalize pipeline collapses the title's whitespace before the store writes it
    (extraction titles rarely need it): the worker fingerprints the title as stored."""
    html = ("<html><head><title>Rates cut</title></head><body><article><h1>Rates cut</h1>"
            + "<p>The central bank cut its main rate by a quarter point on Tuesday, citing slowing growth.</p>" * 8
            + "</article></body></html>")
    url = "http://news.example/2024/05/01/rates.html"
    extraction = dataclasses.replace(run_page_job(PageJob(html=html, url=url)).extraction, title="  Rates\n\u3000 cut ")
    store = Store.open(memory=True)
    row = story_row(normalize(item_of(url, extraction)))
    assignment = store.insert_story(row, store.start_run("test"), fingerprint=run_fingerprint_job(fingerprint_job(extraction)).fingerprint)
    assert assignment.signature_from == "worker"
    assert stored_story(store, row["id"])["title"] == "Rates cut"
