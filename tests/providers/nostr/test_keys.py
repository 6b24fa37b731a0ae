"""NIP-19 keys and NIP-01 events, checked against the NIPs' own examples."""

import json

import pytest
from coincurve import PrivateKey

from integrations.providers.nostr import (
    bech32_decode,
    bech32_encode,
    event_id,
    npub,
    parse_private_key,
    parse_relays,
    sign_event,
    verify_event,
)

from .relay import valid

# NIP-19's examples.
NSEC = "nsec1vl029mgpspedva04g90vltkh6fvh240zqtv9k0t9af8935ke9laqsnlfe5"
NSEC_HEX = "67dea2ed018072d675f5415ecfaed7d2597555e202d85b3d65ea4e58d2d92ffa"
NPUB = "npub10elfcs4fr0l0r8af98jlmgdh9c8tcxjvz9qkw038js35mp4dma8qzvjptg"
NPUB_HEX = "7e7e9c42a91bfef19fa929e5fda1b72e0ebc1a4c1141673e2794234d86addf4e"


def test_nsec_decodes_to_the_nip19_hex_key():
    assert parse_private_key(NSEC).hex() == NSEC_HEX
    assert parse_private_key(NSEC.upper()).hex() == NSEC_HEX
    assert parse_private_key(f"  {NSEC_HEX}\n").hex() == NSEC_HEX


def test_npub_round_trips_the_nip19_example():
    assert npub(NPUB_HEX) == NPUB
    assert bech32_decode(NPUB) == ("npub", bytes.fromhex(NPUB_HEX))
    assert bech32_encode("nsec", bytes.fromhex(NSEC_HEX)) == NSEC


@pytest.mark.parametrize(
    "bad",
    [
        "",
        NSEC[:-1] + ("q" if NSEC[-1] != "q" else "p"),  # checksum broken
        NPUB,  # a public key is not a private key
        "zz" * 32,
        "00" * 32,  # zero is not a valid secret
        NSEC_HEX[:-2],
    ],
)
def test_anything_else_is_not_a_private_key(bad):
    with pytest.raises(ValueError):
        parse_private_key(bad)


def test_event_id_is_the_hash_of_the_compact_serialisation_with_raw_unicode():
    event = {
        "pubkey": NPUB_HEX,
        "created_at": 1893488400,
        "kind": 1,
        "tags": [["p", NPUB_HEX]],
        "content": 'héllo 🌍\n"quoted"',
    }
    import hashlib

    serial = (
        '[0,"' + NPUB_HEX + '",1893488400,1,[["p","' + NPUB_HEX + '"]],"héllo 🌍\\n\\"quoted\\""]'
    )
    assert event_id(event) == hashlib.sha256(serial.encode()).hexdigest()


def test_signed_events_verify_and_tampering_is_detected():
    secret = bytes.fromhex(NSEC_HEX)
    event = sign_event(secret, kind=1, content="gm", tags=[], created_at=1893488400)
    assert event["pubkey"] == PrivateKey(secret).public_key_xonly.format().hex()
    assert len(event["sig"]) == 128
    assert verify_event(event) and valid(event)
    tampered = json.loads(json.dumps(event))
    tampered["content"] = "gn"
    assert not verify_event(tampered) and not valid(tampered)


def test_relays_are_wss_one_per_line_deduplicated():
    text = "wss://relay.damus.io/\n\n  wss://nos.lol \nwss://relay.damus.io\nws://127.0.0.1:7447"
    assert parse_relays(text) == ["wss://relay.damus.io", "wss://nos.lol", "ws://127.0.0.1:7447"]
    for bad in ("https://relay.example", "ws://relay.example", "relay.example"):
        with pytest.raises(ValueError):
            parse_relays(bad)
