import pytest

from . import factories as f


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def world(db):
    """Two companies, two offices, and one person of each kind."""
    f.load_reference_rows()
    shanghai = f.office("2201", "Shanghai Customs District")
    beijing = f.office("0101", "Beijing Customs District")
    alpha = f.company("91310000MA1FL0000", "Alpha Trading Co., Ltd.")
    beta = f.company("91110000MA00000000"[:17], "Beta Imports Ltd.")

    class World:
        pass

    w = World()
    w.shanghai, w.beijing, w.alpha, w.beta = shanghai, beijing, alpha, beta
    w.trader = f.user("trader", "trader", company=alpha)
    w.trader2 = f.user("trader2", "trader", company=beta)
    w.officer = f.user("officer", "officer", office=shanghai)
    w.officer2 = f.user("officer2", "officer", office=shanghai)
    w.beijing_officer = f.user("bj_officer", "officer", office=beijing)
    w.auditor = f.user("auditor", "auditor")
    return w
