import pytest

from eport.accounts.models import Agency, User
from tests.accounts.factories import make_agency, make_company, make_office, make_user

from . import factories as f


@pytest.fixture
def world(db):
    """Two companies, two licensing agencies, an inspection agency and one person of each kind."""
    f.load_subheadings()

    class World:
        pass

    w = World()
    w.alpha = make_company("Alpha Trading Co., Ltd.")
    w.beta = make_company("Beta Imports Ltd.")
    w.shcom = f.licensing_agency("SHCOM")
    w.bjcom = f.licensing_agency("BJCOM")
    w.ciq = make_agency(Agency.Kind.INSPECTION, code="SHCIQ")
    w.trader = make_user(company=w.alpha, username="trader")
    w.trader2 = make_user(company=w.beta, username="trader2")
    w.officer = f.licensing_officer(w.shcom, username="licensing")
    w.bj_officer = f.licensing_officer(w.bjcom, username="bj_licensing")
    w.inspector = make_user(User.Role.AGENCY, agency=w.ciq, username="inspector")
    w.customs = make_user(User.Role.OFFICER, office=make_office(), username="customs")
    w.auditor = make_user(User.Role.AUDITOR, username="auditor")
    return w
