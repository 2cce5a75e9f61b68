"""The Jekyll post of a story, in the seed's format byte for byte (pure functions;
``pipelines.render`` applies them to items, ``crawler.export`` uses ``yaml_scalar``).

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
"""

from __future__ import annotations

import html
import re

import yaml

from crawler.extraction.dates import to_post_date

_MD_LABEL_SPECIAL = re.compile(r"([\\\[\]()*_`<>])")


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
    return _MD_LABEL_SPECIAL.sub(r"\\\1", text)


def autolink(url: str) -> str:
    return "<" + re.sub(r"[<>\s]", lambda m: "%{:02X}".format(ord(m.group(0))), url) + ">"


def attribution(outlet: str) -> str:
    return f'<p class="em_media">（文章来源：{html.escape(outlet, quote=False)}）</p>'


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
    body = body_html.strip()
    if 'class="em_media"' not in body:
        body += attribution(outlet)
    if digest:
        body = f"> {digest}\n\n{body}"
    front = "\n".join(
        [
            "---",
            "layout: post",
            f"title: {yaml_double_quoted(title)}",
            f"date: {to_post_date(published_at)}",
            f"categories: {yaml_scalar(slug)}",
            f"tags: {yaml_scalar(tag)}",
            "---",
        ]
    )
    nav = "[返回{label}]({cat})｜[返回首页]({home})".format(
        label=markdown_label(tag),
        cat=category_url.format(site=site_base, slug=slug),
        home=home_url.format(site=site_base),
    )
    return f"{front}\n{body}\n\n{autolink(link)}\n\n{nav}"
