"""Alliance mirrors read entry bundles with a bearer token (EPORT_LEDGER_MIRROR_TOKENS)."""

import hashlib
import logging

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from ledger import checks, notary, tiles
from ledger.models import Entry

from .notary_support import append, ledger_keys  # noqa: F401

pytestmark = [pytest.mark.usefixtures("ledger_keys"), pytest.mark.django_db]

TOKEN = "mirror-token-for-tests-0123456789abcdefghijklmn"
OTHER = "another-token-for-tests-0123456789abcdefghijkl"


def line(name: str, token: str) -> str:
    return f"{name}:{hashlib.sha256(token.encode()).hexdigest()}"


@pytest.fixture
def ledger(settings):
    """A ledger of 300 entries, notarized by its own signature (no witness is asked): one full
    level-0 tile and a partial one of 44."""
    settings.EPORT_WITNESS_QUORUM = 0
    append(299)
    assert notary.notarize(cosign="none").size == 300
    return 300


@pytest.fixture
def mirrors(settings):
    settings.EPORT_LEDGER_MIRROR_TOKENS = [line("bank-a.mirror", TOKEN), line("customs", OTHER)]


def bearer(token: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def canonical(start: int, end: int) -> list[bytes]:
    rows = Entry.objects.filter(seq__gte=start, seq__lt=end).order_by("seq")
    return [bytes(raw) for raw in rows.values_list("canonical", flat=True)]


def test_a_mirror_token_reads_every_bundle(client, ledger, mirrors, caplog):
    caplog.set_level(logging.INFO, logger="ledger.views")
    for token in (TOKEN, OTHER):
        for path, start, end in (("000", 0, 256), ("001.p/44", 256, 300)):
            response = client.get(f"/ledger/tile/entries/{path}", **bearer(token))
            assert response.status_code == 200, response.content[:200]
            assert tiles.decode_bundle(response.content) == canonical(start, end)
            assert response["Cache-Control"].startswith("private, ")
    assert "mirror bank-a.mirror read tile/entries/000" in caplog.text
    assert "mirror customs read tile/entries/001.p/44" in caplog.text
    assert TOKEN not in caplog.text and OTHER not in caplog.text


def test_the_scheme_is_case_insensitive(client, ledger, mirrors):
    response = client.get("/ledger/tile/entries/000", HTTP_AUTHORIZATION=f"bearer  {TOKEN} ")
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("Bearer wrong", "the bearer token is not one of this server's mirror tokens"),
        (f"Bearer {TOKEN}x", "the bearer token is not one of this server's mirror tokens"),
        ("Bearer ", "the Authorization header says Bearer but carries no token"),
        ("Bearer \u00e9t\u00e9", "the bearer token is not one of this server's mirror tokens"),
    ],
)
def test_a_wrong_token_is_a_named_403(client, ledger, mirrors, header, message):
    response = client.get("/ledger/tile/entries/000", HTTP_AUTHORIZATION=header)
    assert response.status_code == 403
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"error": message}


def test_a_wrong_token_is_refused_even_for_a_logged_in_superuser(client, ledger, mirrors, settings):
    settings.EPORT_LEDGER_ENTRY_ACCESS = "ledger.views.no_one_but_superusers"
    client.force_login(get_user_model().objects.create_superuser("root", "r@example.org", "x"))
    assert client.get("/ledger/tile/entries/000").status_code == 200
    assert client.get("/ledger/tile/entries/000", **bearer("wrong")).status_code == 403


def test_no_token_configured_refuses_every_token(client, ledger, settings):
    settings.EPORT_LEDGER_MIRROR_TOKENS = []
    response = client.get("/ledger/tile/entries/000", **bearer(TOKEN))
    assert response.status_code == 403


def test_session_users_keep_their_rule(client, ledger, mirrors):
    assert client.get("/ledger/tile/entries/000").status_code == 403  # not logged in
    client.force_login(get_user_model().objects.create_user("plain", "p@example.org", "x"))
    assert client.get("/ledger/tile/entries/000").status_code == 404  # may not read them
    # Another scheme is not a mirror's: the session's rule applies.
    response = client.get("/ledger/tile/entries/000", HTTP_AUTHORIZATION="Basic cGxhaW46eA==")
    assert response.status_code == 404


def test_a_mirror_gets_the_same_404s_for_uncovered_bundles(client, ledger, mirrors):
    append(5)  # appended, not notarized
    response = client.get("/ledger/tile/entries/001", **bearer(TOKEN))
    assert response.status_code == 404
    assert response.json()["error"] == (
        "tile/entries/001 is not full in the latest notarized checkpoint (size 300)"
    )


def test_hash_tiles_stay_public(client, ledger, mirrors):
    assert client.get("/ledger/tile/0/000", **bearer("wrong")).status_code == 200


def test_a_malformed_setting_is_a_named_503_and_a_system_check_error(client, ledger, settings):
    settings.EPORT_LEDGER_MIRROR_TOKENS = [line("ok", TOKEN), "bank-b.mirror:abc"]
    response = client.get("/ledger/tile/entries/000", **bearer(TOKEN))
    assert response.status_code == 503
    assert response.json() == {
        "error": "the mirror tokens are misconfigured on this server (EPORT_LEDGER_MIRROR_TOKENS)"
    }
    (error,) = checks.check_mirror_tokens(None)
    assert error.id == "ledger.E002"
    assert "item 2 (bank-b.mirror)" in error.msg and "64 hex digits" in error.msg


@pytest.mark.parametrize(
    ("items", "problem"),
    [
        (["no-colon"], "item 1 does not start with a mirror name"),
        ([":" + "a" * 64], "item 1 does not start with a mirror name"),
        (["a b:" + "a" * 64], "item 1 does not start with a mirror name"),
        (["a:" + "g" * 64], "item 1 (a): after the ':' comes the SHA-256"),
        (["a:" + "a" * 63], "item 1 (a): after the ':' comes the SHA-256"),
        (["a:" + "a" * 64, "a:" + "b" * 64], "names mirror 'a' twice"),
        (["a:" + "a" * 64, "b:" + "A" * 64], "item 2 (b) repeats another mirror's token digest"),
        ([7], "item 1 is a int"),
    ],
)
def test_malformed_setting_items_are_named(items, problem):
    with pytest.raises(
        checks.MirrorTokenError, match=problem.replace("(", r"\(").replace(")", r"\)")
    ):
        checks.parse_mirror_tokens(items)


def test_a_well_formed_setting_passes_the_check(mirrors):
    assert checks.check_mirror_tokens(None) == []
    assert checks.parse_mirror_tokens([" a:" + "AB" * 32 + " "]) == [("a", "ab" * 32)]


def test_the_command_prints_a_token_and_its_setting_item(client, ledger, settings, capsys):
    call_command("ledger_mirror_token", "bank-c.mirror")
    token, item = capsys.readouterr().out.splitlines()
    assert len(token) >= 43
    assert item == line("bank-c.mirror", token)
    settings.EPORT_LEDGER_MIRROR_TOKENS = [item]
    assert client.get("/ledger/tile/entries/000", **bearer(token)).status_code == 200
    call_command("ledger_mirror_token", "bank-c.mirror")
    assert capsys.readouterr().out.splitlines()[0] != token  # fresh every time


@pytest.mark.parametrize("name", ["", "a:b", "a b", "a,b", "x" * 101])
def test_the_command_refuses_bad_names(name):
    with pytest.raises(CommandError, match="must be 1 to 100 letters"):
        call_command("ledger_mirror_token", name)
