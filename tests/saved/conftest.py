"""Saved parties and goods lines are tested in the declarations' world: two companies, an
office, and one person of each kind."""

from tests.declarations.conftest import media_root, world  # noqa: F401
