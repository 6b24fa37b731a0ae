"""The shared validator's checks of measured facts (MediaRules' video and ratio fields)."""

from integrations.providers.base import MediaItem, MediaRules
from integrations.providers.base.validation import check_media

RULES = MediaRules(
    max_count=4,
    image_ratio=(4 / 5, 1.91),
    video_ratio=(9 / 16, 16 / 9),
    max_video_dimensions=(1920, 1920),
    video_frame_rate=(23, 60),
    video_codecs=("h264", "hevc"),
)


def item(mime="video/mp4", **facts):
    return MediaItem(mime, 1000, lambda: b"", filename="f", **facts)


def issues(*media):
    return [(i.code, i.message) for i in check_media(0, list(media), RULES, name="Net")]


def test_an_image_outside_the_feed_ratio_is_refused_with_named_ratios():
    assert issues(item("image/jpeg", width=1000, height=2000)) == [
        (
            "media_ratio",
            "f is 1:2 (1000\u00d72000); Net takes images from 4:5 to 1.91:1. Crop it wider.",
        )
    ]
    assert issues(item("image/jpeg", width=1080, height=1350)) == []  # exactly 4:5


def test_a_slow_oversized_video_in_another_codec_gets_one_message_each():
    found = issues(item(width=3840, height=2160, frame_rate=15.0, codec="vp9"))
    assert found == [
        (
            "media_dimensions",
            "f is 3840\u00d72160 pixels; Net takes videos of at most 1920\u00d71920. "
            "Export it smaller.",
        ),
        ("media_frame_rate", "f plays at 15 fps; Net needs at least 23 fps."),
        (
            "media_codec",
            "f is encoded as VP9; Net takes H.264 or HEVC (H.265) video. "
            "Export it as H.264 and upload it again.",
        ),
    ]


def test_nothing_is_refused_for_facts_that_were_not_measured():
    assert issues(item(), item("image/png")) == []
