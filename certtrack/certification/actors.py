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
    def system(cls, what: str = "certtrack") -> "Actor":
        return cls("system", what)


SYSTEM = Actor.system()
