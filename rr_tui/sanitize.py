"""Make untrusted text (titles, notes, names from a backend) safe to put on a terminal.

The widgets render text as `rich.text.Text` or segments, never through markup,
so `[@click=app.quit]` stays text. What is left to remove is what a terminal
would act on or what breaks the layout of other rows: C0/C1 control characters
(ESC starts every escape sequence, OSC 52 clipboard writes included), bidi
overrides and isolates, zero-width and other invisible format characters, and
lone surrogates (which cannot be encoded for the terminal at all).
"""

from __future__ import annotations

import re

_INVISIBLE = re.compile(
    "["
    "\x00-\x08\x0b-\x1f\x7f-\x9f"  # C0 and C1 controls but \t and \n
    "\u00ad"  # soft hyphen
    "\u061c"  # Arabic letter mark
    "\u180e"  # Mongolian vowel separator
    "\u200b-\u200f"  # zero-width space/joiners, LRM, RLM
    "\u2028\u2029"  # line and paragraph separators
    "\u202a-\u202e"  # bidi embeddings and overrides
    "\u2060-\u2064\u2066-\u206f"  # word joiner, invisible operators, bidi isolates
    "\ufeff"  # byte order mark
    "\ufff9-\ufffb"  # interlinear annotations
    "]"
)
_SURROGATE = re.compile("[\ud800-\udfff]")
_SPACES = re.compile(r"[\t\n]+")


def clean(text: str, limit: int = 400) -> str:
    """One line of plain text: invisible and control characters gone, newlines as spaces.

    `limit` caps the length (a 1 MB title helps nobody and slows every repaint).
    """
    if len(text) > limit * 4:
        text = text[: limit * 4]
    text = _SURROGATE.sub("\ufffd", text)
    text = _INVISIBLE.sub("", text)
    text = _SPACES.sub(" ", text)
    return text[:limit] + "…" if len(text) > limit else text


def clean_block(text: str, limit: int = 10_000) -> str:
    """Several lines of plain text: like `clean`, but newlines are kept."""
    if len(text) > limit * 4:
        text = text[: limit * 4]
    text = _SURROGATE.sub("\ufffd", text)
    text = _INVISIBLE.sub("", text).replace("\t", "    ")
    return text[:limit] + "…" if len(text) > limit else text
