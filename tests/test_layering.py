"""The layering drawn in README (Architecture) holds: no module imports a
layer drawn above its own.

Every module under crawler/ and pipelines/ is read with ``ast`` (not
imported), each of its imports of project code is mapped to a layer, and an
import of a higher layer fails the test. Imports inside a layer are free.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from .helpers import PROJECT

# bottom → top; the first matching prefix (longest first) gives a module's layer
LAYERS = [
    (
        "foundation",
        [
            "crawler.extraction", "crawler.discovery", "crawler.sources.base", "crawler.urls", "crawler.items",
            "crawler.signals", "crawler.drops", "crawler.failures", "crawler.stats_keys", "crawler.post", "crawler.ledger", "crawler.health",
            "crawler.settings", "crawler.logformatter", "crawler.mirror_server", "crawler.syndication", "crawler.codes", "crawler.tables",
        ],
    ),
    # page_job: one page's CPU work for a worker process, which looks declarations up by name
    ("sources", ["crawler.sources", "crawler.page_job"]),
    ("store", ["crawler.store"]),
    ("components", ["crawler.spiders", "crawler.middlewares", "crawler.extensions", "pipelines", "crawler.export", "crawler.report",
                    "crawler.analyst", "crawler.cluster_report"]),
    ("commands", ["crawler.commands", "crawler.batch_extract", "crawler.tools"]),
]
RANK = {name: i for i, (name, _) in enumerate(LAYERS)}
PREFIXES = sorted(((p, name) for name, prefixes in LAYERS for p in prefixes), key=lambda x: -len(x[0]))


def layer_of(module: str) -> str | None:
    for prefix, name in PREFIXES:
        if module == prefix or module.startswith(prefix + "."):
            return name
    return None


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PROJECT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported(path: Path, module: str) -> list[tuple[int, str]]:
    """(line, absolute module) of every import in the file, relative ones resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            # ``from pkg import mod`` imports pkg.mod when it is a module
            found += [(node.lineno, f"{target}.{alias.name}") for alias in node.names]
            found.append((node.lineno, target))
    return found


def project_modules() -> list[Path]:
    paths = sorted(p for root in ("crawler", "pipelines") for p in (PROJECT / root).rglob("*.py"))
    return [p for p in paths if module_name(p) != "crawler"]  # the bare package root imports nothing


def test_every_project_module_has_a_layer():
    unplaced = [module_name(p) for p in project_modules() if layer_of(module_name(p)) is None]
    assert unplaced == [], f"place these modules in a layer of LAYERS (and in README's drawing): {unplaced}"


@pytest.mark.parametrize("path", project_modules(), ids=lambda p: str(p.relative_to(PROJECT)))
def test_no_module_imports_a_layer_above_its_own(path):
    module = module_name(path)
    own = layer_of(module)
    upward = []
    for line, target in imported(path, module):
        layer = layer_of(target)
        if layer is not None and RANK[layer] > RANK[own]:
            upward.append(f"line {line}: {module} ({own}) imports {target} ({layer})")
    assert not upward, "\n".join(upward)


@pytest.mark.parametrize("path", project_modules(), ids=lambda p: str(p.relative_to(PROJECT)))
def test_only_pipelines_import_pipelines(path):
    """Pipelines sit beside the spiders and middlewares, not below them: no
    module outside pipelines/ imports it (ITEM_PIPELINES names them as strings),
    so crawler/ and pipelines/ never depend on each other both ways."""
    module = module_name(path)
    if module.startswith("pipelines"):
        return
    into = [f"line {line}: {target}" for line, target in imported(path, module) if target == "pipelines" or target.startswith("pipelines.")]
    assert not into, f"{module} imports pipelines: " + "; ".join(into)


def test_the_check_sees_an_upward_import(tmp_path):
    """The check itself can fail: a store module importing a spider or a pipeline is caught."""
    fake = tmp_path / "queries.py"
    fake.write_text("from pipelines.dedupe import classify\nfrom ..spiders import news\nimport crawler.commands.crawl\n", encoding="utf-8")
    targets = {t for _, t in imported(fake, "crawler.store.queries")}
    assert {"crawler.spiders.news", "pipelines.dedupe.classify", "crawler.commands.crawl"} <= targets
    assert [RANK[layer_of(t)] > RANK["store"] for t in ("crawler.spiders.news", "pipelines.dedupe", "crawler.commands.crawl")] == [True] * 3
