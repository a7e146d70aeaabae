import pytest
from rest_framework.test import APIClient

from eport.api.tokens import create_token
from tests.declarations import factories as f


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def own_throttle_window(settings):
    # Tests share the cache server; a generous rate keeps one test's calls from limiting another.
    settings.EPORT_API_RATE = "100000/minute"


class World:
    """Two companies, two offices, one person of each kind, and an API client per person."""

    clients = 0

    def client(self, user, *, token=True) -> APIClient:
        client = APIClient()
        if token:
            self.clients += 1
            _, secret = create_token(actor=user, name=f"test client {self.clients}")
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
        else:
            client.force_login(user)
        return client


@pytest.fixture
def world(db):
    f.load_reference_rows()
    f.lane_rules()
    w = World()
    w.shanghai = f.office("2201", "Shanghai Customs District")
    w.beijing = f.office("0101", "Beijing Customs District")
    w.alpha = f.company("91310000MA1FL0000", "Alpha Trading Co., Ltd.")
    w.beta = f.company("91110000MA0000000", "Beta Imports Ltd.")
    w.trader = f.user("trader", "trader", company=w.alpha)
    w.trader2 = f.user("trader2", "trader", company=w.beta)
    w.officer = f.user("officer", "officer", office=w.shanghai)
    w.officer2 = f.user("officer2", "officer", office=w.shanghai)
    w.beijing_officer = f.user("bj_officer", "officer", office=w.beijing)
    w.auditor = f.user("auditor", "auditor")
    return w


def draft_body(lrn="API-1", origin="DE", items=2, **header) -> dict:
    """A valid draft request: the header plus ``items`` goods items summing to the invoice total."""
    value = "500.00" if items == 2 else f"{1000 / items:.2f}"
    total = f"{float(value) * items:.2f}" if items != 2 else "1000.00"
    body = f.header(lrn=lrn, invoice_total=total, **header)
    body["items"] = [
        f.item(origin_country=origin, invoice_value=value, description=f"Laptop {n}")
        for n in range(items)
    ]
    return body
