"""The standard XSS payloads in a message body never run."""

from html.parser import HTMLParser

import pytest

from messaging.rendering import render_markdown

PAYLOADS = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    '<a href="javascript:alert(1)">x</a>',
    "<svg/onload=alert(1)>",
    '<iframe src="https://evil.example"></iframe>',
    "![x](javascript:alert(1))",
    '<div style="background:url(javascript:alert(1))">x</div>',
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
    "<body onload=alert(1)>",
]


class ActiveContent(HTMLParser):
    """Collects everything in rendered HTML that a browser would execute."""

    DANGEROUS_TAGS = {"script", "iframe", "object", "embed", "svg", "math", "style", "body"}

    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        if tag in self.DANGEROUS_TAGS:
            self.found.append(tag)
        for name, value in attrs:
            value = (value or "").strip().lower()
            if name.startswith("on") or name == "style":
                self.found.append(f"{tag}[{name}]")
            if name in {"href", "src", "xlink:href"} and value.startswith(
                ("javascript:", "data:", "vbscript:")
            ):
                self.found.append(f"{tag}[{name}={value}]")


@pytest.mark.parametrize("payload", PAYLOADS)
def test_xss_payloads_are_neutralised(payload):
    parser = ActiveContent()
    parser.feed(render_markdown(f"Intro\n\n{payload}\n"))
    assert parser.found == []


def test_markdown_renders_and_links_get_safe_rel():
    html = render_markdown("# Title\n\n**bold** and [site](https://example.com)\n\n- a\n- b")
    assert "<h1>Title</h1>" in html
    assert "<strong>bold</strong>" in html
    assert 'href="https://example.com"' in html
    assert "noopener" in html
    assert "<li>a</li>" in html


def test_raw_html_is_shown_as_text_not_markup():
    html = render_markdown("<b>hi</b>")
    assert "&lt;b&gt;hi&lt;/b&gt;" in html
