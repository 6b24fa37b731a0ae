"""Short links in the pages: the settings page, the composer's question, a post's links
with their clicks, and the clicks beside the counts on the Analytics page and calendar."""

from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from integrations.vault import decrypt
from organizations.models import AuditEvent
from posts.links.models import GroupLinkChoice, LinkSettings, ShortLink
from posts.models import PostGroup
from posts.states import State
from tests.factories import OrganizationFactory, PostFactory, PostItemFactory
from tests.posts.test_composer import form
from tests.posts.test_groups import channel

pytestmark = pytest.mark.django_db


def settings_url(org):
    return reverse("posts:link_settings", args=[org.slug])


def published(org, text="Read https://example.com/x", clicks=(3,), ago=timedelta(days=1)):
    when = timezone.now() - ago
    post = PostFactory(
        integration=channel(org),
        state=State.PUBLISHED,
        publish_at=when,
        published_at=when,
        remote_id="1",
    )
    PostItemFactory(post=post, content=text)
    for n, count in enumerate(clicks):
        code = f"{post.pk:04d}c{n:03d}"
        ShortLink.objects.create(
            organization=org,
            post=post,
            shortener="builtin",
            code=code,
            target=f"https://example.com/{n}",
            short_url=f"https://acme.link/l/{code}",
            clicks=count,
        )
    return post


# -- Settings ----------------------------------------------------------------------------
def test_an_admin_chooses_dub_and_its_key_is_stored_encrypted(org, admin, client_for):
    response = client_for(admin).post(
        settings_url(org),
        {"preference": "always", "shortener": "dub", "domain": "Acme.link", "api_key": "dub_k1"},
    )
    assert response.status_code == 302
    row = LinkSettings.objects.get(organization=org)
    assert (row.preference, row.shortener, row.domain) == ("always", "dub", "acme.link")
    assert row.secrets["api_key"] == "dub_k1"
    with connection.cursor() as cursor:
        cursor.execute("SELECT secrets FROM posts_linksettings WHERE id = %s", [row.pk])
        stored = cursor.fetchone()[0]
    assert "dub_k1" not in stored and decrypt(stored) == {"api_key": "dub_k1"}
    assert AuditEvent.objects.filter(organization=org, action="links.settings_changed").exists()

    page = client_for(admin).get(settings_url(org)).content.decode()
    assert "An API key is saved." in page and "dub_k1" not in page  # never shown again


def test_saving_without_a_key_keeps_the_saved_one_and_removing_it_removes_it(
    org, admin, client_for
):
    client = client_for(admin)
    client.post(settings_url(org), {"preference": "ask", "shortener": "dub", "api_key": "k"})
    client.post(settings_url(org), {"preference": "always", "shortener": "dub", "api_key": ""})
    assert LinkSettings.objects.get(organization=org).secrets["api_key"] == "k"
    client.post(
        settings_url(org), {"preference": "always", "shortener": "dub", "remove_api_key": "on"}
    )
    assert "api_key" not in LinkSettings.objects.get(organization=org).secrets


def test_shortio_without_a_domain_is_refused_with_a_reason(org, admin, client_for):
    response = client_for(admin).post(
        settings_url(org), {"preference": "always", "shortener": "shortio", "api_key": "k"}
    )
    assert response.status_code == 400
    assert "Short.io needs the short domain" in response.content.decode()
    assert not LinkSettings.objects.exists()


def test_an_editor_may_not_change_the_short_link_settings(org, editor, client_for):
    client = client_for(editor)
    assert client.get(settings_url(org)).status_code == 403
    assert client.post(settings_url(org), {"preference": "never"}).status_code == 403
    assert not LinkSettings.objects.exists()


def test_an_outsider_gets_404_for_the_settings(org, outsider, client_for):
    assert client_for(outsider).get(settings_url(org)).status_code == 404


