"""Changes to companies, customs offices and users; each one commits with its ledger entry.

People appear in the ledger only as ``user:<id>``: a user's snapshot is its role, organisation and
access flags (``User.LEDGER_FIELDS``), never its name, email or password.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Group, Permission
from django.contrib.auth.password_validation import validate_password
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from eport.core.actors import Actor
from eport.core.ledgering import (
    apply_changes,
    model_snapshot,
    record_model_change,
    record_update,
    update_and_record,
)

from .models import Agency, Bank, Company, CustomsOffice, User
from .usci import validate_usci

EDITOR_GROUP = "Tariff and risk editors"
# (app label, model name) of what the editors group may add, change, delete and view.
EDITOR_MODELS = (
    ("reference", "tariffline"),
    ("accounts", "customsoffice"),
    ("declarations", "riskrule"),
    ("reference", "goodscontrol"),
)
EDITOR_VIEW_ONLY = (("reference", "hscode"),)

# A user's own details: never in the ledger's snapshot, so a change to them is recorded by field
# name only. The password is not among them: it changes only through change_password.
PERSONAL_FIELDS = ("username", "first_name", "last_name", "email", "last_login", "date_joined")
ORGANISATION_FIELDS = ("role", "company", "office", "bank", "agency")


def _required(value: str, field: str, label: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: _("Enter the %(label)s.") % {"label": label}})
    return value


def _full_clean(instance, exclude=None) -> None:
    instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)


# Companies ------------------------------------------------------------------------------------


@transaction.atomic
def create_company(*, actor: Actor, usci: str, name: str, address: str = "") -> Company:
    """Register a company under a valid, unused USCI and record ``company.created``."""
    usci = (usci or "").strip().upper()
    try:
        validate_usci(usci)
    except ValidationError as error:
        raise ValidationError({"usci": error.messages}) from None
    if Company.objects.filter(usci=usci).exists():
        raise ValidationError(
            {"usci": _("A company with USCI %(usci)s is already registered.") % {"usci": usci}}
        )
    company = Company(usci=usci, name=_required(name, "name", _("company name")), address=address)
    _full_clean(company)
    company.save()
    record_model_change(
        actor=actor, instance=company, action="created", changed=model_snapshot(company)
    )
    return company


@transaction.atomic
def update_company(
    *,
    company: Company,
    actor: Actor,
    name: str | None = None,
    address: str | None = None,
    reason: str = "",
) -> Company:
    """Change a company's name or address (its USCI is its identity and never changes)."""
    company = Company.objects.select_for_update().get(pk=company.pk)
    changes = {}
    if name is not None:
        changes["name"] = _required(name, "name", _("company name"))
    if address is not None:
        changes["address"] = address.strip()
    return _apply_changes(company, changes, actor=actor, reason=reason)


# Offices --------------------------------------------------------------------------------------


@transaction.atomic
def create_office(*, actor: Actor, code: str, name: str, active: bool = True) -> CustomsOffice:
    """Add a customs office with an unused 4-digit code and record ``office.created``."""
    code = (code or "").strip()
    office = CustomsOffice(code=code, name=_required(name, "name", _("office name")), active=active)
    try:
        _full_clean(office)
    except ValidationError as error:
        raise ValidationError(error.message_dict) from None
    if CustomsOffice.objects.filter(code=code).exists():
        raise ValidationError(
            {"code": _("Customs office %(code)s already exists.") % {"code": code}}
        )
    office.save()
    record_model_change(
        actor=actor, instance=office, action="created", changed=model_snapshot(office)
    )
    return office


@transaction.atomic
def update_office(
    *,
    office: CustomsOffice,
    actor: Actor,
    name: str | None = None,
    active: bool | None = None,
    reason: str = "",
) -> CustomsOffice:
    """Rename or (de)activate a customs office (its code is its identity and never changes)."""
    office = CustomsOffice.objects.select_for_update().get(pk=office.pk)
    changes: dict[str, Any] = {}
    if name is not None:
        changes["name"] = _required(name, "name", _("office name"))
    if active is not None:
        if not active and office.officers.filter(is_active=True).exists():
            raise ValidationError(
                {
                    "active": _(
                        "Customs office %(code)s still has active officers; move or deactivate "
                        "them first."
                    )
                    % {"code": office.code}
                }
            )
        changes["active"] = bool(active)
    return _apply_changes(office, changes, actor=actor, reason=reason)


