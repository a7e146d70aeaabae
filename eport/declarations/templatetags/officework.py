"""The office queue's bulk-action bar: its moves' labels and the colleagues to reassign to."""

from django import template

from eport.declarations import lifecycle, selectors

register = template.Library()


@register.inclusion_tag("declarations/_bulk.html", takes_context=True)
def bulk_actions(context) -> dict:
    user = context["user"]
    return {
        "user": user,
        "take": lifecycle.MOVES["take"],
        "reassign": lifecycle.MOVES["reassign"],
        "colleagues": list(selectors.colleagues_for(user)),
    }
