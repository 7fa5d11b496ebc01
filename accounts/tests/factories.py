import factory

from accounts.models import User


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"u_test{n}")
    bankid_altsub = factory.Sequence(lambda n: f"9578-0000-4-{n:06d}")
    name = factory.Faker("name", locale="no_NO")
    birth_date = factory.Faker("date_of_birth", minimum_age=18)
