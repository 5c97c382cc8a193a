"""factory_boy factories for tests that build their own small world."""

from datetime import date
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model

from resolutions.models import Congress, Resolution
from targets.models import Entry, Period, ProgressReport, Target
from units.models import Membership, Unit


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.LazyAttribute(lambda o: f"Người dùng {o.username}")
    password = factory.django.Password("demo1234")


class UnitFactory(factory.django.DjangoModelFactory):
    """Creates a root, or a child of `parent` (treebeard keeps the paths)."""

    class Meta:
        model = Unit

    code = factory.Sequence(lambda n: f"test-unit-{n:04d}")
    name = factory.LazyAttribute(lambda o: f"Chi bộ thử nghiệm {o.code}")
    kind = Unit.Kind.CHI_BO_CO_SO
    members = 20
    parent = None

    @classmethod
    def _create(cls, model_class, *args, parent=None, **kwargs):
        if parent is None:
            return model_class.objects.add_root(instance=model_class(**kwargs))
        return model_class.objects.add_child(parent, instance=model_class(**kwargs))


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    unit = factory.SubFactory(UnitFactory)
    role = Membership.Role.UNIT_SECRETARY


class CongressFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Congress

    organisation_name = factory.Sequence(lambda n: f"Đảng bộ thử nghiệm {n}")
    ordinal = 1
    term_start_year = 2020
    term_end_year = 2025
    held_from = date(2020, 7, 13)
    held_to = date(2020, 7, 15)


class ResolutionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Resolution

    congress = factory.SubFactory(CongressFactory)
    title = factory.Sequence(lambda n: f"Nghị quyết thử nghiệm {n}")


class TargetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Target

    resolution = factory.SubFactory(ResolutionFactory)
    code = factory.Sequence(lambda n: f"T{n:02d}")
    title = factory.LazyAttribute(lambda o: f"Chỉ tiêu {o.code}")
    measure = Target.Measure.FLOW
    value = Decimal(100)


class PeriodFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Period

    congress = factory.SubFactory(CongressFactory)
    index = 1
    year = 2020
    quarter = 3
    starts_on = date(2020, 7, 1)
    ends_on = date(2020, 9, 30)
    deadline = date(2020, 10, 15)


class ReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProgressReport

    unit = factory.SubFactory(UnitFactory)
    period = factory.SubFactory(PeriodFactory)


class EntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Entry

    report = factory.SubFactory(ReportFactory)
    target = factory.SubFactory(TargetFactory)
