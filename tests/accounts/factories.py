"""Small builders for companies, offices and users; each goes through the real services."""

import itertools

from eport.accounts import services
from eport.accounts.models import Agency, CustomsOffice, User
from eport.accounts.usci import usci_check_character

_numbers = itertools.count(1)


def make_usci(serial: int | None = None) -> str:
    serial = next(_numbers) if serial is None else serial
    first17 = f"91310000MA{serial:07d}"
    return first17 + usci_check_character(first17)


def make_company(name: str = "Shanghai Example Trading Co., Ltd.", usci: str | None = None):
    return services.create_company(actor="system:test", usci=usci or make_usci(), name=name)


def make_office(code: str = "2201", name: str = "Shanghai Customs District") -> CustomsOffice:
    existing = CustomsOffice.objects.filter(code=code).first()
    return existing or services.create_office(actor="system:test", code=code, name=name)


def make_agency(
    kind: str = Agency.Kind.LICENSING, *, code: str | None = None, name: str | None = None
) -> Agency:
    """An active agency of that kind; the same code gives the same agency."""
    code = code or ("SHCOM" if kind == Agency.Kind.LICENSING else "SHCIQ")
    existing = Agency.objects.filter(code=code).first()
    if existing is not None:
        return existing
    default_names = {
        Agency.Kind.LICENSING: "Shanghai Municipal Commission of Commerce",
        Agency.Kind.INSPECTION: "Shanghai Inspection and Quarantine",
    }
    return services.create_agency(
        actor="system:test", code=code, name=name or default_names[kind], kind=kind
    )


def make_user(role: str = User.Role.TRADER, *, username: str | None = None, **kwargs) -> User:
    username = username or f"{role}{next(_numbers)}"
    if role == User.Role.TRADER and "company" not in kwargs:
        kwargs["company"] = make_company()
    if role == User.Role.OFFICER and "office" not in kwargs:
        kwargs["office"] = make_office()
    if role == User.Role.AGENCY and "agency" not in kwargs:
        kwargs["agency"] = make_agency()
    return services.create_user(actor="system:test", username=username, role=role, **kwargs)


def make_editor(**kwargs) -> User:
    """An officer with admin access and the "Tariff and risk editors" group."""
    user = make_user(User.Role.OFFICER, is_staff=True, **kwargs)
    user.groups.add(services.ensure_editor_group())
    return user


def make_superuser(username: str = "admin") -> User:
    return User.objects.create_superuser(username=username, password="unused-Passw0rd!")
