import subprocess
import sys

from scrapy.settings import Settings

import crawler.settings as project_settings
from crawler.sources import DECLARED
from crawler.spiders.sources import spider_class

from .helpers import PROJECT


def settings() -> Settings:
    s = Settings()
    s.setmodule(project_settings, priority="project")
    return s


def test_polite_defaults():
    s = settings()
    assert s.getbool("ROBOTSTXT_OBEY") and s.getbool("AUTOTHROTTLE_ENABLED")
    ua = s.get("USER_AGENT")
    assert ua.startswith("syndication-crawler/") and s.get("CONTACT_URL") in ua
    assert not any(word in ua for word in ("Mozilla", "Chrome", "Googlebot", "Baiduspider", "Safari"))


def test_contact_url_setting_reaches_the_user_agent():
    s = settings()
    s.set("CONTACT_URL", "https://example.org/crawler-contact", priority="cmdline")
    spider_class(DECLARED["chinadevelopment"]).update_settings(s)
    assert s.get("USER_AGENT") == "syndication-crawler/0.1 (+https://example.org/crawler-contact)"


def test_per_source_delay_and_concurrency_yield_to_the_command_line():
    decl = DECLARED["chinadevelopment"]
    s = settings()
    spider_class(decl).update_settings(s)
    assert s.getfloat("DOWNLOAD_DELAY") == decl.download_delay
    assert s.getint("CONCURRENT_REQUESTS_PER_DOMAIN") == decl.concurrency
    s = settings()
    s.set("DOWNLOAD_DELAY", 0, priority="cmdline")
    spider_class(decl).update_settings(s)
    assert s.getfloat("DOWNLOAD_DELAY") == 0


def test_scrapy_list_names_every_declared_source_and_generic_spider():
    out = subprocess.run([sys.executable, "-m", "scrapy", "list"], cwd=PROJECT, capture_output=True, text=True, check=True).stdout.split()
    assert set(DECLARED) | {"eastmoney", "feed", "sitemap", "urls"} == set(out)
