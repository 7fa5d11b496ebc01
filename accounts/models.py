from django.contrib.auth.models import AbstractUser


class User(AbstractUser):
    """epty's user. Custom from the first migration; BankID identity fields arrive with the login."""

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
