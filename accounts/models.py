from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.utils.timezone import now
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from postiz.timezones import validate_timezone


def validate_language(value: str) -> None:
    if value and value not in dict(settings.LANGUAGES):
        raise ValidationError(
            _("%(value)s is not one of the interface's languages."),
            params={"value": value},
        )


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields["is_staff"] = True
        extra_fields["is_superuser"] = True
        return self._create_user(email, password, **extra_fields)

    def get_by_natural_key(self, username):
        return self.get(email__iexact=username)


class User(AbstractBaseUser, PermissionsMixin):
    """A person; they log in with their email address."""

    email = models.EmailField(gettext_lazy("email address"), max_length=254, unique=True)
    name = models.CharField(max_length=150, blank=True)
    timezone = models.CharField(
        gettext_lazy("time zone"),
        max_length=64,
        default="UTC",
        validators=[validate_timezone],
        help_text=gettext_lazy("Times are shown to you in this IANA time zone."),
    )
    notify_failures = models.BooleanField(
        gettext_lazy("email me when a post fails"),
        default=True,
    )
    notify_success_digest = models.BooleanField(
        gettext_lazy("email me a daily digest of published posts"),
        default=False,
    )

    class Clock(models.TextChoices):
        BROWSER = "", gettext_lazy("As my browser shows times")
        H24 = "24", gettext_lazy("24-hour (14:30)")
        H12 = "12", gettext_lazy("12-hour (2:30 PM)")

    clock = models.CharField(
        gettext_lazy("clock"),
        max_length=2,
        blank=True,
        default=Clock.BROWSER,
        choices=Clock.choices,
        help_text=gettext_lazy("How times are written for you on every page."),
    )
    language = models.CharField(
        gettext_lazy("language"),
        max_length=12,
        blank=True,
        default="",
        # Not a choices list: adding a language to settings.LANGUAGES needs no migration.
        validators=[validate_language],
        help_text=gettext_lazy(
            "The language of every page and email for you; empty: your browser's."
        ),
    )
    is_staff = models.BooleanField(
        default=False, help_text=gettext_lazy("Can log in to the admin site.")
    )
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),
        ]

    def __str__(self):
        return self.email

    @property
    def display_name(self) -> str:
        return self.name or self.email.split("@", 1)[0]

    def get_full_name(self):
        return self.name

    def get_short_name(self):
        return self.display_name
