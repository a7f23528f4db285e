"""Markdown to safe HTML: markdown-it-py parses, nh3 sanitises.

Raw HTML in a message body is never passed through (markdown-it's `html` option is off,
so it is shown as text), and nh3 strips whatever a parser bug might still let through:
script, event handlers, javascript: URLs.
"""

import nh3
from markdown_it import MarkdownIt

markdown = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
markdown.enable(["table", "strikethrough"])

ALLOWED_TAGS = {
    "a", "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "del", "s",
    "code", "pre", "blockquote", "ul", "ol", "li", "table", "thead", "tbody", "tr", "th", "td",
    "img",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "ol": {"start"}}


def render_markdown(text: str) -> str:
    """Render a message body (Markdown) to sanitised HTML."""
    return nh3.clean(
        markdown.render(text or ""),
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
