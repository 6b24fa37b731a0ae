"""Finding a post's links and putting short ones in their place: the same links both
times, punctuation left outside, links in HTML replaced where they stand."""

import pytest

from posts.links.text import has_links, links_in, shorten_text


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Read https://example.com/a.", ["https://example.com/a"]),
        ("(see https://example.com/a)", ["https://example.com/a"]),
        (
            "https://en.wikipedia.org/wiki/Python_(language)",
            ["https://en.wikipedia.org/wiki/Python_(language)"],
        ),
        (
            "Two: http://a.example/x?y=1&z=2, https://b.example/",
            ["http://a.example/x?y=1&z=2", "https://b.example/"],
        ),
        ("Twice https://a.example/ and https://a.example/", ["https://a.example/"]),
        ('<a href="https://a.example/p">https://a.example/p</a>', ["https://a.example/p"]),
        ("“https://a.example/q” — quoted", ["https://a.example/q"]),
        ("no scheme example.com, nor http://localhost", []),
    ],
)
def test_links_are_found_without_the_punctuation_around_them(text, found):
    assert links_in(text) == found


def test_short_links_take_the_place_of_each_occurrence_and_nothing_else():
    text = 'Go https://a.example/p. <a href="https://a.example/p">here</a> or https://b.example/'
    short = {"https://a.example/p": "https://s.example/l/X"}
    assert shorten_text(text, short) == (
        'Go https://s.example/l/X. <a href="https://s.example/l/X">here</a> or https://b.example/'
    )


def test_a_link_that_starts_like_another_is_replaced_only_by_its_own():
    text = "https://a.example/p https://a.example/page"
    short = {"https://a.example/p": "S1", "https://a.example/page": "S2"}
    assert shorten_text(text, short) == "S1 S2"


def test_hosts_already_short_are_skipped():
    found = links_in("https://acme.link/l/abc https://x.example/", skip_hosts={"acme.link"})
    assert found == ["https://x.example/"]


def test_has_links_is_a_cheap_yes_or_no():
    assert has_links("see https://x.example/") and not has_links("no links") and not has_links("")
