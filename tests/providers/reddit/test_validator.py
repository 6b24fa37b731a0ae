from integrations.providers.base import Draft, DraftItem, MediaItem
from integrations.providers.reddit import RedditProvider, wait_seconds


def entry(**values):
    base = {"subreddit": "test", "title": "Hello", "type": "self", "is_flair_required": False}
    return {"value": {**base, **values}}


def check(*entries, text="body"):
    return RedditProvider().validate(Draft([DraftItem(text)], {"subreddit": list(entries)}))


def codes(issues):
    return [i.code for i in issues]


def test_a_self_post_passes():
    assert check(entry()) == []


def test_subreddit_list_is_required():
    [issue] = RedditProvider().validate(Draft([DraftItem("x")], {}))
    assert (issue.code, issue.field) == ("setting_required", "subreddit")


def test_title_required_and_at_most_300():
    assert codes(check(entry(title=""))) == ["setting_required"]
    [issue] = check(entry(title="t" * 301))
    assert (issue.code, issue.limit, issue.actual) == ("text_too_long", 300, 301)
    assert check(entry(title="t" * 300)) == []


def test_link_posts_need_a_url():
    assert codes(check(entry(type="link"))) == ["setting_required"]
    assert codes(check(entry(type="link", url="not a url"))) == ["setting_invalid"]
    assert check(entry(type="link", url="https://example.com/a")) == []


def test_required_flair_must_be_chosen():
    [issue] = check(entry(is_flair_required=True))
    assert "requires a flair" in issue.message
    assert check(entry(is_flair_required=True, flair={"id": "abc", "name": "News"})) == []


def image(mime="image/png", size=1000, name="launch.png"):
    return MediaItem(mime, size, lambda: b"", filename=name)


def check_media(*entries, media=(), later=()):
    items = [DraftItem("body", list(media))]
    if later:
        items.append(DraftItem("first comment", list(later)))
    return RedditProvider().validate(Draft(items, {"subreddit": list(entries)}))


def test_an_image_post_with_one_image_passes():
    assert check_media(entry(type="media"), media=[image()]) == []
    assert check_media(entry(type="media"), media=[image("image/jpeg")]) == []
    assert check_media(entry(type="media"), media=[image("image/gif")]) == []


def test_an_image_post_needs_its_image():
    [issue] = check_media(entry(type="media"))
    assert (issue.code, issue.field) == ("media_required", "media")
    assert "Entry 1" in issue.message


def test_an_image_post_takes_exactly_one_image():
    [issue] = check_media(entry(type="media"), media=[image(), image()])
    assert (issue.code, issue.limit, issue.actual) == ("media_count", 1, 2)


def test_only_jpeg_png_and_gif_up_to_20_mb():
    assert codes(check_media(entry(type="media"), media=[image("video/mp4")])) == ["media_type"]
    assert codes(check_media(entry(type="media"), media=[image("image/webp")])) == ["media_type"]
    assert check_media(entry(type="media"), media=[image(size=20_000_000)]) == []
    [issue] = check_media(entry(type="media"), media=[image(size=20_000_001)])
    assert (issue.code, issue.limit) == ("media_size", 20_000_000)


def test_text_and_link_posts_reject_media_with_a_clear_message():
    [issue] = check_media(entry(), media=[image()])
    assert (issue.code, issue.field) == ("media_count", "media")
    assert "Entry 1: a text post cannot carry an image" in issue.message
    link = entry(type="link", url="https://example.com/a")
    [issue] = check_media(entry(type="media"), link, media=[image()])
    assert "Entry 2: a link post cannot carry an image" in issue.message


def test_comments_carry_no_media():
    [issue] = check_media(entry(type="media"), media=[image()], later=[image()])
    assert (issue.code, issue.item) == ("media_count", 1)


def test_unknown_types_are_named():
    [issue] = check(entry(type="video"))
    assert issue.message.endswith("type must be self, link or media.")


def test_subreddit_names_accept_the_r_prefix():
    assert check(entry(subreddit="r/django")) == []
    assert codes(check(entry(subreddit="no spaces allowed"))) == ["setting_invalid"]


def test_each_entry_is_named_in_the_issue():
    issues = check(entry(), entry(title=""))
    assert [(i.field, i.code) for i in issues] == [("subreddit[2]", "setting_required")]


def test_body_limit_40000():
    assert check(entry(), text="a" * 40_000) == []
    assert codes(check(entry(), text="a" * 40_001)) == ["text_too_long"]


def test_wait_parsing():
    assert wait_seconds("you are doing that too much. try again in 9 minutes.") == 540
    assert wait_seconds("Take a break for 45 seconds before trying again.") == 45
    assert wait_seconds("try again in 1 minute") == 60
    assert wait_seconds("no number") is None
