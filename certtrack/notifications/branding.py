"""The organization's name on every email: the sender's display name and a footer
(PRODUCT.md §9 branding). Applied at send time, so a name changed today is on the next
email, whatever its template says."""

from email.utils import formataddr, parseaddr
from functools import lru_cache

from django.utils.html import escape

from certtrack.certification.models import GeneralSettings


def sender(from_email: str, general: GeneralSettings) -> str:
    """CERTTRACK_FROM_EMAIL under the organization's name, unless it already names someone."""
    return _sender(from_email, general.organization_name)


@lru_cache(maxsize=16)  # once per name, not once per email sent
def _sender(from_email: str, organization_name: str) -> str:
    name, address = parseaddr(from_email)
    if name or not organization_name or not address:
        return from_email
    return formataddr((organization_name, address))


def email_footer(text: str, html: str, general: GeneralSettings) -> tuple[str, str]:
    """The plain and HTML bodies with the organization's name as their last line."""
    name = general.organization_name
    if not name:
        return text, html
    body = text.rstrip()
    if body.endswith("\n-- \nThe certification team"):
        # The shipped templates' own sign-off: one signature, not two (a member's trial).
        text = f"{body}\n{name}\n"
    else:
        text = f"{body}\n\n-- \n{name}\n"
    if html:
        footer = f'<p style="color:#6b7280;font-size:12px">{escape(name)}</p>'
        html = html.replace("</body>", footer + "</body>") if "</body>" in html else html + footer
    return text, html
