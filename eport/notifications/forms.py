from django import forms

from .kinds import Kind, kinds_for


class EmailPreferencesForm(forms.Form):
    """One checkbox per kind the person may receive: whether it comes by e-mail too."""

    def __init__(self, *args, user, initial_choices: dict[str, bool], **kwargs):
        super().__init__(*args, **kwargs)
        labels = dict(Kind.choices)
        for kind in kinds_for(user):
            self.fields[kind] = forms.BooleanField(
                label=labels[kind], required=False, initial=initial_choices.get(kind, False)
            )
