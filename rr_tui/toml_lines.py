"""Where each key of a TOML document is written, so an error can name its line.

`tomllib` parses but keeps no positions. This scanner reads a document that
`tomllib` has already accepted and records the line of every table header and
every `key = value`, as key paths: `[views.apac]` then `severities = [...]`
gives `("views", "apac", "severities")`. Values spanning lines (multi-line
arrays, inline tables and strings) are skipped over, not parsed.
"""

from __future__ import annotations

import re

KeyPath = tuple[str, ...]

_HEADER = re.compile(r"\[\[?(?P<key>[^\[\]]*)\]\]?")


def _split_key(text: str) -> KeyPath | None:
    """`a."b.c".d` as ("a", "b.c", "d"); None if it is not a key."""
    parts: list[str] = []
    current = ""
    quote = ""
    index = 0
    while index < len(text):
        char = text[index]
        if quote:
            if char == "\\" and quote == '"' and index + 1 < len(text):
                current += text[index + 1]
                index += 2
                continue
            if char == quote:
                quote = ""
            else:
                current += char
        elif char in "\"'":
            quote = char
        elif char == ".":
            parts.append(current.strip())
            current = ""
        else:
            current += char
        index += 1
    if quote:
        return None
    parts.append(current.strip())
    return tuple(parts) if all(parts) else None


def _key_and_rest(line: str) -> tuple[str, str] | None:
    """Split `key = value` at the first `=` outside quotes."""
    quote = ""
    for index, char in enumerate(line):
        if quote:
            if char == quote:
                quote = ""
        elif char in "\"'":
            quote = char
        elif char == "=":
            return line[:index], line[index + 1 :]
        elif char == "#":
            return None
    return None


def _scan_value(text: str, depth: int, string: str) -> tuple[int, str]:
    """Bracket depth and open multi-line string after reading `text` of a value."""
    index = 0
    while index < len(text):
        if string:
            end = text.find(string, index)
            if end < 0:
                return depth, string
            index = end + 3
            string = ""
            continue
        char = text[index]
        triple = text[index : index + 3]
        if triple in ('"""', "'''"):
            string = triple
            index += 3
            continue
        if char in "\"'":
            end = index + 1
            while end < len(text) and text[end] != char:
                end += 2 if char == '"' and text[end] == "\\" else 1
            index = end + 1
            continue
        if char == "#":
            break
        if char in "[{":
            depth += 1
        elif char in "]}":
            depth -= 1
        index += 1
    return depth, string


def key_lines(text: str) -> dict[KeyPath, int]:
    """The 1-based line of every table and key path in a valid TOML document."""
    lines: dict[KeyPath, int] = {}
    table: KeyPath = ()
    depth = 0
    string = ""
    for number, line in enumerate(text.splitlines(), 1):
        if string or depth > 0:
            depth, string = _scan_value(line, depth, string)
            continue
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.startswith("["):
            header = _HEADER.match(stripped)
            key = _split_key(header.group("key")) if header else None
            if key is not None:
                table = key
                for size in range(1, len(key) + 1):
                    lines.setdefault(key[:size], number)
            continue
        split = _key_and_rest(stripped)
        if split is None:
            continue
        key = _split_key(split[0])
        if key is None:
            continue
        path = table + key
        for size in range(len(table) + 1, len(path) + 1):
            lines.setdefault(path[:size], number)
        depth, string = _scan_value(split[1], 0, "")
    return lines


def line_of(lines: dict[KeyPath, int], path: KeyPath) -> int | None:
    """The line of the longest prefix of `path` that the document writes."""
    for size in range(len(path), 0, -1):
        found = lines.get(path[:size])
        if found is not None:
            return found
    return None
