"""trafilatura's costliest XPath expressions, evaluated in Python with the same results.

Why (issue 12): in a worker's page job, libxml2 evaluating trafilatura's XPath expressions
took 34 % of the time (2.8 of 8.2 s for the 228 corpus pages). Most of it goes to
``re:test`` (EXSLT regular expressions), which libxml2 hands back to Python's ``re`` once per
element and attribute, and to unions of several ``.//name`` scans. The same predicates
written as one pass over the elements, with each regular expression's answer remembered by
attribute value (a page repeats its class names, and a site's pages share them), take
2–4 × less time; ``bench/stages.py`` shows the effect per stage.

Each ``Matcher`` stands for one expression, named by where trafilatura keeps it (a list in
``trafilatura.xpaths`` and its index, or a module attribute), and answers what the XPath
object answers: the same elements in the same (document) order. ``install()`` puts a matcher
in place only when the installed expression's text has the SHA-256 it was written for, so
another trafilatura version keeps its own expressions; the regular expressions themselves
are read from the installed text. tests/test_trafilatura_paths.py runs every matcher beside
its XPath on generated pages and on the corpora's pages as trafilatura works through them.

XPath semantics kept (checked against lxml in the tests):
- a string of ``@a|@b`` is the first of the two in document order: the element's attribute
  order; an absent attribute is the empty string;
- ``re:test(s, p[, 'i'])`` is ``re.search(p, s)`` (lxml's EXSLT implementation), with
  ``re.IGNORECASE`` for ``'i'``;
- ``.//*`` is the context element's descendant elements (not itself, no comments);
- ``.//*[p][1]`` is, per parent, the first child matching ``p``; ``(.//*[p])[1]`` the first
  match in the whole subtree.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from typing import Any

from lxml import etree

# The regular expressions' answers are remembered per attribute value, in one table for all of
# them (a value's answers side by side, so a class name is held once, not once per expression),
# emptied past MEMO_LIMIT values. The repeats within a page and across a site's pages are the
# gain: separate memos of 50,000 values each held 11 MB per worker after the 228 corpus pages.
MEMO_LIMIT = 8192
# longer values are searched each time, not remembered: the table stays small whatever a page holds
MEMO_MAX_CHARS = 200
_SLOTS = 64                 # regular expressions a table row has room for
_UNKNOWN, _NO, _YES = 0, 1, 2
_ANSWERS: dict[str, bytearray] = {}
_SLOT_OF: dict[tuple[str, str], int] = {}   # (pattern, flags) → its place in a row

_RE_TEST = re.compile(r"re:test\((@[\w|@-]+), '([^']*)'(?:, '(\w*)')?\)")


class _Search:
    """``re:test(value, pattern[, 'i'])``, its answers remembered in the shared table."""

    __slots__ = ("_search", "_slot")

    def __init__(self, pattern: str, flags: str = "") -> None:
        key = (pattern, "i" if "i" in flags else "")
        if key not in _SLOT_OF:
            if len(_SLOT_OF) >= _SLOTS:
                raise RuntimeError("more regular expressions than the answer table has room for")
            _SLOT_OF[key] = len(_SLOT_OF)
        self._search = re.compile(pattern, re.IGNORECASE if key[1] else 0).search
        self._slot = _SLOT_OF[key]

    def __call__(self, value: str | None) -> bool:
        if value is None:
            value = ""
        elif len(value) > MEMO_MAX_CHARS:
            return self._search(value) is not None
        row = _ANSWERS.get(value)
        if row is None:
            if len(_ANSWERS) >= MEMO_LIMIT:
                _ANSWERS.clear()
            row = _ANSWERS[value] = bytearray(_SLOTS)
        known = row[self._slot]
        if known:
            return known == _YES
        found = self._search(value) is not None
        row[self._slot] = _YES if found else _NO
        return found


def _first(el: etree._Element, a: str, b: str) -> str:
    """XPath's string of ``@a|@b``: the value of whichever comes first on the element."""
    va, vb = el.get(a), el.get(b)
    if va is None:
        return vb or ""
    if vb is None:
        return va
    for name in el.keys():
        if name == a:
            return va
        if name == b:
            return vb
    return va  # not reached: both are attributes of the element


