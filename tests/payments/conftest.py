from tests.banks.conftest import media_root, world  # noqa: F401
