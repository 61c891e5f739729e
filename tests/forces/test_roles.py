"""The role table is the one home of roles: the migration's frozen copy, the groups in
the database, add_user and the people selectors all agree with it."""

import importlib

import pytest
from django.contrib.auth.models import Group

from forces import selectors
from forces.roles import ROLES
from recommendations import policy
from recommendations.models import Status

FROZEN = {
    group: list(perms)
    for group, perms in importlib.import_module(
        "recommendations.migrations.0002_reference_data_roles_append_only"
    ).ROLE_PERMISSIONS.items()
}
# Permissions that came later, granted (and taken away) by their own migrations.
for later in ("0014_pcc_response", "0018_reopen_item", "0021_recipients_engage_welsh"):
    migration = importlib.import_module(f"recommendations.migrations.{later}")
    for group, perms in migration.GRANTS.items():
        FROZEN[group] = FROZEN.get(group, []) + perms
    for group, perms in getattr(migration, "REVOKES", {}).items():
        FROZEN[group] = [p for p in FROZEN[group] if p not in perms]


def test_the_migrations_frozen_copy_matches_the_role_table():
    assert {spec.group: sorted(spec.permissions) for spec in ROLES.values()} == {
        group: sorted(perms) for group, perms in FROZEN.items()
    }


@pytest.mark.django_db
def test_each_roles_group_holds_its_permissions():
    for spec in ROLES.values():
        group = Group.objects.get(name=spec.group)
        assert sorted(group.permissions.values_list("codename", flat=True)) == sorted(
            spec.permissions
        )


@pytest.mark.django_db
def test_people_are_found_by_permission_not_by_group_name(make_user):
    officer = make_user("liaison-officer", "o", force_slugs=["gloucestershire"])
    lead = make_user("liaison-lead", "l", force_slugs=["gloucestershire", "west-midlands"])
    chief = make_user("chief-of-staff", "c", region_slug="south-west")
    for spec in ROLES.values():  # renaming every group changes nothing
        Group.objects.filter(name=spec.group).update(name=f"{spec.group} (renamed)")
    glos = officer.scope.forces.get()
    assert list(selectors.liaison_officers_of(glos.pk)) == [officer]
    assert list(selectors.liaison_leads_of(glos.pk)) == [lead]
    assert list(selectors.chiefs_of_staff_of(glos.region_id)) == [chief]
    assert selectors.display_name(lead) == "l"


@pytest.mark.django_db
def test_the_policys_open_statuses_are_the_statuses_table_s():
    assert set(Status.objects.filter(is_open=True).values_list("slug", flat=True)) == set(
        policy.OPEN
    )
