"""Emails write dates day first: "4 December 2026", not "December 4, 2026" (4 December 2026).

The rest of certtrack writes a day first (the certificate, the portal, the verification
page); the shipped email texts wrote `date:'F j, Y'`. Each template still exactly the text
shipped before gets the same text with `date:'j F Y'`; a template an administrator edited
(any of its three fields) is kept as it is. Reversed: a template still exactly the new
text gets the old one back. The texts are frozen here (not imported from `defaults`).
"""

from django.db import migrations

CHANGED = {
    "application_received": {
        "old": {
            "subject": "We received your application: {{ program.name }}",
            "text_body": (
                "Hello {{ contact.first_name }},\n"
                "\n"
                "Thank you for applying to {{ program.name }} on "
                "{{ applied_on|date:'F j, Y' }}.\n"
                "{% if program.require_approval %}Our staff will review your application "
                "and let you know.{% else %}You can start working towards the "
                "certification now.{% endif %}\n"
                "\n"
                "Follow your progress at {{ portal_url }}\n"
                "\n"
                "-- \n"
                "The certification team\n"
            ),
            "html_body": (
                "<p>Hello {{ contact.first_name }},</p>\n"
                "<p>Thank you for applying to <strong>{{ program.name }}</strong> on "
                "{{ applied_on|date:'F j, Y' }}.</p>\n"
                "<p>{% if program.require_approval %}Our staff will review your "
                "application and let you know.{% else %}You can start working towards the "
                "certification now.{% endif %}</p>\n"
                '<p><a href="{{ portal_url }}">Follow your progress</a></p>\n'
                '<p style="color:#555">The certification team</p>\n'
            ),
        },
        "new": {
            "subject": "We received your application: {{ program.name }}",
            "text_body": (
                "Hello {{ contact.first_name }},\n"
                "\n"
                "Thank you for applying to {{ program.name }} on "
                "{{ applied_on|date:'j F Y' }}.\n"
                "{% if program.require_approval %}Our staff will review your application "
                "and let you know.{% else %}You can start working towards the "
                "certification now.{% endif %}\n"
                "\n"
                "Follow your progress at {{ portal_url }}\n"
                "\n"
                "-- \n"
                "The certification team\n"
            ),
            "html_body": (
                "<p>Hello {{ contact.first_name }},</p>\n"
                "<p>Thank you for applying to <strong>{{ program.name }}</strong> on "
                "{{ applied_on|date:'j F Y' }}.</p>\n"
                "<p>{% if program.require_approval %}Our staff will review your "
                "application and let you know.{% else %}You can start working towards the "
                "certification now.{% endif %}</p>\n"
                '<p><a href="{{ portal_url }}">Follow your progress</a></p>\n'
                '<p style="color:#555">The certification team</p>\n'
            ),
        },
    },
    "new_application": {
        "old": {
            "subject": "New Certification Application: {{ contact.full_name }}, {{ program.name }}",
            "text_body": (
                "{{ contact.full_name }} <{{ contact.email }}>{% if contact.organization "
                "%} ({{ contact.organization }}){% endif %} applied to {{ program.name }} "
                "on {{ applied_on|date:'F j, Y' }}.\n"
                "\n"
                "The application waits for your approval: {{ staff_url }}\n"
            ),
            "html_body": (
                "<p><strong>{{ contact.full_name }}</strong> &lt;{{ contact.email }}&gt;{% "
                "if contact.organization %} ({{ contact.organization }}){% endif %} "
                "applied to <strong>{{ program.name }}</strong> on "
                "{{ applied_on|date:'F j, Y' }}.</p>\n"
                '<p>The application waits for your approval: <a href="'
                '{{ staff_url }}">open the back-office</a>.</p>'
            ),
        },
        "new": {
            "subject": "New Certification Application: {{ contact.full_name }}, {{ program.name }}",
            "text_body": (
                "{{ contact.full_name }} <{{ contact.email }}>{% if contact.organization "
                "%} ({{ contact.organization }}){% endif %} applied to {{ program.name }} "
                "on {{ applied_on|date:'j F Y' }}.\n"
                "\n"
                "The application waits for your approval: {{ staff_url }}\n"
            ),
            "html_body": (
                "<p><strong>{{ contact.full_name }}</strong> &lt;{{ contact.email }}&gt;{% "
                "if contact.organization %} ({{ contact.organization }}){% endif %} "
                "applied to <strong>{{ program.name }}</strong> on "
                "{{ applied_on|date:'j F Y' }}.</p>\n"
                '<p>The application waits for your approval: <a href="'
                '{{ staff_url }}">open the back-office</a>.</p>'
            ),
        },
    },
    "certification_earned": {
        "old": {
            "subject": "Congratulations: you are certified in {{ program.name }}",
            "text_body": (
                "Hello {{ contact.first_name }},\n"
                "\n"
                "Congratulations! You earned the {{ program.name }} certification on "
                "{{ activated_on|date:'F j, Y' }}.{% if expires_on %} It is valid through "
                "{{ expires_on|date:'F j, Y' }}.{% endif %}\n"
                "\n"
                "Certificate number: {{ certificate_number }}\n"
                "Download your certificate: {{ certificate_url }}\n"
                "Anyone can verify it at: {{ verification_url }}\n"
                "\n"
                "-- \n"
                "The certification team\n"
            ),
            "html_body": (
                "<p>Hello {{ contact.first_name }},</p>\n"
                "<p>Congratulations! You earned the <strong>{{ program.name }}</strong> "
                "certification on {{ activated_on|date:'F j, Y' }}.{% if expires_on %} It "
                "is valid through {{ expires_on|date:'F j, Y' }}.{% endif %}</p>\n"
                "<p>Certificate number: <strong>{{ certificate_number }}</strong></p>\n"
                '<p><a href="{{ certificate_url }}">Download your certificate</a> · <a '
                'href="{{ verification_url }}">Verification page</a></p>\n'
                '<p style="color:#555">The certification team</p>\n'
            ),
        },
        "new": {
            "subject": "Congratulations: you are certified in {{ program.name }}",
            "text_body": (
                "Hello {{ contact.first_name }},\n"
                "\n"
                "Congratulations! You earned the {{ program.name }} certification on "
                "{{ activated_on|date:'j F Y' }}.{% if expires_on %} It is valid through "
                "{{ expires_on|date:'j F Y' }}.{% endif %}\n"
                "\n"
                "Certificate number: {{ certificate_number }}\n"
                "Download your certificate: {{ certificate_url }}\n"
                "Anyone can verify it at: {{ verification_url }}\n"
                "\n"
                "-- \n"
                "The certification team\n"
            ),
            "html_body": (
                "<p>Hello {{ contact.first_name }},</p>\n"
                "<p>Congratulations! You earned the <strong>{{ program.name }}</strong> "
                "certification on {{ activated_on|date:'j F Y' }}.{% if expires_on %} It "
                "is valid through {{ expires_on|date:'j F Y' }}.{% endif %}</p>\n"
                "<p>Certificate number: <strong>{{ certificate_number }}</strong></p>\n"
                '<p><a href="{{ certificate_url }}">Download your certificate</a> · <a '
                'href="{{ verification_url }}">Verification page</a></p>\n'
                '<p style="color:#555">The certification team</p>\n'
            ),
        },
    },
    "certification_expiring": {
        "old": {
            "subject": (
                "Certification Expiring: {{ program.name }} on {{ expires_on|date:'F j, Y' }}"
            ),
            "text_body": (
                "Hello {{ contact.first_name }},\n"
                "\n"
                "Your {{ program.name }} certification expires on "
                "{{ expires_on|date:'F j, Y' }} ({{ days_left }} day"
                "{{ days_left|pluralize }} from now).\n"
                "Renew it before then to stay certified.\n"
                "\n"
                "Your certifications: {{ portal_url }}\n"
                "\n"
                "-- \n"
                "The certification team\n"
            ),
            "html_body": (
                "<p>Hello {{ contact.first_name }},</p>\n"
                "<p>Your <strong>{{ program.name }}</strong> certification expires on "
                "<strong>{{ expires_on|date:'F j, Y' }}</strong> ({{ days_left }} day"
                "{{ days_left|pluralize }} from now). Renew it before then to stay "
                "certified.</p>\n"
                '<p><a href="{{ portal_url }}">Your certifications</a></p>\n'
                '<p style="color:#555">The certification team</p>\n'
            ),
        },
        "new": {
            "subject": (
                "Certification Expiring: {{ program.name }} on {{ expires_on|date:'j F Y' }}"
            ),
            "text_body": (
                "Hello {{ contact.first_name }},\n"
                "\n"
                "Your {{ program.name }} certification expires on "
                "{{ expires_on|date:'j F Y' }} ({{ days_left }} day"
                "{{ days_left|pluralize }} from now).\n"
                "Renew it before then to stay certified.\n"
                "\n"
                "Your certifications: {{ portal_url }}\n"
                "\n"
                "-- \n"
                "The certification team\n"
            ),
            "html_body": (
                "<p>Hello {{ contact.first_name }},</p>\n"
                "<p>Your <strong>{{ program.name }}</strong> certification expires on "
                "<strong>{{ expires_on|date:'j F Y' }}</strong> ({{ days_left }} day"
                "{{ days_left|pluralize }} from now). Renew it before then to stay "
                "certified.</p>\n"
                '<p><a href="{{ portal_url }}">Your certifications</a></p>\n'
                '<p style="color:#555">The certification team</p>\n'
            ),
        },
    },
    "certification_expired": {
        "old": {
            "subject": "Your {{ program.name }} certification has expired",
            "text_body": (
                "Hello {{ contact.first_name }},\n"
                "\n"
                "Your {{ program.name }} certification expired on "
                "{{ expires_on|date:'F j, Y' }}.\n"
                "To be certified again, renew it: {{ portal_url }}\n"
                "\n"
                "-- \n"
                "The certification team\n"
            ),
            "html_body": (
                "<p>Hello {{ contact.first_name }},</p>\n"
                "<p>Your <strong>{{ program.name }}</strong> certification expired on "
                "{{ expires_on|date:'F j, Y' }}.</p>\n"
                '<p>To be certified again, <a href="{{ portal_url }}">renew it</a>.</p>\n'
                '<p style="color:#555">The certification team</p>\n'
            ),
        },
        "new": {
            "subject": "Your {{ program.name }} certification has expired",
            "text_body": (
                "Hello {{ contact.first_name }},\n"
                "\n"
                "Your {{ program.name }} certification expired on "
                "{{ expires_on|date:'j F Y' }}.\n"
                "To be certified again, renew it: {{ portal_url }}\n"
                "\n"
                "-- \n"
                "The certification team\n"
            ),
            "html_body": (
                "<p>Hello {{ contact.first_name }},</p>\n"
                "<p>Your <strong>{{ program.name }}</strong> certification expired on "
                "{{ expires_on|date:'j F Y' }}.</p>\n"
                '<p>To be certified again, <a href="{{ portal_url }}">renew it</a>.</p>\n'
                '<p style="color:#555">The certification team</p>\n'
            ),
        },
    },
    "completion_rejected": {
        "old": {
            "subject": "Your {{ component.name }} completion was not accepted",
            "text_body": (
                "Hello {{ contact.first_name }},\n"
                "\n"
                "The completion of {{ component.name }} you reported for "
                "{{ completed_on|date:'F j, Y' }} was not accepted, so it does not count "
                "toward {{ program.name }}.\n"
                "{% if reason %}The reason: {{ reason }}\n"
                "{% endif %}\n"
                "See what is still needed: {{ portal_url }}\n"
                "\n"
                "-- \n"
                "The certification team\n"
            ),
            "html_body": (
                "<p>Hello {{ contact.first_name }},</p>\n"
                "<p>The completion of <strong>{{ component.name }}</strong> you reported "
                "for {{ completed_on|date:'F j, Y' }} was not accepted, so it does not "
                "count toward <strong>{{ program.name }}</strong>.</p>\n"
                "{% if reason %}<p>The reason: {{ reason }}</p>\n"
                '{% endif %}<p><a href="{{ portal_url }}">See what is still needed</a></p>\n'
                '<p style="color:#555">The certification team</p>\n'
            ),
        },
        "new": {
            "subject": "Your {{ component.name }} completion was not accepted",
            "text_body": (
                "Hello {{ contact.first_name }},\n"
                "\n"
                "The completion of {{ component.name }} you reported for "
                "{{ completed_on|date:'j F Y' }} was not accepted, so it does not count "
                "toward {{ program.name }}.\n"
                "{% if reason %}The reason: {{ reason }}\n"
                "{% endif %}\n"
                "See what is still needed: {{ portal_url }}\n"
                "\n"
                "-- \n"
                "The certification team\n"
            ),
            "html_body": (
                "<p>Hello {{ contact.first_name }},</p>\n"
                "<p>The completion of <strong>{{ component.name }}</strong> you reported "
                "for {{ completed_on|date:'j F Y' }} was not accepted, so it does not "
                "count toward <strong>{{ program.name }}</strong>.</p>\n"
                "{% if reason %}<p>The reason: {{ reason }}</p>\n"
                '{% endif %}<p><a href="{{ portal_url }}">See what is still needed</a></p>\n'
                '<p style="color:#555">The certification team</p>\n'
            ),
        },
    },
    "certification_renewed": {
        "old": {
            "subject": "Your {{ program.name }} certification is renewed",
            "text_body": (
                "Hello {{ contact.first_name }},\n"
                "\n"
                "Your {{ program.name }} certification is renewed: the new period runs "
                "from {{ activated_on|date:'F j, Y' }}{% if expires_on %} through "
                "{{ expires_on|date:'F j, Y' }}{% endif %}.\n"
                "\n"
                "Certificate number: {{ certificate_number }}\n"
                "Download your new certificate: {{ certificate_url }}\n"
                "Anyone can verify it at: {{ verification_url }}\n"
                "\n"
                "-- \n"
                "The certification team\n"
            ),
            "html_body": (
                "<p>Hello {{ contact.first_name }},</p>\n"
                "<p>Your <strong>{{ program.name }}</strong> certification is renewed: the "
                "new period runs from {{ activated_on|date:'F j, Y' }}{% if expires_on %} "
                "through {{ expires_on|date:'F j, Y' }}{% endif %}.</p>\n"
                "<p>Certificate number: <strong>{{ certificate_number }}</strong></p>\n"
                '<p><a href="{{ certificate_url }}">Download your new certificate</a> · <a '
                'href="{{ verification_url }}">Verification page</a></p>\n'
                '<p style="color:#555">The certification team</p>\n'
            ),
        },
        "new": {
            "subject": "Your {{ program.name }} certification is renewed",
            "text_body": (
                "Hello {{ contact.first_name }},\n"
                "\n"
                "Your {{ program.name }} certification is renewed: the new period runs "
                "from {{ activated_on|date:'j F Y' }}{% if expires_on %} through "
                "{{ expires_on|date:'j F Y' }}{% endif %}.\n"
                "\n"
                "Certificate number: {{ certificate_number }}\n"
                "Download your new certificate: {{ certificate_url }}\n"
                "Anyone can verify it at: {{ verification_url }}\n"
                "\n"
                "-- \n"
                "The certification team\n"
            ),
            "html_body": (
                "<p>Hello {{ contact.first_name }},</p>\n"
                "<p>Your <strong>{{ program.name }}</strong> certification is renewed: the "
                "new period runs from {{ activated_on|date:'j F Y' }}{% if expires_on %} "
                "through {{ expires_on|date:'j F Y' }}{% endif %}.</p>\n"
                "<p>Certificate number: <strong>{{ certificate_number }}</strong></p>\n"
                '<p><a href="{{ certificate_url }}">Download your new certificate</a> · <a '
                'href="{{ verification_url }}">Verification page</a></p>\n'
                '<p style="color:#555">The certification team</p>\n'
            ),
        },
    },
    "renewal_review_required": {
        "old": {
            "subject": "Renewal awaiting review: {{ contact.full_name }}, {{ program.name }}",
            "text_body": (
                "{{ contact.full_name }} <{{ contact.email }}> has met the renewal "
                "requirements of {{ program.name }} (certified through "
                "{{ expires_on|date:'F j, Y' }}).\n"
                "\n"
                "The renewal waits for your approval: {{ staff_url }}\n"
            ),
            "html_body": (
                "<p><strong>{{ contact.full_name }}</strong> &lt;{{ contact.email }}&gt; "
                "has met the renewal requirements of <strong>{{ program.name }}</strong> "
                "(certified through {{ expires_on|date:'F j, Y' }}).</p>\n"
                '<p>The renewal waits for your approval: <a href="{{ staff_url }}">open '
                "the back-office</a>.</p>"
            ),
        },
        "new": {
            "subject": "Renewal awaiting review: {{ contact.full_name }}, {{ program.name }}",
            "text_body": (
                "{{ contact.full_name }} <{{ contact.email }}> has met the renewal "
                "requirements of {{ program.name }} (certified through "
                "{{ expires_on|date:'j F Y' }}).\n"
                "\n"
                "The renewal waits for your approval: {{ staff_url }}\n"
            ),
            "html_body": (
                "<p><strong>{{ contact.full_name }}</strong> &lt;{{ contact.email }}&gt; "
                "has met the renewal requirements of <strong>{{ program.name }}</strong> "
                "(certified through {{ expires_on|date:'j F Y' }}).</p>\n"
                '<p>The renewal waits for your approval: <a href="{{ staff_url }}">open '
                "the back-office</a>.</p>"
            ),
        },
    },
    "renewal_rejected": {
        "old": {
            "subject": "Your {{ program.name }} renewal",
            "text_body": (
                "Hello {{ contact.first_name }},\n"
                "\n"
                "We are sorry: the renewal of your {{ program.name }} certification was "
                "not approved.\n"
                "{% if reason %}The reason: {{ reason }}\n"
                "{% endif %}Your certification is valid through "
                "{{ expires_on|date:'F j, Y' }}; see what the renewal still needs at "
                "{{ portal_url }}\n"
                "\n"
                "-- \n"
                "The certification team\n"
            ),
            "html_body": (
                "<p>Hello {{ contact.first_name }},</p>\n"
                "<p>We are sorry: the renewal of your <strong>{{ program.name }}</strong> "
                "certification was not approved.</p>\n"
                "{% if reason %}<p>The reason: {{ reason }}</p>\n"
                "{% endif %}<p>Your certification is valid through "
                "{{ expires_on|date:'F j, Y' }}; <a href=\"{{ portal_url }}\">see what the "
                "renewal still needs</a>.</p>\n"
                '<p style="color:#555">The certification team</p>\n'
            ),
        },
        "new": {
            "subject": "Your {{ program.name }} renewal",
            "text_body": (
                "Hello {{ contact.first_name }},\n"
                "\n"
                "We are sorry: the renewal of your {{ program.name }} certification was "
                "not approved.\n"
                "{% if reason %}The reason: {{ reason }}\n"
                "{% endif %}Your certification is valid through "
                "{{ expires_on|date:'j F Y' }}; see what the renewal still needs at "
                "{{ portal_url }}\n"
                "\n"
                "-- \n"
                "The certification team\n"
            ),
            "html_body": (
                "<p>Hello {{ contact.first_name }},</p>\n"
                "<p>We are sorry: the renewal of your <strong>{{ program.name }}</strong> "
                "certification was not approved.</p>\n"
                "{% if reason %}<p>The reason: {{ reason }}</p>\n"
                "{% endif %}<p>Your certification is valid through "
                "{{ expires_on|date:'j F Y' }}; <a href=\"{{ portal_url }}\">see what the "
                "renewal still needs</a>.</p>\n"
                '<p style="color:#555">The certification team</p>\n'
            ),
        },
    },
}


def day_first(apps, schema_editor) -> None:
    EmailTemplate = apps.get_model("notifications", "EmailTemplate")
    for kind, texts in CHANGED.items():
        EmailTemplate.objects.filter(kind=kind, **texts["old"]).update(**texts["new"])


def month_first(apps, schema_editor) -> None:
    EmailTemplate = apps.get_model("notifications", "EmailTemplate")
    for kind, texts in CHANGED.items():
        EmailTemplate.objects.filter(kind=kind, **texts["new"]).update(**texts["old"])


class Migration(migrations.Migration):
    dependencies = [("notifications", "0009_kinds_reminder_and_staff")]

    operations = [migrations.RunPython(day_first, month_first)]
