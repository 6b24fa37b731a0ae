"""AI writing help for the composer (posts.assist): one POST that streams a suggestion as
Server-Sent Events. The composer's script shows it beside the text with Cancel and Accept;
nothing is changed on the server by asking.

Answers 404 when the instance has no AI configured, like any page that does not exist.
"""

from __future__ import annotations

import json

from django.http import Http404, JsonResponse, StreamingHttpResponse
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_POST

from billing.limits import LimitReached
from integrations import selectors as channel_selectors
from media.selectors import media_for_organization
from organizations.access import organization_view
from posts import assist
from posts.assist import prompts, services

# At most this many channels are named in one request (shorten picks the strictest).
MAX_CHANNELS = 50

# What people read in the tone and language menus. The values sent back (and into the
# prompt) stay the English words of prompts.TONES and prompts.LANGUAGES: the model is
# asked in English whatever the page's language.
TONE_LABELS = {
    "": pgettext_lazy("tone", "As written"),
    "friendly": pgettext_lazy("tone", "Friendly"),
    "professional": pgettext_lazy("tone", "Professional"),
    "playful": pgettext_lazy("tone", "Playful"),
    "enthusiastic": pgettext_lazy("tone", "Enthusiastic"),
    "calm": pgettext_lazy("tone", "Calm and factual"),
}
LANGUAGE_LABELS = {
    "Arabic": _("Arabic"),
    "Chinese (Simplified)": _("Chinese (Simplified)"),
    "Dutch": _("Dutch"),
    "English": _("English"),
    "French": _("French"),
    "German": _("German"),
    "Hindi": _("Hindi"),
    "Indonesian": _("Indonesian"),
    "Italian": _("Italian"),
    "Japanese": _("Japanese"),
    "Korean": _("Korean"),
    "Polish": _("Polish"),
    "Portuguese": _("Portuguese"),
    "Russian": _("Russian"),
    "Spanish": _("Spanish"),
    "Swedish": _("Swedish"),
    "Turkish": _("Turkish"),
    "Ukrainian": _("Ukrainian"),
    "Vietnamese": _("Vietnamese"),
}


def options(request) -> dict | None:
    """What the composer needs to draw the writing help, as (value, label) pairs in the
    reader's language; None when it is off."""
    if not assist.enabled():
        return None
    tones = [(value, str(TONE_LABELS.get(value, value))) for value in prompts.TONES]
    languages = [(value, str(LANGUAGE_LABELS.get(value, value))) for value in prompts.LANGUAGES]
    # Sorted as the reader spells them, so "Deutsch" is found under D.
    languages.sort(key=lambda pair: pair[1].casefold())
    return {"tones": tones, "languages": languages}


def _ids(values) -> list[int]:
    return [int(v) for v in values if v.isdigit() and len(v) < 18][:MAX_CHANNELS]


def _sse(events, language: str):
    # The events are read after the view has returned, while the response streams: the
    # messages in them (an error of the AI server) are written in the request's language.
    with translation.override(language):
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
    response = StreamingHttpResponse(
        _sse(events, translation.get_language()), content_type="text/event-stream"
    )
    response["Cache-Control"] = "no-cache"
    # A reverse proxy (nginx) would otherwise hold the pieces back until the end.
    response["X-Accel-Buffering"] = "no"
    return response
