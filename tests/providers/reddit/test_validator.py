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


def test_media_posts_are_not_available_yet():
    assert codes(check(entry(type="media"))) == ["setting_invalid"]
    issues = RedditProvider().validate(
        Draft([DraftItem("x", [MediaItem("image/png", 1, lambda: b"")])], {"subreddit": [entry()]})
    )
    assert codes(issues) == ["media_count"]


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
