"""Signatures, sets, tags and comments: the services and their pages."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from posts.models import Comment, PostGroup, PostSet, Signature, Tag
from posts.services import library
from tests.factories import OrganizationFactory, PostGroupFactory
from tests.posts.test_groups import channel

pytestmark = pytest.mark.django_db


def url(org, name, *args):
    return reverse(f"posts:{name}", args=[org.slug, *args])


# -- Signatures -------------------------------------------------------------------------
def test_only_one_signature_is_the_default(org, owner):
    first = library.signature_create(
        organization=org, actor=owner, name="A", content="-- A", is_default=True
    )
    second = library.signature_create(
        organization=org, actor=owner, name="B", content="-- B", is_default=True
    )
    assert list(Signature.objects.filter(is_default=True)) == [second]
    library.signature_update(
        signature=first, actor=owner, name="A", content="-- A2", is_default=True
    )
    defaults = Signature.objects.filter(organization=org, is_default=True)
    assert [s.content for s in defaults] == ["-- A2"]


def test_another_organizations_default_is_left_alone(org, owner):
    other = OrganizationFactory()
    theirs = library.signature_create(
        organization=other, actor=None, name="T", content="theirs", is_default=True
    )
    library.signature_create(organization=org, actor=owner, name="M", content="m", is_default=True)
    theirs.refresh_from_db()
    assert theirs.is_default


def test_a_signature_needs_a_name_and_text(org, owner):
    with pytest.raises(ValidationError) as caught:
        library.signature_create(organization=org, actor=owner, name="Sig", content="  ")
    assert "content" in caught.value.error_dict


def test_the_signatures_page_adds_edits_and_deletes(org, editor, client_for):
    client = client_for(editor)
    assert "No signatures yet" in client.get(url(org, "signatures")).content.decode()
    response = client.post(
        url(org, "signatures"), {"name": "Team", "content": "-- Acme", "is_default": "on"}
    )
    assert response.status_code == 302
    signature = Signature.objects.get()
    assert signature.is_default
    client.post(url(org, "signature_edit", signature.pk), {"name": "Team", "content": "-- Us"})
    signature.refresh_from_db()
    assert signature.content == "-- Us" and not signature.is_default
    client.post(url(org, "signature_delete", signature.pk))
    assert not Signature.objects.exists()


def test_a_signature_form_error_says_what_to_fix(org, editor, client_for):
    response = client_for(editor).post(url(org, "signatures"), {"name": "", "content": "x"})
    assert response.status_code == 400
    assert "This field is required" in response.content.decode()


def test_another_organizations_signature_is_not_found(org, editor, client_for):
    theirs = Signature.objects.create(organization=OrganizationFactory(), name="T", content="t")
    client = client_for(editor)
    assert client.get(url(org, "signature_edit", theirs.pk)).status_code == 404
    assert client.post(url(org, "signature_delete", theirs.pk)).status_code == 404
    assert Signature.objects.filter(pk=theirs.pk).exists()


# -- Sets -------------------------------------------------------------------------------
def test_a_set_saved_from_the_composer_starts_a_new_post_the_same_way(org, editor, client_for):
    x, masto = channel(org, "x"), channel(org, "mastodon")
    client = client_for(editor)
    data = {
        "channels": [str(x.pk), str(masto.pk)],
        "item-0-text": "Weekly digest",
        "item-1-text": "Read more",
        "item-1-delay": "15",
        f"s{x.pk}-who_can_reply_post": "mentionedUsers",
        "op": "set",
        "set_name": "Digest",
    }
    response = client.post(url(org, "new"), data)
    assert response.status_code == 200 and "Saved as the set Digest" in response.content.decode()
    post_set = PostSet.objects.get()
    assert post_set.content["channels"] == [x.pk, masto.pk]
    assert not PostGroup.objects.exists()  # saving a set saves no post

    page = client.get(url(org, "new") + f"?set={post_set.pk}").content.decode()
    assert ">Weekly digest</textarea>" in page and ">Read more</textarea>" in page
    assert 'name="item-1-delay" value="15"' in page
    assert re.search(rf'<input[^>]* id="channel-{x.pk}"[^>]*\schecked', page)
    assert '<option value="mentionedUsers" selected>' in page


def test_sets_can_be_renamed_and_deleted(org, editor, client_for):
    post_set = library.post_set_create(
        organization=org, actor=editor, name="Old", content={"content": [{"text": "hi"}]}
    )
    client = client_for(editor)
    assert "Old" in client.get(url(org, "sets")).content.decode()
    client.post(url(org, "set_rename", post_set.pk), {"name": "New"})
    post_set.refresh_from_db()
    assert post_set.name == "New"
    client.post(url(org, "set_delete", post_set.pk))
    assert not PostSet.objects.exists()


def test_an_empty_set_is_refused(org, editor):
    with pytest.raises(ValidationError):
        library.post_set_create(organization=org, actor=editor, name="Empty", content={})


def test_another_organizations_set_is_not_used_or_found(org, editor, client_for):
    theirs = PostSet.objects.create(
        organization=OrganizationFactory(), name="Theirs", content={"content": [{"text": "SECRET"}]}
    )
    client = client_for(editor)
    assert "SECRET" not in client.get(url(org, "new") + f"?set={theirs.pk}").content.decode()
    assert client.post(url(org, "set_delete", theirs.pk)).status_code == 404


def test_the_sets_page_has_an_empty_state(org, editor, client_for):
    assert "No sets yet" in client_for(editor).get(url(org, "sets")).content.decode()


# -- Tags -------------------------------------------------------------------------------
def test_tag_names_are_unique_ignoring_case_and_colours_are_checked(org, editor):
    library.tag_create(organization=org, actor=editor, name="Launch", color="#112233")
    with pytest.raises(ValidationError, match="already a tag called launch"):
        library.tag_create(organization=org, actor=editor, name="launch", color="#112233")
    with pytest.raises(ValidationError, match="#rrggbb"):
        library.tag_create(organization=org, actor=editor, name="Other", color="red")


def test_the_tags_page_creates_renames_and_deletes(org, editor, client_for):
    client = client_for(editor)
    assert "No tags yet" in client.get(url(org, "tags")).content.decode()
    client.post(url(org, "tags"), {"name": "Launch", "color": "#AA0000"})
    tag = Tag.objects.get()
    assert tag.color == "#aa0000"
    client.post(url(org, "tag_edit", tag.pk), {"name": "Release", "color": "#00aa00"})
    tag.refresh_from_db()
    assert (tag.name, tag.color) == ("Release", "#00aa00")
    client.post(url(org, "tag_delete", tag.pk))
    assert not Tag.objects.exists()


def test_tags_are_offered_in_the_composer(org, editor, client_for):
    channel(org)
    Tag.objects.create(organization=org, name="Launch")
    page = client_for(editor).get(url(org, "new")).content.decode()
    assert 'name="tags"' in page and "Launch" in page


def test_the_tags_list_costs_a_fixed_number_of_queries(
    org, editor, client_for, django_assert_max_num_queries
):
    for n in range(8):
        Tag.objects.create(organization=org, name=f"Tag {n}")
    client = client_for(editor)
    client.get(url(org, "tags"))
    with django_assert_max_num_queries(8):
        assert client.get(url(org, "tags")).status_code == 200


def test_a_viewer_cannot_manage_tags_signatures_or_sets(org, viewer, client_for):
    client = client_for(viewer)
    for name in ("tags", "signatures", "sets"):
        assert client.get(url(org, name)).status_code == 403
    assert client.post(url(org, "tags"), {"name": "X", "color": "#000000"}).status_code == 403
    assert not Tag.objects.exists()


# -- Comments ---------------------------------------------------------------------------
def test_a_comment_can_be_deleted_by_its_author_only(org, editor, admin):
    group = PostGroupFactory(organization=org)
    comment = library.comment_add(group=group, author=editor, body="Typo in line 2")
    with pytest.raises(ValidationError):
        library.comment_delete(comment=comment, actor=admin)
    library.comment_delete(comment=comment, actor=editor)
    assert Comment.objects.get().deleted_at is not None


def test_an_outsider_cannot_comment_on_a_group(org, editor, outsider, client_for):
    group = PostGroupFactory(organization=org)
    response = client_for(outsider).post(url(org, "comment_add", group.pk), {"body": "hi"})
    assert response.status_code == 404
    assert not Comment.objects.exists()
