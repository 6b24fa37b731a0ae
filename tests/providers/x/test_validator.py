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


def video(**facts):
    defaults = {
        "width": 1280,
        "height": 720,
        "duration": 30.0,
        "frame_rate": 30.0,
        "codec": "h264",
    }
    return MediaItem(
        "video/mp4", 5_000_000, lambda: b"", filename="launch.mp4", **{**defaults, **facts}
    )


def test_a_video_x_takes_passes():
    assert XProvider().validate(Draft([DraftItem("clip", [video()])])) == []


def test_a_video_longer_than_2_20_is_refused_with_both_lengths():
    [issue] = XProvider().validate(Draft([DraftItem("clip", [video(duration=151.4)])]))
    assert issue.code == "media_duration" and issue.field == "media"
    assert issue.message == "launch.mp4 lasts 2:31; X takes videos up to 2:20. Trim it."
    assert (issue.limit, issue.actual) == (140, 151.4)


def test_a_premium_channel_may_post_a_longer_video():
    premium = Channel("1", {}, preferences={"premium": True})
    draft = Draft([DraftItem("clip", [video(duration=600.0)])])
    assert XProvider().validate(draft, premium) == []


def test_a_video_wider_than_3_to_1_is_refused_naming_the_range():
    [issue] = XProvider().validate(Draft([DraftItem("clip", [video(width=1600, height=400)])]))
    assert issue.code == "media_ratio"
    assert issue.message == (
        "launch.mp4 is 4:1 (1600\u00d7400); X takes videos from 1:3 to 3:1. Crop it narrower."
    )
    assert (issue.limit, issue.actual) == (3.0, 4.0)


def test_a_tall_video_is_refused_and_told_to_be_cropped_wider():
    [issue] = XProvider().validate(Draft([DraftItem("clip", [video(width=200, height=1000)])]))
    assert issue.code == "media_ratio" and issue.message.endswith("Crop it wider.")


def test_too_small_too_fast_and_hevc_videos_are_each_explained():
    issues = XProvider().validate(
        Draft([DraftItem("clip", [video(width=16, height=16, frame_rate=120.0, codec="hevc")])])
    )
    messages = {i.code: i.message for i in issues}
    assert set(messages) == {"media_dimensions", "media_frame_rate", "media_codec"}
    assert messages["media_dimensions"] == (
        "launch.mp4 is 16\u00d716 pixels; X needs videos of at least 32\u00d732."
    )
    assert messages["media_frame_rate"] == (
        "launch.mp4 plays at 120 fps; X takes videos of at most 60 fps. "
        "Export it at 60 fps or less."
    )
    assert messages["media_codec"] == (
        "launch.mp4 is encoded as HEVC (H.265); X takes H.264 video. "
        "Export it as H.264 and upload it again."
    )


def test_a_video_shorter_than_half_a_second_is_refused():
    [issue] = XProvider().validate(Draft([DraftItem("clip", [video(duration=0.2)])]))
    assert issue.code == "media_duration"
    assert issue.message == "launch.mp4 lasts 0.2 s; X needs videos of at least 0.5 s."


def test_a_video_whose_facts_were_not_measured_is_not_refused_for_that():
    unmeasured = video(width=None, height=None, duration=None, frame_rate=None, codec="")
    assert XProvider().validate(Draft([DraftItem("clip", [unmeasured])])) == []