def _apply_changes(instance, changes: dict, *, actor: Actor, reason: str, action="updated"):
    update_and_record(actor=actor, instance=instance, changes=changes, action=action, reason=reason)
    return instance


# Banks ----------------------------------------------------------------------------------------


@transaction.atomic
def create_bank(
    *,
    actor: Actor,
    bic: str,
    legal_name: str,
    cnaps: str = "",
    witness_key: str = "",
    active: bool = True,
) -> Bank:
    """Admit a bank to the alliance under a valid, unused BIC and record ``bank.created``."""
    bank = Bank(
        bic=(bic or "").strip().upper(),
        legal_name=_required(legal_name, "legal_name", _("bank's legal name")),
        cnaps=(cnaps or "").strip(),
        witness_key=(witness_key or "").strip(),
        active=active,
    )
    _full_clean(bank)
    if Bank.objects.filter(bic=bank.bic).exists():
        raise ValidationError(
            {"bic": _("A bank with BIC %(bic)s is already in the alliance.") % {"bic": bank.bic}}
        )
    bank.save()
    record_model_change(actor=actor, instance=bank, action="created", changed=model_snapshot(bank))
    return bank


@transaction.atomic
def update_bank(
    *,
    bank: Bank,
    actor: Actor,
    legal_name: str | None = None,
    cnaps: str | None = None,
    witness_key: str | None = None,
    active: bool | None = None,
    reason: str = "",
) -> Bank:
    """Change a bank's name, CNAPS code, witness key or standing (its BIC is its identity)."""
    bank = Bank.objects.select_for_update().get(pk=bank.pk)
    changes: dict[str, Any] = {}
    if legal_name is not None:
        changes["legal_name"] = _required(legal_name, "legal_name", _("bank's legal name"))
    if cnaps is not None:
        changes["cnaps"] = cnaps.strip()
    if witness_key is not None:
        changes["witness_key"] = witness_key.strip()
    if active is not None:
        if not active and bank.staff.filter(is_active=True).exists():
            raise ValidationError(
                {
                    "active": _("The bank %(bic)s still has active staff; deactivate them first.")
                    % {"bic": bank.bic}
                }
            )
        changes["active"] = bool(active)
    return _apply_changes(bank, changes, actor=actor, reason=reason)


# Agencies -------------------------------------------------------------------------------------


@transaction.atomic
def create_agency(*, actor: Actor, code: str, name: str, kind: str, active: bool = True) -> Agency:
    """Add a licensing or inspection agency under an unused code and record ``agency.created``."""
    agency = Agency(
        code=(code or "").strip().upper(),
        name=_required(name, "name", _("agency name")),
        kind=kind,
        active=active,
    )
    _full_clean(agency)
    if Agency.objects.filter(code=agency.code).exists():
        raise ValidationError(
            {"code": _("Agency %(code)s already exists.") % {"code": agency.code}}
        )
    agency.save()
    record_model_change(
        actor=actor, instance=agency, action="created", changed=model_snapshot(agency)
    )
    return agency


@transaction.atomic
def update_agency(
    *,
    agency: Agency,
    actor: Actor,
    name: str | None = None,
    active: bool | None = None,
    reason: str = "",
) -> Agency:
    """Rename or (de)activate an agency (its code and kind are its identity and never change)."""
    agency = Agency.objects.select_for_update().get(pk=agency.pk)
    changes: dict[str, Any] = {}
    if name is not None:
        changes["name"] = _required(name, "name", _("agency name"))
    if active is not None:
        if not active and agency.staff.filter(is_active=True).exists():
            raise ValidationError(
                {
                    "active": _("Agency %(code)s still has active officers; deactivate them first.")
                    % {"code": agency.code}
                }
            )
        changes["active"] = bool(active)
    return _apply_changes(agency, changes, actor=actor, reason=reason)


