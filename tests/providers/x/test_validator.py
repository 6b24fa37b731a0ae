from integrations.providers.base import Channel, Draft, DraftItem, MediaItem
from integrations.providers.x import XProvider


def media(mime="image/png", size=1000, name="f"):
    return MediaItem(mime_type=mime, size=size, read=lambda: b"", filename=name)


def codes(issues):
    return [i.code for i in issues]


def test_text_at_280_weighted_characters_passes():
    assert XProvider().validate(Draft([DraftItem("a" * 280)])) == []


def test_text_over_280_is_too_long_and_counts_urls_as_23():
    [issue] = XProvider().validate(
        Draft([DraftItem("a" * 260 + " https://example.com/" + "b" * 40)])
    )
    assert issue.code == "text_too_long"
    assert issue.actual == 260 + 1 + 23
    assert issue.limit == 280


def test_emoji_and_cjk_count_double():
    provider = XProvider()
    assert provider.count_text("日本") == 4
    assert provider.validate(Draft([DraftItem("😀" * 141)]))[0].actual == 282


def test_premium_channel_allows_25000():
    premium = Channel("1", {}, preferences={"premium": True})
    provider = XProvider()
    assert provider.validate(Draft([DraftItem("a" * 25_000)]), premium) == []
    assert codes(provider.validate(Draft([DraftItem("a" * 25_001)]), premium)) == ["text_too_long"]
    assert codes(provider.validate(Draft([DraftItem("a" * 281)]), Channel("1", {}))) == [
        "text_too_long"
    ]


def test_each_thread_item_is_checked():
    issues = XProvider().validate(Draft([DraftItem("ok"), DraftItem("a" * 300)]))
    assert [(i.code, i.item) for i in issues] == [("text_too_long", 1)]


def test_up_to_four_images():
    assert XProvider().validate(Draft([DraftItem("x", [media()] * 4)])) == []
    assert codes(XProvider().validate(Draft([DraftItem("x", [media()] * 5)]))) == ["media_count"]


def test_video_and_gif_stand_alone():
    video = media("video/mp4", 10_000)
    gif = media("image/gif", 10_000)
    assert codes(XProvider().validate(Draft([DraftItem("x", [video, media()])]))) == ["media_mix"]
    assert codes(XProvider().validate(Draft([DraftItem("x", [gif, media()])]))) == ["media_mix"]
    assert XProvider().validate(Draft([DraftItem("x", [gif])])) == []


def test_sizes_per_type():
    assert codes(XProvider().validate(Draft([DraftItem("x", [media(size=6 * 1024 * 1024)])]))) == [
        "media_size"
    ]
    assert (
        XProvider().validate(Draft([DraftItem("x", [media("image/gif", 14 * 1024 * 1024)])])) == []
    )
    assert codes(XProvider().validate(Draft([DraftItem("x", [media("application/pdf")])]))) == [
        "media_type"
    ]


def test_who_can_reply_must_be_a_known_choice_and_may_be_omitted():
    provider = XProvider()
    assert provider.validate(Draft([DraftItem("x")], {"__type": "x"})) == []
    assert provider.validate(Draft([DraftItem("x")], {"who_can_reply_post": "following"})) == []
    [issue] = provider.validate(Draft([DraftItem("x")], {"who_can_reply_post": "friends"}))
    assert (issue.code, issue.field) == ("setting_invalid", "who_can_reply_post")


def test_community_must_be_a_community_link():
    provider = XProvider()
    ok = {"community": "https://x.com/i/communities/1493446837214187523"}
    assert provider.validate(Draft([DraftItem("x")], ok)) == []
    [issue] = provider.validate(Draft([DraftItem("x")], {"community": "https://x.com/someone"}))
    assert (issue.code, issue.field) == ("setting_invalid", "community")


def test_articles_are_refused_until_x_offers_a_create_endpoint():
    [issue] = XProvider().validate(Draft([DraftItem("x")], {"post_type": "article"}))
    assert issue.field == "post_type"


def test_loading_every_network_leaves_the_x_counter_unloaded_until_a_post_for_x_is_counted():
    # twitter-text compiles its emoji tables when imported (about 0.7 s and 10 MB in each
    # process): the web, publisher and worker load it only once a post for X is counted.
    import subprocess
    import sys

    program = (
        "import sys, django; django.setup(); import integrations.providers as p; "
        "p.provider_classes(); print('twitter_text' in sys.modules); "
        "from integrations import text; text.x_weighted('a'); print('twitter_text' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == ["False", "True"]
