"""Each page's work done once (issue 12): linear block comparison, the second opinion only
when the first answer is doubtful, bounded scans, dates found before dateparser runs."""

from __future__ import annotations

import random

from crawler.extraction import generic
from crawler.extraction.body import Block


def _block(text: str) -> Block:
    return Block(element=None, text=text)  # type: ignore[arg-type]  # the comparison reads only .text


def _own_blocks_reference(blocks: list[Block], other: list[Block]) -> list[Block]:
    """The former quadratic definition: a block found verbatim in the other's text is not
    its own; else it is when more than half its 4-character shingles are missing there."""
    other_text = "\n".join(b.text.replace(" ", "") for b in other)
    theirs: set[str] = set()
    for line in other_text.split("\n"):
        theirs |= generic._shingles(line)
    own = []
    for block in blocks:
        text = block.text.replace(" ", "")
        if not text or text in other_text:
            continue
        mine = generic._shingles(text)
        if len(mine - theirs) > 0.5 * len(mine):
            own.append(block)
    return own


def test_own_blocks_agrees_with_the_quadratic_definition():
    rng = random.Random(12)
    alphabet = "新闻正文发布时间来源ab c"
    for _ in range(300):
        pool = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12))) for _ in range(8)]
        blocks = [_block(rng.choice(pool)[: rng.randint(0, 12)]) for _ in range(rng.randint(0, 6))]
        other = [_block(rng.choice(pool)) for _ in range(rng.randint(0, 6))]
        assert generic._own_blocks(blocks, other) == _own_blocks_reference(blocks, other)


def test_own_blocks_of_a_megabyte_body_keeps_what_only_one_side_has():
    # ~1.1 MB of UTF-8 on each side, as in the page that once took 6.4 s (no timing asserted here:
    # the figure is in the README; a quadratic comparison would take minutes on this input)
    shared = [_block(f"第{i}段，这是一段很长的新闻正文，用来测量在上限以内的页面需要多长时间。") for i in range(10_000)]
    mine = [_block("只有这一边才有的一段话，内容足够长。")]
    theirs = [_block("另一边独有的段落，同样足够长的文字。")]
    assert generic._own_blocks(shared + mine, shared + theirs) == mine
    assert generic._own_blocks(shared + theirs, shared + mine) == theirs
