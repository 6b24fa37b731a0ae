"""Posts and network answers for the posts tests."""

from posts.states import State
from tests.factories import PostFactory

TOKEN = "mastodon-token-abc"
BOT = "123456:telegram-bot-token"


def make_post(channel, *texts, delays=(), state=State.SCHEDULED, due=None):
    """``PostFactory`` as tests/posts/test_crash.py calls it (new tests use the factory)."""
    items = [
        {"content": text, "delay_minutes": delays[n] if n < len(delays) else 0}
        for n, text in enumerate(texts)
    ]
    extra = {"publish_at": due} if due else {}
    return PostFactory(integration=channel, items=items, state=state, **extra)


def status(id_, text="hi", reply_to=None):
    return {
        "id": id_,
        "url": f"https://social.example/@acme/{id_}",
        "uri": f"https://social.example/users/acme/statuses/{id_}",
        "content": f"<p>{text}</p>",
        "in_reply_to_id": reply_to,
        "media_attachments": [],
    }
