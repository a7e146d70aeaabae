"""What the domains' page forms share: the browser's date picker, and a service's problems shown
beside the fields they name."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError


class DateInput(forms.DateInput):
    """The browser's date picker; its value is always ISO (YYYY-MM-DD), whatever the locale."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class ServiceForm(forms.Form):
    """A form whose meaning a service judges: its problems come back as a ValidationError."""

    def attach(self, error: ValidationError) -> None:
        """Put each of the service's problems beside its field; the rest above the form."""
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for key, problems in error.message_dict.items():
            for problem in problems:
                self.add_error(key if key in self.fields else None, problem)
