"""Sentences kept in records are said in each reader's language (organizations.texts)."""

import json

from django.utils import translation

from integrations.providers.base.errors import ErrorKind, ProviderError
from organizations.texts import Text, english, say, stored


def test_a_kept_sentence_is_said_in_the_language_of_whoever_reads_it():
    text = Text("Saved %(name)s.", name="Spring sale")
    data = json.loads(json.dumps(text.stored()))  # what a JSON column gives back

    with translation.override("fr"):
        assert say(data, "fallback") == "Spring sale a été enregistré."
    with translation.override("en"):
        assert say(data, "fallback") == "Saved Spring sale."
    with translation.override("fr"):
        assert text.english() == "Saved Spring sale."  # the text column stays English


def test_counted_and_nested_sentences_keep_their_form_and_language():
    inner = Text("Saved %(name)s.", name="Launch")
    counted = Text(
        "Deleted %(channel)s; %(count)s scheduled post cancelled.",
        plural="Deleted %(channel)s; %(count)s scheduled posts cancelled.",
        count=3,
        channel=inner,
    )
    data = json.loads(json.dumps(counted.stored()))

    with translation.override("fr"):
        assert say(data) == (
            "Launch a été enregistré. supprimé ; 3 publications programmées annulées."
        )
    assert Text.restore(data) == counted


def test_anything_not_kept_by_a_text_is_shown_as_written():
    assert say(None, "The network said: no.") == "The network said: no."
    assert say({"params": {}}, "old row") == "old row"
    assert say({"msgid": "Saved %(name)s.", "params": "broken"}, "old row") == "old row"
    assert stored("a person's words") is None
    assert english("a person's words") == "a person's words"


def test_a_catalog_whose_placeholders_drifted_still_says_the_message():
    text = Text("Saved %(name)s.")  # the value is missing
    assert str(text) == "Saved %(name)s."


def test_network_error_tables_keep_their_brace_templates_translatable():
    text = Text("{name} rejected the post{detail}", braces=True, name="Bluesky", detail=".")
    data = text.stored()

    assert text.english() == "Bluesky rejected the post."
    assert Text.restore(data).english() == "Bluesky rejected the post."
    empty = Text("{message|No reason given}", braces=True, message="")
    assert str(empty) == "No reason given"


def test_a_provider_error_keeps_its_text_for_later_readers():
    error = ProviderError(ErrorKind.CONTENT_REJECTED, Text("Saved %(name)s.", name="a"))

    assert error.user_message == "Saved a."
    assert str(error) == "Saved a."
    assert error.text.stored() == {"msgid": "Saved %(name)s.", "params": {"name": "a"}}
    assert ProviderError(ErrorKind.NOT_FOUND, "plain").text is None


def test_numbers_keep_their_numeric_placeholders():
    text = Text("%(channel)s: part %(part)d added", channel="Acme", part=2)
    assert Text.restore(text.stored()).english() == "Acme: part 2 added"


def test_a_counted_sentence_made_with_ngettext_keeps_both_forms():
    one = Text.ngettext("%(count)s post", "%(count)s posts", 1)
    many = Text.ngettext("%(count)s post", "%(count)s posts", 3)
    assert (one.english(), many.english()) == ("1 post", "3 posts")
