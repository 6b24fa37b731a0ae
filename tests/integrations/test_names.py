"""Channel and customer names the database cannot store are refused, naming the field,
through the pages and through the services alike."""

import pytest
from django.core.exceptions import ValidationError

from integrations import services
from integrations.models import Customer

pytestmark = pytest.mark.django_db


def test_renaming_a_channel_with_a_nul_is_a_400_naming_the_field(
    org, owner, client_for, make_channel
):
    channel = make_channel()
    response = client_for(owner).post(f"/o/acme/channels/{channel.pk}/rename/", {"name": "A\x00B"})
    assert response.status_code == 400
    assert "The field “name” contains a NUL character" in response.content.decode()
    channel.refresh_from_db()
    assert channel.name == "X Developers"


@pytest.mark.parametrize(
    ("path", "field"),
    [("customers/", "name"), ("{channel}/customer/", "new_customer")],
)
def test_a_customer_name_with_a_nul_is_a_400_naming_the_field(
    org, owner, client_for, make_channel, path, field
):
    channel = make_channel()
    response = client_for(owner).post(
        f"/o/acme/channels/{path.format(channel=channel.pk)}", {field: "Shop\x00"}
    )
    assert response.status_code == 400
    assert f"The field “{field}” contains a NUL character" in response.content.decode()
    assert not Customer.objects.exists()


def test_renaming_a_customer_with_a_nul_is_a_400(org, owner, client_for):
    shop = Customer.objects.create(organization=org, name="Shop")
    response = client_for(owner).post(
        f"/o/acme/channels/customers/{shop.pk}/rename/", {"name": "\x00"}
    )
    assert response.status_code == 400
    shop.refresh_from_db()
    assert shop.name == "Shop"


@pytest.mark.parametrize("name", ["Shop\x00", "Shop\ud800"])
def test_the_services_refuse_names_that_cannot_be_stored(org, owner, make_channel, name):
    with pytest.raises(ValidationError, match="customer name contains"):
        services.customer_create(organization=org, name=name, actor=owner)
    with pytest.raises(ValidationError, match="channel name contains"):
        services.integration_rename(integration=make_channel(), name=name, actor=owner)
    assert not Customer.objects.exists()
