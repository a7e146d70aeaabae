import pytest

from tests.declarations import factories as f

from . import factories as bf


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def world(db):
    """Two companies, a customs office with an officer, two banks with staff, an auditor."""
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
    w.icbc = bf.bank("ICBKCNBJSHI", "Industrial and Commercial Bank of China, Shanghai")
    w.boc = bf.bank("BKCHCNBJ300", "Bank of China, Shanghai Branch")
    w.bank = f.user("bank", "bank", bank=w.icbc)
    w.bank2 = f.user("bank2", "bank", bank=w.boc)
    return w
