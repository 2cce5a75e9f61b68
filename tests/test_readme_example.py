"""The README's worked example of adding an outlet is real: copied from the
README into a scratch copy of the project, it becomes a spider and crawls."""

import re
import shutil
import subprocess
import sys

import pytest

from .helpers import FAST_SETTINGS, PROJECT, rows

pytestmark = pytest.mark.e2e


def example_module() -> str:
    readme = (PROJECT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- example-source:start -->\s*```python\n(.*?)```\s*<!-- example-source:end -->", readme, re.S)
    assert block, "README has no worked example between the example-source markers"
    return block.group(1)


def test_readme_example_adds_a_working_source(tmp_path, mirror_url):
    project = tmp_path / "project"
    for name in ("crawler", "pipelines"):
        shutil.copytree(PROJECT / name, project / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(PROJECT / "scrapy.cfg", project / "scrapy.cfg")
    (project / "crawler" / "sources" / "exampledaily.py").write_text(example_module(), encoding="utf-8")

    listed = subprocess.run([sys.executable, "-m", "scrapy", "list"], cwd=project, capture_output=True, text=True, timeout=60)
    assert "exampledaily" in listed.stdout.split(), listed.stderr[-2000:]

    store = tmp_path / "s.sqlite"
    cmd = [sys.executable, "-m", "scrapy", "crawl", "exampledaily", "-s", f"STORE_PATH={store}", "-s", f"MIRROR_URL={mirror_url}"]
    for key, value in FAST_SETTINGS.items():
        cmd += ["-s", f"{key}={value}"]
    result = subprocess.run(cmd, cwd=project, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    stories = {r["id"]: r for r in rows(store, "SELECT * FROM stories")}
    assert set(stories) == {"exampledaily-a1", "exampledaily-a2", "exampledaily-a4"}
    a1, a2 = stories["exampledaily-a1"], stories["exampledaily-a2"]
    assert a1["extractor"] == "site:exampledaily/v2022-main" and a1["outlet"] == "城市日报"
    assert a1["title"] == "街区更新行动全面铺开" and a1["published_at"] == "2022-06-08T11:39:00+08:00"
    assert a2["outlet"] == "示例日报" and a2["slug"] == "shiliribao" and a2["date_stage"] == "feed:published"
    assert stories["exampledaily-a4"]["title_stage"] == "feed:title"  # no template matched: generic path, feed title