_Predicate = Callable[[etree._Element], Any]


# lxml's iteration with tag names (``iterdescendants(*tags)``, document order) makes no
# Python object for the other elements: 3.4 × faster than filtering every element here

def _all(tree: etree._Element, tags: tuple[str, ...] | None, pred: _Predicate) -> list[etree._Element]:
    """``.//*[self::t1 or …][pred]``: every matching descendant, in document order."""
    return [el for el in tree.iterdescendants(*(tags or (etree.Element,))) if pred(el)]


def _first_per_parent(tree: etree._Element, tags: tuple[str, ...], pred: _Predicate) -> list[etree._Element]:
    """``.//*[self::t1 or …][pred][1]``: each parent's first matching child."""
    out = []
    parents: set[etree._Element] = set()
    for el in tree.iterdescendants(*tags):
        if pred(el):
            parent = el.getparent()
            if parent not in parents:
                parents.add(parent)
                out.append(el)
    return out


def _first_match(tree: etree._Element, tags: tuple[str, ...], pred: _Predicate) -> list[etree._Element]:
    """``(.//*[self::t1 or …][pred])[1]``: the first match of the subtree."""
    for el in tree.iterdescendants(*tags):
        if pred(el):
            return [el]
    return []


# --- the expressions: each builder gets the installed expression's re:test calls in order --

def _basic_clean(t: list[_Search]) -> Callable[[etree._Element], list]:
    # .//aside|.//div[contains(@class|@id, 'footer')]|.//fencedframe|.//footer|.//script|
    # .//style|.//svg|.//template|.//*[re:test(@class, …, 'i') or re:test(@id, …, 'i')]
    tags = frozenset(("aside", "fencedframe", "footer", "script", "style", "svg", "template"))
    by_class, by_id = t

    def pred(el: etree._Element) -> bool:
        return (el.tag in tags
                or (el.tag == "div" and "footer" in _first(el, "class", "id"))
                or by_class(el.get("class")) or by_id(el.get("id")))
    return lambda tree: _all(tree, None, pred)


def _overall_discard_0(t: list[_Search]) -> Callable[[etree._Element], list]:
    tags = ("div", "item", "list", "p", "section", "span")
    id_or_class, by_id, by_class = t

    def pred(el: etree._Element) -> bool:
        return (el.get("data-lp-replacement-content") is not None
                or "nav" in (el.get("role") or "").replace("N", "n")
                or "MostPopularStories" in (el.get("data-component") or "")
                or id_or_class(_first(el, "id", "class"))
                or by_id(el.get("id")) or by_class(el.get("class")))
    return lambda tree: _all(tree, tags, pred)


def _overall_discard_1(t: list[_Search]) -> Callable[[etree._Element], list]:
    id_or_style, by_id, by_class = t

    def pred(el: etree._Element) -> bool:
        style = el.get("style") or ""
        return (el.get("class") == "comments-title"
                or _first(el, "id", "class").startswith("reply-")
                or id_or_style(_first(el, "id", "style"))
                or "display:none" in style or "display: none" in style
                or by_id(el.get("id")) or by_class(el.get("class"))
                or el.get("aria-hidden") == "true")
    return lambda tree: _all(tree, None, pred)


def _comments_two_tests(*tag_names: str) -> Callable[[list[_Search]], Callable[[etree._Element], list]]:
    # [re:test(@id|@class, …) or re:test(@class, …)]
    def build(t: list[_Search]) -> Callable[[etree._Element], list]:
        tags = tag_names
        id_or_class, by_class = t
        return lambda tree: _all(tree, tags, lambda el: id_or_class(_first(el, "id", "class")) or by_class(el.get("class")))
    return build


def _comments_2(t: list[_Search]) -> Callable[[etree._Element], list]:
    tags = ("div", "section", "list")
    (by_id,) = t
    return lambda tree: _all(tree, tags, lambda el: by_id(el.get("id")))


def _comments_3(t: list[_Search]) -> Callable[[etree._Element], list]:
    tags = ("div", "section")
    return lambda tree: _all(tree, tags, lambda el: (el.get("id") or "").startswith("social")
                             or "comment" in (el.get("class") or ""))