# -- The composer ------------------------------------------------------------------------
def test_the_composer_asks_and_remembers_the_answer_on_the_post(org, editor, client_for):
    masto = channel(org)
    client = client_for(editor)
    page = client.get(reverse("posts:new", args=[org.slug])).content.decode()
    assert "Shorten this post's links when it is published" in page

    data = form(masto, text="Launch: https://example.com/launch", action="draft")
    data.update({"shorten_links_asked": "1", "shorten_links": "1"})
    assert client.post(reverse("posts:new", args=[org.slug]), data).status_code == 302
    group = PostGroup.objects.get()
    assert GroupLinkChoice.objects.get(group=group).shorten is True

    edit = client.get(reverse("posts:edit", args=[org.slug, group.pk])).content.decode()
    assert 'name="shorten_links" value="1" checked' in edit
    assert "1 link found." in edit

    data.pop("shorten_links")  # unticked
    client.post(reverse("posts:edit", args=[org.slug, group.pk]), data)
    assert GroupLinkChoice.objects.get(group=group).shorten is False


def test_the_composer_does_not_ask_when_the_organization_decided(org, editor, client_for):
    channel(org)
    LinkSettings.objects.create(organization=org, preference="always")
    page = client_for(editor).get(reverse("posts:new", args=[org.slug])).content.decode()
    assert "Shorten this post's links" not in page


# -- A post's links, the Analytics page, the calendar ------------------------------------
def test_a_posts_links_page_lists_each_link_with_its_clicks(org, viewer, client_for):
    post = published(org, clicks=(3, 4))
    page = client_for(viewer).get(reverse("posts:post_links", args=[org.slug, post.public_id]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "7 clicks" in html
    assert "https://example.com/0" in html and "https://example.com/1" in html


def test_an_outsider_gets_404_for_a_posts_links(org, outsider, client_for):
    post = published(org)
    url = reverse("posts:post_links", args=[org.slug, post.public_id])
    assert client_for(outsider).get(url).status_code == 404
    # Their own organization does not open another's post either.
    other = outsider.memberships.get().organization
    url = reverse("posts:post_links", args=[other.slug, post.public_id])
    assert client_for(outsider).get(url).status_code == 404


def test_the_analytics_page_shows_the_most_clicked_posts(
    org, owner, client_for, django_assert_max_num_queries
):
    published(org, "Launch https://example.com/launch", clicks=(12, 5))
    published(org, "Quiet https://example.com/quiet", clicks=(1,))
    client = client_for(owner)
    client.get(reverse("posts:analytics", args=[org.slug]))
    with django_assert_max_num_queries(30) as few:
        html = client.get(reverse("posts:analytics", args=[org.slug])).content.decode()
    assert "Short-link clicks" in html
    assert html.index("Launch https://example.com/launch") < html.index("Quiet https")
    assert ">17<" in html  # 12 + 5
    for n in range(5):  # more posts with links: the same number of queries
        published(org, f"More {n} https://example.com/{n}", clicks=(n,))
    with django_assert_max_num_queries(len(few)):
        client.get(reverse("posts:analytics", args=[org.slug]))


def test_the_calendar_shows_a_published_posts_link_clicks(org, owner, client_for):
    post = published(org, clicks=(2, 1), ago=timedelta(hours=1))
    day = timezone.localdate(post.publish_at).isoformat()
    html = (
        client_for(owner)
        .get(reverse("posts:calendar", args=[org.slug]) + f"?view=week&date={day}")
        .content.decode()
    )
    assert "3 link clicks" in html


def test_the_admin_shows_links_read_only_and_never_the_key(client):
    from tests.factories import UserFactory

    staff = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(staff)
    org = published(OrganizationFactory(), clicks=(2,)).organization
    row = LinkSettings.objects.create(organization=org, shortener="dub")
    row.secrets = {"api_key": "dub_secret_value"}
    row.save()
    link = ShortLink.objects.get()
    assert client.get("/admin/posts/shortlink/").status_code == 200
    change = client.get(f"/admin/posts/shortlink/{link.pk}/change/").content.decode()
    assert 'name="target"' not in change  # shown, not editable
    settings_page = client.get(f"/admin/posts/linksettings/{row.pk}/change/").content.decode()
    assert "dub_secret_value" not in settings_page


def test_the_settings_menu_leads_admins_to_short_links_but_not_editors(
    org, admin, editor, client_for
):
    general = reverse("organizations:settings", args=[org.slug])
    assert settings_url(org) in client_for(admin).get(general).content.decode()
    assert settings_url(org) not in client_for(editor).get(general).content.decode()
