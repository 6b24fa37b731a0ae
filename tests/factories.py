"""factory_boy factories: people and organizations, channels, library files, and posts with
their items."""

from datetime import timedelta

import factory
from allauth.account.models import EmailAddress
from django.utils import timezone

from accounts.models import User
from integrations.models import Customer, Integration
from media.models import MediaFile
from organizations.models import Invitation, Membership, Organization
from organizations.permissions import Role
from posts.models import Post, PostGroup, PostItem
from posts.states import State

PASSWORD = "correct horse battery staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    name = factory.Faker("name")
    timezone = "Europe/Paris"
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def verified_email(self, create, extracted, **kwargs):
        """Users made by tests have a verified primary address, as after sign-up."""
        if create and extracted is not False:
            self.save()
            EmailAddress.objects.create(user=self, email=self.email, verified=True, primary=True)


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Team {n}")
    slug = factory.Sequence(lambda n: f"team-{n}")
    timezone = "Europe/Paris"


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    organization = factory.SubFactory(OrganizationFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.EDITOR
    # A Client is always limited to customers (give them some with CustomerAccess).
    customer_limited = factory.LazyAttribute(lambda o: o.role == Role.CLIENT)


class InvitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invitation

    organization = factory.SubFactory(OrganizationFactory)
    email = factory.Sequence(lambda n: f"invitee{n}@example.com")
    role = Role.EDITOR
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))


# -- Channels and posts ------------------------------------------------------------------
class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Customer {n}")


class ChannelFactory(factory.django.DjangoModelFactory):
    """A connected channel (``Integration``); a Mastodon account unless told otherwise.

    Pass what the test is about (``provider``, ``credentials``, ``meta``); the rest is a
    valid channel of ``organization``, which is a new one when not given."""

    class Meta:
        model = Integration

    organization = factory.SubFactory(OrganizationFactory)
    provider = "mastodon"
    external_id = factory.Sequence(lambda n: f"account-{n}")
    name = factory.LazyAttribute(lambda o: f"Acme on {o.provider.split('-')[0].title()}")
    credentials = factory.LazyFunction(lambda: {"access_token": "token"})
    # A Mastodon channel names its server; other networks need only what a test gives.
    meta = factory.LazyAttribute(
        lambda o: {"instance": "https://social.example"} if o.provider == "mastodon" else {}
    )


class MediaFileFactory(factory.django.DjangoModelFactory):
    """A file of ``organization``'s library, as its row says (a PNG unless told otherwise).
    Only the row: a test that reads the bytes stores them itself."""

    class Meta:
        model = MediaFile

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Picture {n}.png")
    file = factory.LazyAttribute(lambda o: f"media/{o.organization.slug}/{o.name}")
    kind = factory.LazyAttribute(lambda o: o.mime_type.split("/")[0])
    mime_type = "image/png"
    size = 10


class PostGroupFactory(factory.django.DjangoModelFactory):
    """What was written once for several channels (each channel's copy is a ``Post``)."""

    class Meta:
        model = PostGroup

    organization = factory.SubFactory(OrganizationFactory)


class PostFactory(factory.django.DjangoModelFactory):
    """One channel's post, scheduled and due a second ago unless told otherwise.

    ``items`` writes its thread: each entry is an item's text, or a dict of
    ``PostItemFactory`` fields (``{"content": "three", "delay_minutes": 30}``). The group
    and the organization follow the channel."""

    class Meta:
        model = Post
        skip_postgeneration_save = True

    integration = factory.SubFactory(ChannelFactory)
    organization = factory.SelfAttribute("integration.organization")
    group = factory.SubFactory(
        PostGroupFactory, organization=factory.SelfAttribute("..organization")
    )
    state = State.SCHEDULED
    publish_at = factory.LazyFunction(lambda: timezone.now() - timedelta(seconds=1))

    @factory.post_generation
    def items(self, create, extracted, **kwargs):
        if not create or not extracted:
            return
        for position, entry in enumerate(extracted):
            fields = {"content": entry} if isinstance(entry, str) else dict(entry)
            PostItemFactory(post=self, position=position, **fields)


class PostItemFactory(factory.django.DjangoModelFactory):
    """One part of a post's thread (the first, unless ``position`` says otherwise)."""

    class Meta:
        model = PostItem

    post = factory.SubFactory(PostFactory)
    position = 0
    content = "Hello world"
