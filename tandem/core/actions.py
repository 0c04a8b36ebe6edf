"""Writes to tenancy and staff. Atomic, keyword-only, and the acting user is named."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from . import audit, clock
from .models import GroupLead, Membership, OrganisationGroup, Practice, User
from .rules import Role


@transaction.atomic
def create_practice(*, ods_code: str, name: str, by: User | None, group: OrganisationGroup | None = None,
                    address_line1: str = "", address_line2: str = "", town: str = "", postcode: str = "",
                    phone: str = "") -> Practice:
    practice = Practice.objects.create(
        ods_code=ods_code.strip().upper(), name=name, group=group, address_line1=address_line1,
        address_line2=address_line2, town=town, postcode=postcode, phone=phone,
    )
    audit.record(by=by, practice=practice, action="create", what="practice", object_id=practice.pk)
    return practice


@transaction.atomic
def add_staff(*, practice: Practice, username: str, role: Role, by: User | None, password: str | None = None,
              first_name: str = "", last_name: str = "", email: str = "") -> User:
    """Create the user if new, and give them `role` in `practice` (replacing any earlier role there)."""
    user, created = User.objects.get_or_create(
        username=username, defaults={"first_name": first_name, "last_name": last_name, "email": email}
    )
    if created:
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save()
    Membership.with_left.update_or_create(user=user, practice=practice,
                                          defaults={"role": Role(role).value, "left_on": None, "left_by": None})
    audit.record(by=by, practice=practice, action="create" if created else "update", what="membership",
                 object_id=user.pk, detail={"role": Role(role).value})
    return user


@transaction.atomic
def make_group_lead(*, user: User, group: OrganisationGroup, by: User | None, since: dt.date | None = None) -> GroupLead:
    """Make `user` a lead of `group` (a primary care network or an ICB): they see its practices side by
    side, counts only. Making them lead again after it ended starts it again."""
    lead, _ = GroupLead.objects.update_or_create(user=user, group=group,
                                                 defaults={"since": since or clock.today(), "ended_on": None})
    audit.record(by=by, practice=None, action="create", what="group_lead", object_id=user.pk,
                 detail={"group": group.pk})
    return lead


@transaction.atomic
def end_group_lead(*, user: User, group: OrganisationGroup, by: User | None, on: dt.date | None = None) -> int:
    ended = GroupLead.objects.filter(user=user, group=group, ended_on__isnull=True).update(ended_on=on or clock.today())
    audit.record(by=by, practice=None, action="update", what="group_lead", object_id=user.pk,
                 detail={"group": group.pk, "ended": bool(ended)})
    return ended
