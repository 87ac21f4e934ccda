"""Who made a change, as History records it."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    kind: str  # "staff", "contact", "system", "api"
    label: str
    user_id: int | None = None

    @classmethod
    def staff(cls, user) -> "Actor":
        return cls("staff", user.email, user.pk)

    @classmethod
    def api(cls, token) -> "Actor":
        return cls("api", f"API: {token.name} ({token.user.email})", token.user_id)

    @classmethod
    def contact(cls, contact) -> "Actor":
        return cls("contact", f"{contact.full_name} <{contact.email}>")

    @classmethod
    def importer(cls, by: "Actor | None" = None) -> "Actor":
        """An import (History's source `import`), by the staff user or token who ran it."""
        if by is None:
            return cls("import", "import (command line)")
        return cls("import", f"import by {by.label}", by.user_id)

    @classmethod
    def system(cls, what: str = "certtrack") -> "Actor":
        return cls("system", what)


SYSTEM = Actor.system()