def _raw_tree_prune_0(t: list[_Search]) -> Callable[[etree._Element], list]:
    tags = ("div", "section", "aside")
    by_id, by_class, ad_id, ad_class = t

    def pred(el: etree._Element) -> bool:
        cls, eid = el.get("class"), el.get("id")
        return ((by_id(eid) or by_class(cls))
                and (next(el.iterdescendants("h1"), None) is None or ad_id(eid) or ad_class(cls)))
    return lambda tree: _all(tree, tags, pred)


def _raw_tree_prune_1(t: list[_Search]) -> Callable[[etree._Element], list]:
    tags = ("div", "section", "aside")
    return lambda tree: _all(tree, tags, lambda el: "elementor-share-buttons" in (el.get("class") or ""))


def _body_0(t: list[_Search]) -> Callable[[etree._Element], list]:
    tags = ("article", "div", "main", "section")
    by_id, by_class = t

    def pred(el: etree._Element) -> bool:
        cls, eid = el.get("class"), el.get("id")
        return (cls in ("post", "entry") or el.get("itemprop") == "articleBody" or eid == "articleContent"
                or by_id(eid) or by_class(cls))
    return lambda tree: _first_per_parent(tree, tags, pred)


def _body_2(t: list[_Search]) -> Callable[[etree._Element], list]:
    tags = ("article", "div", "main", "section")
    by_id, by_class_i, by_class = t
    classes = ("postarea", "art-postcontent", "text", "cell", "story")

    def pred(el: etree._Element) -> bool:
        cls, eid = el.get("class"), el.get("id")
        return (el.get("role") == "article" or eid in ("article", "story") or cls in classes
                or by_id(eid) or by_class_i(cls) or by_class(cls))
    return lambda tree: _first_match(tree, tags, pred)


_LOWER_CM = str.maketrans("CM", "cm")
_LOWER_CP = str.maketrans("CP", "cp")


def _body_3(t: list[_Search]) -> Callable[[etree._Element], list]:
    tags = ("article", "div", "main", "section")
    by_id, by_class = t

    def pred(el: etree._Element) -> bool:
        cls, eid = el.get("class"), el.get("id")
        return (eid == "content" or cls == "content" or by_id(eid) or by_class(cls)
                or "main-content" in (eid or "").translate(_LOWER_CM)
                or "main-content" in (cls or "").translate(_LOWER_CM)
                or "page-content" in (cls or "").translate(_LOWER_CP))
    return lambda tree: _first_match(tree, tags, pred)


def _teaser_0(t: list[_Search]) -> Callable[[etree._Element], list]:
    tags = ("div", "item", "list", "p", "section", "span")
    return lambda tree: _all(tree, tags, lambda el: "teaser" in (el.get("id") or "").replace("T", "t")
                             or "teaser" in (el.get("class") or "").replace("T", "t"))


