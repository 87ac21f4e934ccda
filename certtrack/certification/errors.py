"""What a service raises when it refuses. Each carries a message a person can read."""


class DomainError(Exception):
    """Base of all refusals; the database is unchanged when one is raised."""

    def __init__(self, message: str, **extra):
        super().__init__(message)
        self.message = message
        self.extra = extra


class NotFound(DomainError):
    """An id that does not exist (HTTP 404)."""


class Refused(DomainError):
    """An action not allowed in the current state (HTTP 409)."""


class Invalid(DomainError):
    """A field value that cannot be accepted (HTTP 422). `field` names it."""

    def __init__(self, field: str, message: str, **extra):
        super().__init__(message, field=field, **extra)
        self.field = field


class Duplicate(Invalid):
    """A value another row already has where it must be unique, e.g. a code (HTTP 409, a
    conflict as for a duplicate email; forms still show it next to `field`)."""


class BadFilter(DomainError):
    """A filter, ordering or date parameter that cannot be understood (HTTP 400)."""

    def __init__(self, parameter: str, message: str):
        super().__init__(message, parameter=parameter)
        self.parameter = parameter
