import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from .factories import append


@pytest.mark.smoke
@pytest.mark.django_db
def test_an_intact_ledger_verifies_with_one_summary_line(capsys):
    entries = append(10)

    call_command("verify_ledger")

    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1
    assert out[0].startswith("ledger intact: 11 entries (seq 0–10), head ")
    assert entries[-1].entry_hash in out[0]
    assert "entries/s" in out[0]


@pytest.mark.django_db
def test_a_range_is_verified_from_its_anchor(capsys):
    append(10)
    call_command("verify_ledger", "--from", "4", "--to", "7")
    assert "4 entries (seq 4–7)" in capsys.readouterr().out


@pytest.mark.django_db
def test_an_empty_ledger_says_so(capsys):
    call_command("verify_ledger")
    assert "ledger is empty" in capsys.readouterr().out


@pytest.mark.django_db
def test_a_backwards_range_is_refused():
    with pytest.raises(CommandError, match="--to must not be smaller"):
        call_command("verify_ledger", "--from", "5", "--to", "2")