# Users ----------------------------------------------------------------------------------------


# Which organisation each role belongs to; every other organisation must be left empty.
ROLE_ORGANISATION = {
    User.Role.TRADER: "company",
    User.Role.OFFICER: "office",
    User.Role.BANK: "bank",
    User.Role.AGENCY: "agency",
    User.Role.AUDITOR: None,
}
_NEEDS = {
    "company": gettext_lazy("A trader must belong to a company."),
    "office": gettext_lazy("An officer must belong to a customs office."),
    "bank": gettext_lazy("Bank staff must belong to a bank."),
    "agency": gettext_lazy("An agency officer must belong to an agency."),
}
# What to say of an organisation a role must not have: (role, organisation) -> sentence.
_NOT_FOR = {
    (User.Role.TRADER, "office"): gettext_lazy(
        "A trader belongs to a company, not to a customs office."
    ),
    (User.Role.TRADER, "bank"): gettext_lazy("A trader belongs to a company, not to a bank."),
    (User.Role.TRADER, "agency"): gettext_lazy("A trader belongs to a company, not to an agency."),
    (User.Role.OFFICER, "company"): gettext_lazy(
        "An officer belongs to a customs office, not to a company."
    ),
    (User.Role.OFFICER, "bank"): gettext_lazy(
        "An officer belongs to a customs office, not to a bank."
    ),
    (User.Role.OFFICER, "agency"): gettext_lazy(
        "A customs officer belongs to a customs office, not to an agency; make an agency's "
        "staff agency officers."
    ),
    (User.Role.BANK, "company"): gettext_lazy("Bank staff belong to a bank, not to a company."),
    (User.Role.BANK, "office"): gettext_lazy(
        "Bank staff belong to a bank, not to a customs office."
    ),
    (User.Role.BANK, "agency"): gettext_lazy("Bank staff belong to a bank, not to an agency."),
    (User.Role.AGENCY, "company"): gettext_lazy(
        "An agency officer belongs to an agency, not to a company."
    ),
    (User.Role.AGENCY, "office"): gettext_lazy(
        "An agency officer belongs to an agency, not to a customs office."
    ),
    (User.Role.AGENCY, "bank"): gettext_lazy(
        "An agency officer belongs to an agency, not to a bank."
    ),
    (User.Role.AUDITOR, "company"): gettext_lazy(
        "An auditor belongs to neither a company nor a customs office."
    ),
    (User.Role.AUDITOR, "office"): gettext_lazy(
        "An auditor belongs to neither a company nor a customs office."
    ),
    (User.Role.AUDITOR, "bank"): gettext_lazy("An auditor belongs to no bank."),
    (User.Role.AUDITOR, "agency"): gettext_lazy("An auditor belongs to no agency."),
}


def check_role_organisation(
    role: str,
    company: Company | None,
    office: CustomsOffice | None,
    bank: Bank | None = None,
    agency: Agency | None = None,
) -> None:
    """Raise ValidationError unless the role has exactly the organisation it needs."""
    if role not in User.Role.values:
        choices = ", ".join(User.Role.values)
        raise ValidationError(
            {
                "role": _("%(role)r is not a role; choose one of %(choices)s.")
                % {"role": role, "choices": choices}
            }
        )
    given = {"company": company, "office": office, "bank": bank, "agency": agency}
    wanted = ROLE_ORGANISATION[role]
    errors: dict[str, str] = {}
    if wanted is not None and given[wanted] is None:
        errors[wanted] = _NEEDS[wanted]
    for name, organisation in given.items():
        if name != wanted and organisation is not None:
            errors[name] = _NOT_FOR[role, name]
    if role == User.Role.OFFICER and office is not None and not office.active:
        errors["office"] = _("Customs office %(code)s is inactive.") % {"code": office.code}
    if role == User.Role.BANK and bank is not None and not bank.active:
        errors["bank"] = _("The bank %(bic)s is inactive.") % {"bic": bank.bic}
    if role == User.Role.AGENCY and agency is not None and not agency.active:
        errors["agency"] = _("Agency %(code)s is inactive.") % {"code": agency.code}
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def create_user(
    *,
    actor: Actor,
    username: str,
    role: str,
    company: Company | None = None,
    office: CustomsOffice | None = None,
    bank: Bank | None = None,
    agency: Agency | None = None,
    password: str | None = None,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    is_staff: bool = False,
) -> User:
    """Create a user with a consistent role and organisation; record ``user.created``.

    Without a password the account cannot log in until one is set.
    """
    username = _unused_username(username)
    check_role_organisation(role, company, office, bank, agency)
    user = User(
        username=username,
        role=role,
        company=company,
        office=office,
        bank=bank,
        agency=agency,
        email=email,
        first_name=first_name,
        last_name=last_name,
        is_staff=is_staff,
    )
    if password:
        try:
            validate_password(password, user)
        except ValidationError as error:
            raise ValidationError({"password": error.messages}) from None
        user.set_password(password)
    else:
        user.set_unusable_password()
    _full_clean(user, exclude=["password"])
    user.save()
    record_model_change(actor=actor, instance=user, action="created", changed=model_snapshot(user))
    return user


