"""Markdown from the club manager is rendered, and anything dangerous is removed."""

from club.core.text import render_markdown


def test_markdown_is_rendered():
    html = render_markdown("**Bold** and a [link](https://example.com)\n\n- one\n- two")
    assert "<strong>Bold</strong>" in html and "<li>one</li>" in html
    assert 'href="https://example.com"' in html and "noopener" in html


def test_scripts_handlers_and_javascript_links_are_removed():
    html = render_markdown(
        "<script>alert(1)</script><img src=x onerror=alert(1)>[x](javascript:alert(1))"
    )
    assert "<script" not in html and "onerror" not in html and "javascript:" not in html


def test_headings_follow_the_page_title_without_gaps():
    html = render_markdown("### Points\n\ntext\n\n#### Expiry\n\n### Privileges")
    assert html == "<h2>Points</h2>\n<p>text</p>\n<h3>Expiry</h3>\n<h2>Privileges</h2>"
