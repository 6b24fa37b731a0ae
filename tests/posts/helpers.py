"""Posts and network answers for the posts tests."""

from datetime import timedelta

from django.utils import timezone

from posts.models import Post, PostGroup, PostItem
from posts.states import State

TOKEN = "mastodon-token-abc"
BOT = "123456:telegram-bot-token"


def make_post(channel, *texts, delays=(), state=State.SCHEDULED, due=None):
    group = PostGroup.objects.create(organization=channel.organization)
    post = Post.objects.create(
        organization=channel.organization,
        group=group,
        integration=channel,
        state=state,
        publish_at=due or timezone.now() - timedelta(seconds=1),
    )
    for position, text in enumerate(texts):
        delay = delays[position] if position < len(delays) else 0
        PostItem.objects.create(post=post, position=position, content=text, delay_minutes=delay)
    return post


def status(id_, text="hi", reply_to=None):
    return {
        "id": id_,
        "url": f"https://social.example/@acme/{id_}",
        "uri": f"https://social.example/users/acme/statuses/{id_}",
        "content": f"<p>{text}</p>",
        "in_reply_to_id": reply_to,
        "media_attachments": [],
    }
