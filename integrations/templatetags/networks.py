"""``{% network_logo identifier %}``: a network's logo (static/img/networks/, from Simple
Icons), or its initial for a network Simple Icons has no icon for. Decorative: the
network's name is always written next to it."""

from django import template
from django.templatetags.static import static
from django.utils.html import format_html

from integrations.providers import provider_classes
from integrations.providers.base.data import METRIC_LABELS

register = template.Library()

# Network families (the identifier before "-") with a logo file of that name.
LOGOS = frozenset(
    {"bluesky", "discord", "lemmy", "mastodon", "reddit", "telegram", "threads", "x"}
    | {"facebook", "instagram", "tiktok", "youtube"}
)


@register.simple_tag
def network_logo(identifier: str, size: int = 20):
    family = (identifier or "").split("-", 1)[0]
    if family in LOGOS:
        return format_html(
            '<img class="network-logo" src="{}" alt="" width="{}" height="{}">',
            static(f"img/networks/{family}.svg"),
            size,
            size,
        )
    cls = provider_classes().get(identifier)
    name = (cls.network_name or cls.display_name) if cls else identifier
    return format_html(
        '<span class="network-logo network-logo-none" aria-hidden="true">{}</span>',
        (name or "?")[:1].upper(),
    )


@register.filter
def metric_label(metric: str) -> str:
    """A metric's name as people read it, in their language (the id when unknown)."""
    return METRIC_LABELS.get(metric, metric)
