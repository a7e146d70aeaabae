"""The verification run's badge words, from ``eport.audit.run_state`` (the pages' one source)."""

from django import template

from eport.audit.run_state import RunState
from eport.audit.run_state import run_state as state_of

register = template.Library()


@register.simple_tag
def run_state(run, waiting_for_broker: bool = False) -> RunState:
    """``{% run_state run as state %}``: the run's badge and progress line as they are now."""
    return state_of(run, waiting_for_broker=bool(waiting_for_broker))