# where the expression lives, the SHA-256 of its text (which fixes its re:test calls, handed
# to the builder in order), builder
_EXPRESSIONS: tuple[tuple[str, str, Callable[[list[_Search]], Callable[[etree._Element], list]]], ...] = (
    ("settings.BASIC_CLEAN_XPATH",
     "db6c25acd08aef99afbf1be38c751d8c7cf7132256d1a013d1d2e4e4fe86651f", _basic_clean),
    ("xpaths.OVERALL_DISCARD_XPATH[0]",
     "a837e58a1b1ea116ce1dada53d856dec093fe9f64b37dc503698e30f96a87dd3", _overall_discard_0),
    ("xpaths.OVERALL_DISCARD_XPATH[1]",
     "c1d5b70b8cd03783545d6b715c69062ae6967c222b2d8f4e2399762362d426c0", _overall_discard_1),
    ("xpaths.COMMENTS_XPATH[0]",
     "c9bc44e8eabc181867e0e4bd3adc813c75470b9cb9e7cba280e278a38ff5427f", _comments_two_tests("div", "list", "section")),
    ("xpaths.COMMENTS_XPATH[1]",
     "777ad139e734aa16cd44f0ccbd8aa9fb9a85f34cc4fc7f50fd7932a527ef356c", _comments_two_tests("div", "section", "list")),
    ("xpaths.COMMENTS_XPATH[2]",
     "315ca4d6f2f992c4b84e864308bd2b399758a5fe24a95b1792cf89d700dfa2d1", _comments_2),
    ("xpaths.COMMENTS_XPATH[3]",
     "7d5d82f02ac6954461176a5dfeb7760ee6cf6ea6e0cf862efaa57300ed6d6218", _comments_3),
    ("xpaths.RAW_TREE_PRUNE_XPATH[0]",
     "01e7c660fd6406f29932819d2dbd7530e2f3bdac11dde83565e977e391303444", _raw_tree_prune_0),
    ("xpaths.RAW_TREE_PRUNE_XPATH[1]",
     "3c7afe92279543d5530365aa7b921c6e5b51243033e5622cae1dc85e08976f87", _raw_tree_prune_1),
    ("xpaths.BODY_XPATH[0]",
     "caaa561ceca17064773e97bf7c610f55e6c6a64a2477328c060642912d489b3b", _body_0),
    ("xpaths.BODY_XPATH[2]",
     "6c9b5e1fdc092943ebdd87206a2e8a8b4c4666497fb00e6661d2a519d00f37f9", _body_2),
    ("xpaths.BODY_XPATH[3]",
     "10a7ceacc0ff8cdfd8c58a575b5197b5d07ba24000f072101735478c2c585978", _body_3),
    ("xpaths.TEASER_DISCARD_XPATH[0]",
     "ebb02f066626551dbb0222a6cb631691f6ccacf0477c1381263f112b0bc9cdfa", _teaser_0),
)


# other modules' names for an expression (imported by name, so replaced there too)
_ALSO_AT = {"settings.BASIC_CLEAN_XPATH": ("baseline.BASIC_CLEAN_XPATH",)}


class Matcher:
    """Called like the XPath object it replaces (``path`` is its text); a context other than
    an element (a whole document) is left to the XPath itself."""

    def __init__(self, where: str, xpath: etree.XPath, match: Callable[[etree._Element], list]) -> None:
        self.where, self.xpath, self.path, self._match = where, xpath, xpath.path, match

    def __call__(self, tree: Any, **variables: Any) -> Any:
        if variables or not isinstance(tree, etree._Element):
            return self.xpath(tree, **variables)
        return self._match(tree)

    def __repr__(self) -> str:
        return f"Matcher({self.where})"


def path_digest(path: str) -> str:
    return hashlib.sha256(path.encode("utf-8")).hexdigest()


def _locate(where: str) -> tuple[Any, str | int]:
    """(container, key) of a ``module.NAME`` or ``module.LIST[i]`` location in trafilatura
    (the module itself: ``trafilatura.baseline`` the attribute is a function)."""
    import importlib

    module_name, _, attr = where.partition(".")
    module = importlib.import_module(f"trafilatura.{module_name}")
    if attr.endswith("]"):
        name, _, index = attr[:-1].partition("[")
        return getattr(module, name), int(index)
    return module, attr


def _get(where: str) -> Any:
    container, key = _locate(where)
    return container[key] if isinstance(key, int) else getattr(container, key)


def _put(where: str, value: Any) -> None:
    """``value`` at ``where`` and at the other names trafilatura's modules hold it by."""
    for place in (where, *_ALSO_AT.get(where, ())):
        container, key = _locate(place)
        if isinstance(key, int):
            container[key] = value
        else:
            setattr(container, key, value)


def install() -> list[Matcher]:
    """Put each matcher in place of its expression when the installed text is the one it
    was written for; returns those installed (already installed ones included)."""
    installed = []
    for where, digest, builder in _EXPRESSIONS:
        current = _get(where)
        if isinstance(current, Matcher):
            installed.append(current)
            continue
        if not isinstance(current, etree.XPath) or path_digest(current.path) != digest:
            continue
        tests = [_Search(pattern, flags) for _, pattern, flags in _RE_TEST.findall(current.path)]
        matcher = Matcher(where, current, builder(tests))
        _put(where, matcher)
        installed.append(matcher)
    return installed


def uninstall() -> None:
    """Back to trafilatura's own expressions (tests)."""
    for where, _, _ in _EXPRESSIONS:
        current = _get(where)
        if isinstance(current, Matcher):
            _put(where, current.xpath)
