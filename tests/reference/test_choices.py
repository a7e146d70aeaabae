"""The declaration's code lists live in reference data; the models take their choices from there."""

from eport.declarations.models import Declaration, Document
from eport.reference import choices, codes


def test_the_declaration_models_use_the_reference_code_lists():
    assert Declaration.Incoterm is choices.Incoterm
    assert Declaration.TransportMode is choices.TransportMode
    assert Document.Type is choices.DocumentType
    assert Declaration._meta.get_field("incoterm").choices == choices.Incoterm.choices


def test_the_code_checks_read_the_same_lists():
    assert codes.is_incoterm("FOB")
    assert not codes.is_incoterm("XYZ")
    assert codes.incoterm_choices() == list(choices.Incoterm.choices)
