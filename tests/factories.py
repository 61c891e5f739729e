"""factory-boy factories for the domain; items are made through the services so their
status and timeline agree, as they do in the portal."""

import datetime as dt

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User

from forces.models import Force
from recommendations import services
from recommendations.models import Finding, InspectionReport, TrackedItem


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"Person{n}")


class ReportFactory(factory.django.DjangoModelFactory[InspectionReport]):
    class Meta:
        model = InspectionReport

    title = factory.Sequence(lambda n: f"PEEL: Police effectiveness {2000 + n}")
    slug = factory.Sequence(lambda n: f"peel-effectiveness-{2000 + n}")
    published = dt.date(2017, 3, 2)
    kind = InspectionReport.Kind.NATIONAL


class FindingFactory(factory.django.DjangoModelFactory[Finding]):
    class Meta:
        model = Finding

    report = factory.SubFactory(ReportFactory)
    kind = Finding.Kind.RECOMMENDATION
    number = factory.Sequence(lambda n: n + 1)
    text = factory.Sequence(lambda n: f"The force should immediately take step {n}.")


def make_item(
    *,
    force: Force | str = "gloucestershire",
    finding: Finding | None = None,
    lead=None,
    portal_id: int | None = None,
    on: dt.date | None = None,
) -> TrackedItem:
    if isinstance(force, str):
        force = Force.objects.get(slug=force)
    finding = finding or FindingFactory.create()
    item = services.item_create(finding=finding, force=force, by=None, portal_id=portal_id, on=on)
    if lead is not None:
        item.liaison_lead = lead
        item.save()
    return item
