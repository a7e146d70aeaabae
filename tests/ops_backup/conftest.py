from tests.declarations.conftest import media_root, world  # noqa: F401
from tests.ledger.notary_support import ledger_keys  # noqa: F401
