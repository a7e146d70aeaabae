import pytest
from django.core.exceptions import ValidationError

from eport.accounts.usci import validate_usci


@pytest.mark.parametrize("usci", ["91350100M000100Y43", "91110000600037341L", "91310000MA1FL4B24G"])
def test_real_usci_numbers_are_accepted(usci):
    validate_usci(usci)


def message_of(usci: str) -> str:
    with pytest.raises(ValidationError) as caught:
        validate_usci(usci)
    return caught.value.messages[0]


def test_a_usci_of_the_wrong_length_is_refused_with_its_length():
    assert message_of("91350100M000100Y4") == ("A USCI has exactly 18 characters; this one has 17.")


@pytest.mark.parametrize("letter", ["I", "O", "Z", "S", "V"])
def test_letters_outside_the_code_set_are_named(letter):
    usci = "91350100M000100Y43"[:9] + letter + "00100Y43"
    message = message_of(usci)
    assert "except I, O, Z, S and V" in message
    assert repr(letter) in message


def test_a_wrong_check_character_names_the_expected_one():
    message = message_of("91350100M000100Y44")
    assert "check character is wrong" in message
    assert "should be 3, not 4" in message
