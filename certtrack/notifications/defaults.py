"""The templates certtrack ships with: a good first version of every email of §4.

Placeholders (Django template syntax): {{ contact.first_name }}, {{ contact.full_name }},
{{ program.name }}, {{ status }}, {{ applied_on }}, {{ activated_on }}, {{ expires_on }},
{{ days_left }}, {{ certificate_number }}, {{ certificate_url }}, {{ verification_url }},
{{ portal_url }}, {{ staff_url }}, and where the email follows a staff decision
{{ reason }}; {{ component.name }} and {{ completed_on }} for a rejected completion;
{{ period }} (the period's number) for a renewal.

Plain data, keyed by the kind's id (models.Kind), importing nothing: rendering and the
back-office read it, and nothing here reads them back. The migrations hold their own
frozen copies (0002, 0006, 0010): a text changed here reaches an existing database only
through a new data migration that carries the new text.
"""

_SIGN_OFF = "\n\n-- \nThe certification team\n"
_HTML_FOOT = '\n<p style="color:#555">The certification team</p>\n'

DEFAULTS: dict[str, dict[str, str]] = {
    "application_received": {
        "subject": "We received your application: {{ program.name }}",
        "text_body": (
            "Hello {{ contact.first_name }},\n\n"
            "Thank you for applying to {{ program.name }} on {{ applied_on|date:'j F Y' }}.\n"
            "{% if program.require_approval %}Our staff will review your application "
            "and let you know.{% else %}You can start working towards the certification "
            "now.{% endif %}\n\n"
            "Follow your progress at {{ portal_url }}" + _SIGN_OFF
        ),
        "html_body": (
            "<p>Hello {{ contact.first_name }},</p>\n"
            "<p>Thank you for applying to <strong>{{ program.name }}</strong> on "
            "{{ applied_on|date:'j F Y' }}.</p>\n"
            "<p>{% if program.require_approval %}Our staff will review your application "
            "and let you know.{% else %}You can start working towards the certification "
            "now.{% endif %}</p>\n"
            '<p><a href="{{ portal_url }}">Follow your progress</a></p>' + _HTML_FOOT
        ),
    },
    "new_application": {
        "subject": "New Certification Application: {{ contact.full_name }}, {{ program.name }}",
        "text_body": (
            "{{ contact.full_name }} <{{ contact.email }}>"
            "{% if contact.organization %} ({{ contact.organization }}){% endif %} "
            "applied to {{ program.name }} on {{ applied_on|date:'j F Y' }}.\n\n"
            "The application waits for your approval: {{ staff_url }}\n"
        ),
        "html_body": (
            "<p><strong>{{ contact.full_name }}</strong> &lt;{{ contact.email }}&gt;"
            "{% if contact.organization %} ({{ contact.organization }}){% endif %} "
            "applied to <strong>{{ program.name }}</strong> on "
            "{{ applied_on|date:'j F Y' }}.</p>\n"
            '<p>The application waits for your approval: <a href="{{ staff_url }}">'
            "open the back-office</a>.</p>"
        ),
    },
    "application_approved": {
        "subject": "Your application to {{ program.name }} is approved",
        "text_body": (
            "Hello {{ contact.first_name }},\n\n"
            "Good news: your application to {{ program.name }} is approved. "
            "You can start working towards the certification now.\n\n"
            "See what to do next at {{ portal_url }}" + _SIGN_OFF
        ),
        "html_body": (
            "<p>Hello {{ contact.first_name }},</p>\n"
            "<p>Good news: your application to <strong>{{ program.name }}</strong> is approved. "
            "You can start working towards the certification now.</p>\n"
            '<p><a href="{{ portal_url }}">See what to do next</a></p>' + _HTML_FOOT
        ),
    },
    "application_declined": {
        "subject": "Your application to {{ program.name }}",
        "text_body": (
            "Hello {{ contact.first_name }},\n\n"
            "We are sorry: your application to {{ program.name }} was not approved.\n"
            "{% if reason %}The reason: {{ reason }}\n{% endif %}"
            "You may apply again at any time at {{ portal_url }}" + _SIGN_OFF
        ),
        "html_body": (
            "<p>Hello {{ contact.first_name }},</p>\n"
            "<p>We are sorry: your application to <strong>{{ program.name }}</strong> was not "
            "approved.</p>\n{% if reason %}<p>The reason: {{ reason }}</p>\n{% endif %}"
            '<p>You may <a href="{{ portal_url }}">apply again</a> at any time.</p>' + _HTML_FOOT
        ),
    },
    "admin_review_required": {
        "subject": "Admin Review Required: {{ contact.full_name }}, {{ program.name }}",
        "text_body": (
            "{{ contact.full_name }} <{{ contact.email }}> has met every requirement of "
            "{{ program.name }}.\n\n"
            "The certification waits for an administrator's approval: {{ staff_url }}\n"
        ),
        "html_body": (
            "<p><strong>{{ contact.full_name }}</strong> &lt;{{ contact.email }}&gt; has met "
            "every requirement of <strong>{{ program.name }}</strong>.</p>\n"
            "<p>The certification waits for an administrator's approval: "
            '<a href="{{ staff_url }}">open the back-office</a>.</p>'
        ),
    },
    "certification_earned": {
        "subject": "Congratulations: you are certified in {{ program.name }}",
        "text_body": (
            "Hello {{ contact.first_name }},\n\n"
            "Congratulations! You earned the {{ program.name }} certification on "
            "{{ activated_on|date:'j F Y' }}."
            "{% if expires_on %} It is valid through {{ expires_on|date:'j F Y' }}.{% endif %}\n\n"
            "Certificate number: {{ certificate_number }}\n"
            "Download your certificate: {{ certificate_url }}\n"
            "Anyone can verify it at: {{ verification_url }}" + _SIGN_OFF
        ),
        "html_body": (
            "<p>Hello {{ contact.first_name }},</p>\n"
            "<p>Congratulations! You earned the <strong>{{ program.name }}</strong> "
            "certification on {{ activated_on|date:'j F Y' }}."
            "{% if expires_on %} It is valid through {{ expires_on|date:'j F Y' }}.{% endif %}"
            "</p>\n<p>Certificate number: <strong>{{ certificate_number }}</strong></p>\n"
            '<p><a href="{{ certificate_url }}">Download your certificate</a> · '
            '<a href="{{ verification_url }}">Verification page</a></p>' + _HTML_FOOT
        ),
    },
    "certification_expiring": {
        "subject": "Certification Expiring: {{ program.name }} on {{ expires_on|date:'j F Y' }}",
        "text_body": (
            "Hello {{ contact.first_name }},\n\n"
            "Your {{ program.name }} certification expires on {{ expires_on|date:'j F Y' }} "
            "({{ days_left }} day{{ days_left|pluralize }} from now).\n"
            "Renew it before then to stay certified.\n\n"
            "Your certifications: {{ portal_url }}" + _SIGN_OFF
        ),
        "html_body": (
            "<p>Hello {{ contact.first_name }},</p>\n"
            "<p>Your <strong>{{ program.name }}</strong> certification expires on "
            "<strong>{{ expires_on|date:'j F Y' }}</strong> "
            "({{ days_left }} day{{ days_left|pluralize }} from now). "
            "Renew it before then to stay certified.</p>\n"
            '<p><a href="{{ portal_url }}">Your certifications</a></p>' + _HTML_FOOT
        ),
    },
    "certification_expired": {
        "subject": "Your {{ program.name }} certification has expired",
        "text_body": (
            "Hello {{ contact.first_name }},\n\n"
            "Your {{ program.name }} certification expired on "
            "{{ expires_on|date:'j F Y' }}.\n"
            "To be certified again, renew it: {{ portal_url }}" + _SIGN_OFF
        ),
        "html_body": (
            "<p>Hello {{ contact.first_name }},</p>\n"
            "<p>Your <strong>{{ program.name }}</strong> certification expired on "
            "{{ expires_on|date:'j F Y' }}.</p>\n"
            '<p>To be certified again, <a href="{{ portal_url }}">renew it</a>.</p>' + _HTML_FOOT
        ),
    },
    "completion_rejected": {
        "subject": "Your {{ component.name }} completion was not accepted",
        "text_body": (
            "Hello {{ contact.first_name }},\n\n"
            "The completion of {{ component.name }} you reported for "
            "{{ completed_on|date:'j F Y' }} was not accepted, so it does not count toward "
            "{{ program.name }}.\n"
            "{% if reason %}The reason: {{ reason }}\n{% endif %}\n"
            "See what is still needed: {{ portal_url }}" + _SIGN_OFF
        ),
        "html_body": (
            "<p>Hello {{ contact.first_name }},</p>\n"
            "<p>The completion of <strong>{{ component.name }}</strong> you reported for "
            "{{ completed_on|date:'j F Y' }} was not accepted, so it does not count toward "
            "<strong>{{ program.name }}</strong>.</p>\n"
            "{% if reason %}<p>The reason: {{ reason }}</p>\n{% endif %}"
            '<p><a href="{{ portal_url }}">See what is still needed</a></p>' + _HTML_FOOT
        ),
    },
    "certification_suspended": {
        "subject": "Your {{ program.name }} certification is suspended",
        "text_body": (
            "Hello {{ contact.first_name }},\n\n"
            "Your {{ program.name }} certification ({{ certificate_number }}) is suspended: "
            'until it is reactivated, its verification page answers "suspended".\n'
            "{% if reason %}The reason: {{ reason }}\n{% endif %}\n"
            "Your certifications: {{ portal_url }}" + _SIGN_OFF
        ),
        "html_body": (
            "<p>Hello {{ contact.first_name }},</p>\n"
            "<p>Your <strong>{{ program.name }}</strong> certification ({{ certificate_number }}) "
            "is suspended: until it is reactivated, its verification page answers "
            "&ldquo;suspended&rdquo;.</p>\n"
            "{% if reason %}<p>The reason: {{ reason }}</p>\n{% endif %}"
            '<p><a href="{{ portal_url }}">Your certifications</a></p>' + _HTML_FOOT
        ),
    },
    "certification_renewed": {
        "subject": "Your {{ program.name }} certification is renewed",
        "text_body": (
            "Hello {{ contact.first_name }},\n\n"
            "Your {{ program.name }} certification is renewed: the new period runs from "
            "{{ activated_on|date:'j F Y' }}"
            "{% if expires_on %} through {{ expires_on|date:'j F Y' }}{% endif %}.\n\n"
            "Certificate number: {{ certificate_number }}\n"
            "Download your new certificate: {{ certificate_url }}\n"
            "Anyone can verify it at: {{ verification_url }}" + _SIGN_OFF
        ),
        "html_body": (
            "<p>Hello {{ contact.first_name }},</p>\n"
            "<p>Your <strong>{{ program.name }}</strong> certification is renewed: the new "
            "period runs from {{ activated_on|date:'j F Y' }}"
            "{% if expires_on %} through {{ expires_on|date:'j F Y' }}{% endif %}.</p>\n"
            "<p>Certificate number: <strong>{{ certificate_number }}</strong></p>\n"
            '<p><a href="{{ certificate_url }}">Download your new certificate</a> · '
            '<a href="{{ verification_url }}">Verification page</a></p>' + _HTML_FOOT
        ),
    },
    "renewal_review_required": {
        "subject": "Renewal awaiting review: {{ contact.full_name }}, {{ program.name }}",
        "text_body": (
            "{{ contact.full_name }} <{{ contact.email }}> has met the renewal requirements "
            "of {{ program.name }} (certified through {{ expires_on|date:'j F Y' }}).\n\n"
            "The renewal waits for your approval: {{ staff_url }}\n"
        ),
        "html_body": (
            "<p><strong>{{ contact.full_name }}</strong> &lt;{{ contact.email }}&gt; has met "
            "the renewal requirements of <strong>{{ program.name }}</strong> (certified "
            "through {{ expires_on|date:'j F Y' }}).</p>\n"
            '<p>The renewal waits for your approval: <a href="{{ staff_url }}">'
            "open the back-office</a>.</p>"
        ),
    },
    "renewal_rejected": {
        "subject": "Your {{ program.name }} renewal",
        "text_body": (
            "Hello {{ contact.first_name }},\n\n"
            "We are sorry: the renewal of your {{ program.name }} certification was not "
            "approved.\n{% if reason %}The reason: {{ reason }}\n{% endif %}"
            "Your certification is valid through {{ expires_on|date:'j F Y' }}; see what "
            "the renewal still needs at {{ portal_url }}" + _SIGN_OFF
        ),
        "html_body": (
            "<p>Hello {{ contact.first_name }},</p>\n"
            "<p>We are sorry: the renewal of your <strong>{{ program.name }}</strong> "
            "certification was not approved.</p>\n"
            "{% if reason %}<p>The reason: {{ reason }}</p>\n{% endif %}"
            "<p>Your certification is valid through {{ expires_on|date:'j F Y' }}; "
            '<a href="{{ portal_url }}">see what the renewal still needs</a>.</p>' + _HTML_FOOT
        ),
    },
    "enrollment_cancelled": {
        "subject": "Your {{ program.name }} enrollment is cancelled",
        "text_body": (
            "Hello {{ contact.first_name }},\n\n"
            "Your enrollment in {{ program.name }} is cancelled"
            "{% if certificate_number %}, and certificate {{ certificate_number }} is "
            "revoked{% endif %}.\n{% if reason %}The reason: {{ reason }}\n{% endif %}"
            "\nYour certifications: {{ portal_url }}" + _SIGN_OFF
        ),
        "html_body": (
            "<p>Hello {{ contact.first_name }},</p>\n"
            "<p>Your enrollment in <strong>{{ program.name }}</strong> is cancelled"
            "{% if certificate_number %}, and certificate {{ certificate_number }} is "
            "revoked{% endif %}.</p>\n{% if reason %}<p>The reason: {{ reason }}</p>\n{% endif %}"
            '<p><a href="{{ portal_url }}">Your certifications</a></p>' + _HTML_FOOT
        ),
    },
    "returned_for_more_work": {
        "subject": "{{ program.name }}: more work is needed",
        "text_body": (
            "Hello {{ contact.first_name }},\n\n"
            "Our staff reviewed your work toward {{ program.name }} and returned it: more "
            "work is needed before the certification.\n"
            "{% if reason %}The reason: {{ reason }}\n{% endif %}\n"
            "See what is still needed: {{ portal_url }}" + _SIGN_OFF
        ),
        "html_body": (
            "<p>Hello {{ contact.first_name }},</p>\n"
            "<p>Our staff reviewed your work toward <strong>{{ program.name }}</strong> and "
            "returned it: more work is needed before the certification.</p>\n"
            "{% if reason %}<p>The reason: {{ reason }}</p>\n{% endif %}"
            '<p><a href="{{ portal_url }}">See what is still needed</a></p>' + _HTML_FOOT
        ),
    },
}
