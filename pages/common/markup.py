"""Safe Markdown for Streamlit messages: user text is shown literally unless a literal template says otherwise.

The rule the helpers enforce (`run_action(success=...)`, `show_flash`, `widgets.empty_state`,
`widgets.say`): a plain `str` is text, escaped so that a name like `[click](http://evil.example)`
or `![x](http://evil.example/a.png)` shows as those characters and never as a link, an image, maths,
colour or HTML. To show Markdown, build a `Markdown` with `md("Approved **{name}**", name=user_name)`:
the template is written by us (a test checks that every `md(...)` in pages/ has a string literal as
its template, so no f-string can smuggle user data in), and every value is escaped. Callers cannot
forget: forgetting gives plain text, never live Markdown.
"""

from __future__ import annotations

import re

# Characters that start Markdown anywhere in a line: emphasis, code, links/images, HTML and autolinks,
# maths ($…$), strikethrough, table cells, and the escape character itself.
_ANYWHERE = re.compile(r"([\\`*_\[\]<>$~|])")
# Streamlit's directives (:red[…], :material/icon:, :smile:) and HTML entities.
_DIRECTIVE = re.compile(r"([:&])(?=[A-Za-z#\[])")
# Headings, quotes, list items, setext underlines and ordered lists start a line.
_LINE_START = re.compile(r"^([ \t]*)([#>+=-]|[0-9]+(?=[.)]))", re.MULTILINE)
# GFM turns bare URLs into links after escapes are resolved, so escaping cannot stop it: an invisible
# WORD JOINER inside "http://" and "www." does. E-mail addresses are left alone: a mailto link shows
# its own address, and a joiner would break an address an admin copies from the page.
_AUTOLINK = re.compile(r"(?i)((?:https?|ftp)(?=://[a-z0-9])|www(?=\.[a-z0-9]))")
WORD_JOINER = "\u2060"


class Markdown(str):
    """Markdown we wrote, with every user value already escaped; build it with md()."""

    __slots__ = ()


def literal(text) -> str:
    """Escape text for any Streamlit Markdown surface so it shows as typed (plain sentences stay unchanged)."""
    value = _ANYWHERE.sub(r"\\\1", "" if text is None else str(text))
    value = _DIRECTIVE.sub(r"\\\1", value)
    value = _LINE_START.sub(_escape_line_start, value)
    return _AUTOLINK.sub(lambda match: match.group() + WORD_JOINER, value)


def _escape_line_start(match: re.Match) -> str:
    indent, start = match.groups()
    return f"{indent}{start}\\" if start[0].isdigit() else f"{indent}\\{start}"


def md(template: str, /, **values) -> Markdown:
    """Markdown from a template we wrote ("Approved **{name}**"), with each value escaped as literal text."""
    return Markdown(template.format(**{key: literal(value) for key, value in values.items()}))


def render(message) -> str:
    """What a message helper hands to Streamlit: Markdown as built, anything else escaped as literal text."""
    return message if isinstance(message, Markdown) else literal(message)
