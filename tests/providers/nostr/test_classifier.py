"""OK-false prefixes (NIP-01) map to error kinds; silence maps to an unknown outcome."""

import pytest

from integrations.providers.base import ErrorKind
from integrations.providers.nostr import NostrProvider, RelayAnswer

from .conftest import load

MESSAGES = load("ok_messages")["body"]

TABLE = [
    ("invalid", ErrorKind.CONTENT_REJECTED),
    ("pow", ErrorKind.CONTENT_REJECTED),
    ("blocked", ErrorKind.PERMISSION_DENIED),
    ("restricted", ErrorKind.PERMISSION_DENIED),
    ("auth-required", ErrorKind.PERMISSION_DENIED),
    ("mute", ErrorKind.PERMISSION_DENIED),
    ("rate-limited", ErrorKind.RATE_LIMITED),
    ("error", ErrorKind.TRANSIENT_BEFORE_SEND),
]


def rejected(name, relay="wss://a"):
    return RelayAnswer(relay, "rejected", MESSAGES[name][3])


@pytest.mark.parametrize(("name", "kind"), TABLE)
def test_each_ok_false_prefix_maps_to_its_kind(name, kind):
    error = NostrProvider()._failure([rejected(name)], quorum=1, accepted=0)
    assert error.kind == kind
    assert error.network_code == name
    assert MESSAGES[name][3] in error.user_message


def test_rate_limited_has_a_retry_after():
    error = NostrProvider()._failure([rejected("rate-limited")], quorum=1, accepted=0)
    assert error.retry_after == 60


def test_a_relay_that_never_answers_makes_the_outcome_unknown():
    answers = [RelayAnswer("wss://a", "no_answer", "timeout"), rejected("blocked", "wss://b")]
    error = NostrProvider()._failure(answers, quorum=1, accepted=0)
    assert error.kind == ErrorKind.UNKNOWN_OUTCOME


def test_silence_that_could_not_reach_the_quorum_is_not_unknown():
    answers = [
        RelayAnswer("wss://a", "no_answer", "timeout"),
        rejected("invalid", "wss://b"),
        rejected("invalid", "wss://c"),
    ]
    error = NostrProvider()._failure(answers, quorum=2, accepted=0)
    assert error.kind == ErrorKind.CONTENT_REJECTED


def test_unreachable_relays_are_transient():
    answers = [RelayAnswer("wss://a", "unreachable", "ConnectionRefusedError")]
    error = NostrProvider()._failure(answers, quorum=1, accepted=0)
    assert error.kind == ErrorKind.TRANSIENT_BEFORE_SEND


def test_the_most_actionable_rejection_wins_when_relays_disagree():
    answers = [rejected("rate-limited", "wss://a"), rejected("invalid", "wss://b")]
    assert NostrProvider()._failure(answers, 1, 0).kind == ErrorKind.CONTENT_REJECTED


def test_duplicate_and_accepted_messages_are_success_shapes():
    assert MESSAGES["duplicate"][2] is True and MESSAGES["accepted"][2] is True
