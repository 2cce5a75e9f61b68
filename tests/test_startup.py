"""Start-up cost (issue 12): a scheduled run that finds nothing new must not pay
for the heavy libraries only page extraction, feed parsing, slugs and
syndication need. They are imported at first use; this test keeps it so.

No timing assertion (``bench/startup.py`` measures): it checks, in a fresh
interpreter, which modules loading the settings, every spider module
(SPIDER_MODULES), every project component and every command module imports.
"""

from __future__ import annotations

import json
import subprocess
import sys

from .helpers import PROJECT

# imported lazily by the modules that use them (see each module's import site)
HEAVY = ("trafilatura", "dateparser", "datasketch", "numpy", "scipy", "pandas", "pypinyin", "feedparser", "htmldate", "justext",
         "aiohttp")

LOAD_EVERYTHING = r"""
import json, sys
from scrapy.utils.project import get_project_settings
from scrapy.spiderloader import SpiderLoader
from scrapy.utils.misc import load_object, walk_modules

settings = get_project_settings()
loader = SpiderLoader.from_settings(settings)
assert "chinadevelopment" in loader.list(), loader.list()
# every component a crawl builds, as Scrapy loads them (extensions included, even disabled ones)
for name in ("ITEM_PIPELINES", "DOWNLOADER_MIDDLEWARES", "SPIDER_MIDDLEWARES", "EXTENSIONS"):
    for path in settings.getwithbase(name):
        load_object(path)
# scrapy loads every command module for every command, `crawl` too
walk_modules(settings["COMMANDS_MODULE"])
walk_modules("scrapy.commands")
import crawler.store  # noqa: the store a crawl opens
print(json.dumps(sorted(m for m in sys.modules)))
"""


def test_loading_spiders_settings_and_components_imports_no_heavy_library():
    result = subprocess.run([sys.executable, "-c", LOAD_EVERYTHING], cwd=PROJECT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    loaded = set(json.loads(result.stdout.strip().splitlines()[-1]))
    heavy = sorted(name for name in HEAVY if name in loaded)
    assert heavy == [], f"imported at start-up (import them where they are used): {heavy}"


def test_the_lazy_imports_still_work_when_used():
    """The same process can then extract, parse a date, slug an outlet and sign a text."""
    code = r"""
from crawler.extraction.dates import parse_date
from pipelines.slugs import slugify
from crawler.syndication.signature import signature
from crawler.spiders.news import NewsSpider
import crawler.store, sys
assert parse_date("2022年6月8日 11:39") is not None
assert slugify("中国发展网") == "zhongguofazhanwang"
assert len(signature("一二三四五六七八九十" * 10).bands) >= 32
import numpy, pandas   # sqlite-utils was imported without them; they import normally afterwards
print("ok")
"""
    result = subprocess.run([sys.executable, "-c", code], cwd=PROJECT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip().endswith("ok")


def test_a_worker_signs_texts_without_scipy_and_datasketch_imports_normally_afterwards():
    """What the extraction pool preloads (page_job.PRELOAD) and what signing a text needs
    leave scipy out (datasketch's package __init__ would bring it in for its LSH classes:
    about 36 MB in every worker and the fork server); a later `import datasketch` gets the
    whole package, with the very MinHash class the signatures were made with."""
    code = r"""
import importlib, sys
from crawler.page_job import PRELOAD
for name in PRELOAD:
    importlib.import_module(name)
from crawler.syndication.signature import signature
first = signature("一二三四五六七八九十" * 10)
assert "scipy" not in sys.modules and "datasketch" not in sys.modules, "scipy or datasketch's __init__ was imported"
import datasketch
from crawler.syndication.minhash import MinHash
assert datasketch.MinHash is MinHash
lsh = datasketch.MinHashLSH(threshold=0.5, num_perm=128)   # the part that needs scipy
m = MinHash(num_perm=128)
m.update(b"x")
lsh.insert("x", m)
assert lsh.query(m) == ["x"]
again = signature("一二三四五六七八九十" * 10)
assert (again.bands, again.minhash_blob()) == (first.bands, first.minhash_blob())
print("ok")
"""
    result = subprocess.run([sys.executable, "-c", code], cwd=PROJECT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip().endswith("ok")


def test_a_workers_result_unpickles_without_the_extraction_chain():
    """The crawl process reads each worker's ``PageResult`` (an ``Extraction`` inside);
    unpickling imports the module of every class in it. ``Extraction`` lives in a light
    module, so the crawl process never imports trafilatura & co. for it (it once did, with
    the first result: imports and memory the workers already pay)."""
    made = subprocess.run(
        [sys.executable, "-c", r"""
import pickle, sys
from crawler.page_job import PageJob, run_page_job
html = "<html><head><title>Title</title></head><body><h1>Title</h1>" + "<p>A paragraph of the article text, long enough.</p>" * 20 + "</body></html>"
sys.stdout.buffer.write(pickle.dumps(run_page_job(PageJob(html=html, url="http://127.0.0.1:1/a.html"))))
"""], cwd=PROJECT, capture_output=True, timeout=120)
    assert made.returncode == 0, made.stderr[-3000:]
    code = r"""
import json, pickle, sys
result = pickle.loads(sys.stdin.buffer.read())
assert "paragraph of the article" in result.body_text, result.body_text
print(json.dumps(sorted(m for m in sys.modules)))
"""
    result = subprocess.run([sys.executable, "-c", code], cwd=PROJECT, input=made.stdout, capture_output=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    loaded = set(json.loads(result.stdout.decode().strip().splitlines()[-1]))
    assert "crawler.extraction.result" in loaded
    heavy = sorted(name for name in (*HEAVY, "crawler.extraction.article", "crawler.extraction.generic") if name in loaded)
    assert heavy == [], f"imported by unpickling a worker's result: {heavy}"