@transaction.atomic
def change_user_role(
    *,
    user: User,
    actor: Actor,
    role: str,
    company: Company | None = None,
    office: CustomsOffice | None = None,
    bank: Bank | None = None,
    agency: Agency | None = None,
    reason: str = "",
) -> User:
    """Give a user a new role with its organisation; record ``user.role_changed``."""
    check_role_organisation(role, company, office, bank, agency)
    user = User.objects.select_for_update().get(pk=user.pk)
    return _apply_changes(
        user,
        {"role": role, "company": company, "office": office, "bank": bank, "agency": agency},
        actor=actor,
        reason=reason,
        action="role_changed",
    )


@transaction.atomic
def deactivate_user(*, user: User, actor: Actor, reason: str = "") -> User:
    """Stop a user from logging in, keeping the account and its history; ``user.deactivated``."""
    _refuse_own_deactivation(user, actor)
    user = User.objects.select_for_update().get(pk=user.pk)
    return _apply_changes(
        user, {"is_active": False}, actor=actor, reason=reason, action="deactivated"
    )


@transaction.atomic
def update_user(
    *,
    user: User,
    actor: Actor,
    role: str | None = None,
    company: Company | None = None,
    office: CustomsOffice | None = None,
    bank: Bank | None = None,
    agency: Agency | None = None,
    is_active: bool | None = None,
    is_staff: bool | None = None,
    is_superuser: bool | None = None,
    groups: Iterable[Group] | None = None,
    user_permissions: Iterable[Permission] | None = None,
    personal: Mapping[str, Any] | None = None,
    reason: str = "",
) -> User:
    """Change a user's role, organisation, access or personal details with one ledger entry.

    With ``role``, the user gets exactly that role with ``company``, ``office``, ``bank`` or
    ``agency`` (as check_role_organisation allows); without it the organisation is left alone.
    ``personal`` maps PERSONAL_FIELDS to new values, which the ledger names but never holds. The
    entry is
    ``user.role_changed`` if the role or organisation changed, else ``user.updated``; a call that
    changes nothing records nothing.
    """
    personal = dict(personal or {})
    unknown = sorted(set(personal) - set(PERSONAL_FIELDS))
    if unknown:
        # A caller's mistake, not a person's: a password, for one, goes through change_password.
        raise ValueError(f"update_user cannot change {', '.join(unknown)}")
    user = User.objects.select_for_update().get(pk=user.pk)
    changes: dict[str, Any] = {}
    if role is not None:
        check_role_organisation(role, company, office, bank, agency)
        changes.update(role=role, company=company, office=office, bank=bank, agency=agency)
    if is_active is False and user.is_active:
        _refuse_own_deactivation(user, actor)
    if is_active and not user.is_active and role is None:
        _refuse_officer_of_inactive_office(user)
    flags = {"is_active": is_active, "is_staff": is_staff, "is_superuser": is_superuser}
    changes.update({name: bool(value) for name, value in flags.items() if value is not None})
    if "username" in personal:
        personal["username"] = _unused_username(personal["username"], user=user)
    changes.update(personal)
    if groups is not None:
        changes["groups"] = list(groups)
    if user_permissions is not None:
        changes["user_permissions"] = list(user_permissions)
    names = apply_changes(user, changes)
    action = "role_changed" if set(ORGANISATION_FIELDS) & set(names) else "updated"
    record_update(actor=actor, instance=user, names=names, action=action, reason=reason)
    return user


