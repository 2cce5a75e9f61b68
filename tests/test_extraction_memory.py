"""What an extraction worker keeps between pages (issue 12, memory of the process tree):
justext's stoplists once, as one frozenset (``generic.AllJustextStoplists``), and no C heap
left over from a page's parse trees (``page_job.release_free_memory`` after every job)."""

from __future__ import annotations

import trafilatura.external
from justext.core import define_stoplist
from justext.utils import get_stoplist, get_stoplists

from crawler import page_job
from crawler.extraction import generic
from crawler.page_job import PageJob, run_job_timed

PAGE = """<html><head><title>Über den Fluss</title></head><body><article><h1>Über den Fluss</h1>
<p>Die Brücke über den Fluss wird im Sommer erneuert, teilte die Stadt am Montag mit. Die Arbeiten
sollen nach den Plänen der Verwaltung bis zum Herbst dauern, und in dieser Zeit ist die Brücke für den
Verkehr gesperrt, auch für die Fußgänger und für die Radfahrer, die sie jeden Tag nutzen.</p>
<p>Während der Arbeiten fahren die Busse eine Umleitung über die Nordbrücke. Die Stadt bittet die
Anwohner um Geduld und weist darauf hin, dass die Umleitung an den Haltestellen ausgeschildert ist und
dass die Fahrpläne der Busse in dieser Zeit um einige Minuten länger sein werden als sonst.</p>
</article></body></html>"""


def test_trafilatura_gets_the_stand_in_for_all_stoplists():
    assert isinstance(trafilatura.external.JT_STOPLIST, generic.AllJustextStoplists)
    assert trafilatura.external.JT_STOPLIST  # trafilatura tests it for truth before building its own


def test_the_stand_in_gives_justext_the_same_words_as_trafilaturas_tuple():
    expected = frozenset(w.lower() for w in {word for language in get_stoplists() for word in get_stoplist(language)})
    assert len(expected) > 100_000
    assert define_stoplist(generic.AllJustextStoplists()) == expected
    # cached by justext: another stand-in is the same key, so the words are built once per process
    assert define_stoplist(generic.AllJustextStoplists()) is define_stoplist(trafilatura.external.JT_STOPLIST)


def test_the_justext_fallback_runs_with_the_stand_in():
    body = trafilatura.external.try_justext(trafilatura.utils.load_html(PAGE), None, None)
    assert "Brücke" in " ".join(body.itertext())


def test_a_worker_releases_free_memory_after_every_job_even_a_failed_one(monkeypatch):
    released = []
    monkeypatch.setattr(page_job, "release_free_memory", lambda: released.append(1))

    def fails(job):
        raise ValueError("boom")

    assert run_job_timed(PageJob(html=PAGE, url="http://127.0.0.1/a.html"), 30).extraction.title
    assert run_job_timed(PageJob(html=PAGE, url="http://127.0.0.1/b.html"), 0).extraction.title
    try:
        run_job_timed(PageJob(html=PAGE, url="http://127.0.0.1/c.html"), 30, work=fails)
    except ValueError:
        pass
    assert released == [1, 1, 1]


def test_free_memory_is_released_when_the_worker_has_grown_since_the_last_time(monkeypatch):
    mb = 1 << 20
    trims = []
    monkeypatch.setattr(page_job, "_malloc_trim", lambda: trims.append)
    monkeypatch.setattr(page_job, "_rss_after_trim", 0)
    rss = iter([100 * mb, 80 * mb,     # first job: trimmed, 80 MB left
                90 * mb, 95 * mb,      # grown by less than TRIM_GROWTH_BYTES: kept
                97 * mb, 85 * mb,      # grown by 17 MB: trimmed, 85 MB left
                100 * mb])             # 15 MB above the last trim: kept
    monkeypatch.setattr(page_job, "_rss_bytes", lambda: next(rss))
    assert page_job.TRIM_GROWTH_BYTES == 16 * mb
    for _ in range(5):
        page_job.release_free_memory()
    assert trims == [0, 0]
    assert page_job._rss_after_trim == 85 * mb


def test_releasing_free_memory_is_harmless_where_it_exists_or_not(monkeypatch):
    monkeypatch.setattr(page_job, "_rss_after_trim", 0)
    page_job.release_free_memory()   # glibc here: malloc_trim(0)
    assert page_job._rss_bytes() is not None and page_job._rss_after_trim > 0
    monkeypatch.setattr(page_job, "_malloc_trim", lambda: None)
    page_job.release_free_memory()   # musl, macOS: nothing to call
    monkeypatch.setattr(page_job, "_malloc_trim", lambda: (lambda pad: 1))
    monkeypatch.setattr(page_job, "_rss_bytes", lambda: None)
    page_job.release_free_memory()   # no /proc: nothing to measure, nothing trimmed
