"""Staff find files across organizations in the admin; checked fields cannot be edited."""

from media.services import media_upload
from tests.factories import UserFactory
from tests.media import files


def test_staff_search_files_and_cannot_edit_what_was_checked(org, editor, client):
    media = media_upload(organization=org, actor=editor, file=files.png(), filename="brand.png")
    staff = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(staff)
    listing = client.get("/admin/media/mediafile/", {"q": "brand"})
    assert listing.status_code == 200
    assert "brand.png" in listing.text and "Acme" in listing.text
    change = client.get(f"/admin/media/mediafile/{media.pk}/change/")
    assert change.status_code == 200
    assert 'name="name"' in change.text and 'name="alt_text"' in change.text
    assert 'name="mime_type"' not in change.text and 'name="size"' not in change.text
    assert client.get("/admin/media/mediafile/add/").status_code == 403
