import pytest

from tests.declarations import factories as f


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def world(db):
    """Two companies, an office, and a trader of each company, an officer and an auditor."""
    f.load_reference_rows()

    class World:
        pass

    w = World()
    w.shanghai = f.office("2201", "Shanghai Customs District")
    w.alpha = f.company("91310000MA1FL0000", "Alpha Trading Co., Ltd.")
    w.beta = f.company("91110000MA0000000", "Beta Imports Ltd.")
    w.trader = f.user("trader", "trader", company=w.alpha)
    w.trader2 = f.user("trader2", "trader", company=w.beta)
    w.officer = f.user("officer", "officer", office=w.shanghai)
    w.auditor = f.user("auditor", "auditor")
    return w
