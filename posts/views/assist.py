"""AI writing help for the composer (posts.assist): one POST that streams a suggestion as
Server-Sent Events. The composer's script shows it beside the text with Cancel and Accept;
nothing is changed on the server by asking.

Answers 404 when the instance has no AI configured, like any page that does not exist.
"""

from __future__ import annotations

import json

from django.http import Http404, JsonResponse, StreamingHttpResponse
from django.views.decorators.http import require_POST

from billing.limits import LimitReached
from integrations import selectors as channel_selectors
from media.selectors import media_for_organization
from organizations.access import organization_view
from posts import assist
from posts.assist import prompts, services

# At most this many channels are named in one request (shorten picks the strictest).
MAX_CHANNELS = 50


def options(request) -> dict | None:
    """What the composer needs to draw the writing help; None when it is off."""
    if not assist.enabled():
        return None
    return {"tones": prompts.TONES, "languages": prompts.LANGUAGES}


def _ids(values) -> list[int]:
    return [int(v) for v in values if v.isdigit() and len(v) < 18][:MAX_CHANNELS]


def _sse(events):
    for event in events:
        name = event.pop("event")
        yield f"event: {name}\ndata: {json.dumps(event)}\n\n"


@organization_view("posts.edit")
@require_POST
def suggest(request):
    """Stream one suggestion: ``action`` (rewrite, shorten, first_comment, translate,
    alt_text), ``text``, ``channel`` (repeated), ``tone``, ``hashtags``, ``language``,
    ``media``. A channel or image the member cannot see answers 404."""
    if not assist.enabled():
        raise Http404("No such page.")
    data = request.POST
    ids = _ids(data.getlist("channel"))
    channels = list(
        channel_selectors.integrations_for(organization=request.organization).filter(pk__in=ids)
    )
    if len(channels) != len(set(ids)):
        raise Http404("No such channel.")
    media = None
    raw_media = data.get("media", "")
    if raw_media:
        media_ids = _ids([raw_media])
        media = (
            media_for_organization(request.organization).filter(pk=media_ids[0]).first()
            if media_ids
            else None
        )
        if media is None:
            raise Http404("No such file.")
    by_id = {c.pk: c for c in channels}
    try:
        prepared = services.assist_prepare(
            action=data.get("action", ""),
            text=data.get("text", ""),
            channels=[by_id[i] for i in dict.fromkeys(ids)],
            tone=data.get("tone", ""),
            hashtags=data.get("hashtags") in ("1", "on", "true"),
            language=data.get("language", ""),
            media=media,
        )
        events = services.assist_start(
            organization=request.organization, actor=request.user, prepared=prepared
        )
    except services.AssistInvalid as error:
        return JsonResponse({"error": error.message}, status=400)
    except LimitReached as error:
        return JsonResponse({"error": error.message}, status=429)
    response = StreamingHttpResponse(_sse(events), content_type="text/event-stream")
    response["Cache-Control"] = "no-cache"
    # A reverse proxy (nginx) would otherwise hold the pieces back until the end.
    response["X-Accel-Buffering"] = "no"
    return response
