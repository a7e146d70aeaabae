"""Domain errors of licences; ``str(error)`` is always a sentence a person can act on."""


class LicenceError(Exception):
    """A licence operation that cannot be done; the message says why and what to do."""


class LicenceTransitionError(LicenceError):
    """The move is not allowed now, or not by this person."""


class LicenceNotPermitted(LicenceTransitionError):
    """This person may not make the move at all: wrong role, company or agency."""


class StaleLicence(LicenceTransitionError):
    """The caller acted on an older version of the licence than the stored one."""