def _refuse_own_deactivation(user: User, actor: Actor) -> None:
    if getattr(actor, "pk", None) == user.pk:
        raise ValidationError({"is_active": _("You cannot deactivate your own account.")})


def _refuse_officer_of_inactive_office(user: User) -> None:
    # An office is deactivated only once it has no active officers (update_office); an account
    # coming back must not undo that.
    if user.role == User.Role.OFFICER and user.office is not None and not user.office.active:
        raise ValidationError(
            {
                "is_active": _(
                    "Customs office %(code)s is inactive; move this officer to an active office "
                    "before reactivating the account."
                )
                % {"code": user.office.code}
            }
        )
    if user.role == User.Role.AGENCY and user.agency is not None and not user.agency.active:
        raise ValidationError(
            {
                "is_active": _(
                    "Agency %(code)s is inactive; move this officer to an active agency before "
                    "reactivating the account."
                )
                % {"code": user.agency.code}
            }
        )


def _unused_username(username: str, *, user: User | None = None) -> str:
    username = _required(username, "username", _("username"))
    taken = User.objects.filter(username__iexact=username)
    if user is not None:
        taken = taken.exclude(pk=user.pk)
    if taken.exists():
        raise ValidationError(
            {"username": _("The username %(username)r is already taken.") % {"username": username}}
        )
    return username


@transaction.atomic
def change_password(*, user: User, actor: Actor, new_password: str) -> User:
    """Set a validated new password and record ``user.password_changed`` (never the secret).

    The row is locked and read afresh, so the entry's state is the user's as saved, even when the
    caller's copy is older than a change made since.
    """
    locked = User.objects.select_for_update().get(pk=user.pk)
    try:
        validate_password(new_password, locked)
    except ValidationError as error:
        raise ValidationError({"new_password": error.messages}) from None
    locked.set_password(new_password)
    locked.save(update_fields=["password"])
    user.password = locked.password  # the caller's copy keeps its session valid
    record_password_change(user=locked, actor=actor)
    return locked


def record_password_change(*, user: User, actor: Actor):
    """Record ``user.password_changed`` for a password already saved in this transaction."""
    return record_model_change(actor=actor, instance=user, action="password_changed", changed={})


# Permissions ----------------------------------------------------------------------------------


def ensure_editor_group() -> Group:
    """Create or complete the group that edits tariff lines, goods controls, offices, risk rules.

    Give an officer ``is_staff`` and this group to let them edit those tables in /admin/.
    """
    for app_label in {label for label, _model in EDITOR_MODELS + EDITOR_VIEW_ONLY}:
        # Permissions are normally created after migrate; make sure they exist either way.
        create_permissions(apps.get_app_config(app_label), verbosity=0)
    group, _created = Group.objects.get_or_create(name=EDITOR_GROUP)
    wanted = []
    for models_list, actions in (
        (EDITOR_MODELS, ("add", "change", "delete", "view")),
        (EDITOR_VIEW_ONLY, ("view",)),
    ):
        for app_label, model in models_list:
            content_type = ContentType.objects.get_by_natural_key(app_label, model)
            wanted.extend(
                Permission.objects.filter(
                    content_type=content_type,
                    codename__in=[f"{action}_{model}" for action in actions],
                )
            )
    group.permissions.add(*wanted)
    return group


def save_language(user: User, language: str) -> None:
    """Remember the language a signed-in person chose (a preference: not ledgered)."""
    if language not in dict(settings.LANGUAGES):
        raise ValueError(f"{language!r} is not one of LANGUAGES")
    User.objects.filter(pk=user.pk).update(language=language)
    user.language = language
