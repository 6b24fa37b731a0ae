"""The post text: the four placeholders, refused unknown ones, plain text from HTML."""

import pytest

from posts.feeds.text import TemplateError, plain_text, render, shorten, template_check

VALUES = {"title": "Winter blend", "link": "https://n.example/w", "summary": "", "author": ""}


def test_every_placeholder_is_filled_and_empty_ones_leave_no_gap():
    text = render("{title}\n\n{summary}\n\n{author}\n\n{link}", VALUES)

    assert text == "Winter blend\n\nhttps://n.example/w"


def test_double_braces_write_a_brace():
    assert render("{{{title}}}", VALUES) == "{Winter blend}"


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("{url}", "{url} is not a placeholder we know. Use {title}, {link}, {summary}, {author}"),
        ("{title", "A brace is not closed."),
        ("   ", "Write the post's text"),
    ],
)
def test_templates_that_cannot_work_are_refused_with_a_reason(template, message):
    with pytest.raises(TemplateError) as refused:
        template_check(template)

    assert message in str(refused.value)


def test_html_becomes_readable_plain_text():
    html = (
        "<p>First&nbsp;paragraph with <a href='x'>a link</a>.</p><script>x()</script>"
        "<ul><li>one</li><li>two</li></ul>line<br>break &amp; more"
    )

    assert plain_text(html) == "First paragraph with a link.\n• one\n• two\n\nline\nbreak & more"


def test_long_summaries_are_cut_at_a_word():
    assert shorten("word " * 200, 30) == "word word word word word word…"
