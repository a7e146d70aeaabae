"""Domain errors of declarations; ``str(error)`` is always a sentence a person can act on."""


class DeclarationError(Exception):
    """A declaration operation that cannot be done; the message says why and what to do."""


class TransitionError(DeclarationError):
    """The move is not allowed now, or not by this person."""


class StaleError(TransitionError):
    """The caller acted on an older version of the declaration than the stored one."""


class NotPermitted(TransitionError):
    """This person may not make the move at all: wrong role, company or office."""
