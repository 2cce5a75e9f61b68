"""The Jekyll post of a story, in the seed's format byte for byte.

```
---
layout: post
title: "<title>"
date: YYYY-MM-DD HH:MM:SS +0800
categories: <slug>
tags: <outlet>新闻
---
<body html on one line>

<<link>>

[返回<outlet>新闻](//<site>/category/<slug>.html)｜[返回首页](//<site>/)
```
(no trailing newline). Scalars are written by a YAML emitter: the title is a
double-quoted scalar that parses back to exactly the original.
``pipelines.render`` applies these pure functions to items; ``crawler.export``
uses ``yaml_scalar``, ``inert_text`` and ``harden_post``.

Jekyll runs a post's content through Liquid and then kramdown, so text taken
from pages (title, tag, digest, body, attribution) is made inert first: a
``{`` that opens ``{{``/``{%`` (Liquid) or ``{:`` (kramdown attribute lists and
extensions) becomes ``&#123;``, square brackets become ``&#91;``/``&#93;`` when
the text holds link syntax (``](``, ``][``, ``]:``), and a raw ``<`` in plain
text is HTML-escaped. Entities look the same in the browser but are not
syntax to either. Text without such markers is written unchanged, so ordinary
posts keep the seed's bytes. ``harden_post`` applies the same to a post
rendered before this existed (export runs every stored post through it).
"""

from __future__ import annotations

import html
import re

import yaml

from crawler.extraction.dates import to_post_date

_MD_LABEL_SPECIAL = re.compile(r"([\\\[\]()*_`<>])")
# "{{" and "{%" open Liquid (Jekyll renders posts with Liquid before Markdown;
# Liquid 4/5 has no other opener), "{:" a kramdown attribute list (which can
# add onclick=) or extension ("{::nomarkdown}").
_OPEN_BRACE_RE = re.compile(r"\{(?=[{%:])")
# Markdown links, images, reference definitions and footnotes: "]" then "(", "[" or ":".
_MD_LINK_RE = re.compile(r"\]\s*[(\[:]")


def inert_html(fragment: str) -> str:
    """Sanitized HTML (tags kept) with its text and attribute values made inert
    for Liquid and kramdown; unchanged when it holds no marker."""
    if _MD_LINK_RE.search(fragment):
        fragment = fragment.replace("[", "&#91;").replace("]", "&#93;")
    return _OPEN_BRACE_RE.sub("&#123;", fragment)


def inert_text(text: str) -> str:
    """Plain text (a digest, a title) made inert: as ``inert_html``, and a raw
    ``<`` (an HTML tag or an autolink) is HTML-escaped."""
    if "<" in text:
        text = html.escape(text, quote=False)
    return inert_html(text)


def inert_url(url: str) -> str:
    return _OPEN_BRACE_RE.sub("%7B", url)


def yaml_double_quoted(value: str) -> str:
    out = yaml.dump(value, default_style='"', allow_unicode=True, width=float("inf"), explicit_end=False)
    out = out.rstrip("\n")
    if out.endswith("\n..."):
        out = out[:-4].rstrip("\n")
    if "\n" in out:  # never expected with an infinite width; refuse rather than break front matter
        raise ValueError(f"YAML emitter folded a scalar: {value!r}")
    return out


def yaml_scalar(value: str) -> str:
    """Plain when YAML reads it back as the same string, else double-quoted."""
    out = yaml.safe_dump(value, allow_unicode=True, width=float("inf"))
    out = out.rstrip("\n")
    if out.endswith("\n..."):
        out = out[:-4].rstrip("\n")
    if "\n" in out or out.startswith(("'", '"')):
        return yaml_double_quoted(value)
    return out


def markdown_label(text: str) -> str:
    return _OPEN_BRACE_RE.sub("&#123;", _MD_LABEL_SPECIAL.sub(r"\\\1", text))


def autolink(url: str) -> str:
    return "<" + inert_url(re.sub(r"[<>\s]", lambda m: f"%{ord(m.group(0)):02X}", url)) + ">"


def attribution(outlet: str) -> str:
    return f'<p class="em_media">（文章来源：{inert_html(html.escape(outlet, quote=False))}）</p>'


def render_post(
    *,
    title: str,
    published_at: str,
    slug: str,
    tag: str,
    outlet: str,
    body_html: str,
    link: str,
    site_base: str = "//finews.withounder.com",
    category_url: str = "{site}/category/{slug}.html",
    home_url: str = "{site}/",
    digest: str | None = None,
) -> str:
    body = inert_html(body_html.strip())
    if 'class="em_media"' not in body:
        body += attribution(outlet)
    if digest:
        body = f"> {inert_text(digest)}\n\n{body}"
    front = "\n".join(
        [
            "---",
            "layout: post",
            f"title: {yaml_double_quoted(inert_text(title))}",
            f"date: {to_post_date(published_at)}",
            f"categories: {yaml_scalar(slug)}",
            f"tags: {yaml_scalar(inert_text(tag))}",
            "---",
        ]
    )
    nav = f"[返回{markdown_label(tag)}]({category_url.format(site=site_base, slug=slug)})｜[返回首页]({home_url.format(site=site_base)})"
    return f"{front}\n{body}\n\n{autolink(link)}\n\n{nav}"


_FRONT_VALUE_RE = re.compile(r"^(title|tags): (.*)$")


def _harden_front(front: str) -> str:
    lines = []
    for line in front.split("\n"):
        m = _FRONT_VALUE_RE.match(line)
        if m and ("<" in m.group(2) or _OPEN_BRACE_RE.search(m.group(2)) or _MD_LINK_RE.search(m.group(2))):
            try:
                value = yaml.safe_load(m.group(2))
            except yaml.YAMLError:
                value = None
            if isinstance(value, str) and inert_text(value) != value:
                emit = yaml_double_quoted if m.group(1) == "title" else yaml_scalar
                line = f"{m.group(1)}: {emit(inert_text(value))}"
        lines.append(line)
    return "\n".join(lines)


def harden_post(post: str) -> str:
    """A stored post (possibly rendered before page text was made inert) with
    the same treatment ``render_post`` gives: idempotent, and the identity on
    a post ``render_post`` wrote today."""
    if not post.startswith("---\n") or "\n---\n" not in post[3:]:
        return _OPEN_BRACE_RE.sub("&#123;", post)
    front, content = post[4:].split("\n---\n", 1)
    front = _harden_front(front)
    parts = content.rsplit("\n\n", 2)
    if len(parts) == 3 and parts[1].startswith("<") and parts[1].endswith(">") and "\n" not in parts[2]:
        main, link, nav = parts
        digest = None
        if main.startswith("> ") and "\n\n" in main:
            digest, main = main.split("\n\n", 1)
        main = inert_html(main)
        if digest is not None:
            main = f"> {inert_text(digest[2:])}\n\n{main}"
        content = f"{main}\n\n{inert_url(link)}\n\n{_OPEN_BRACE_RE.sub('&#123;', nav)}"
    else:  # not our layout: at least keep Liquid and kramdown extensions out
        content = _OPEN_BRACE_RE.sub("&#123;", content)
    return f"---\n{front}\n---\n{content}"
