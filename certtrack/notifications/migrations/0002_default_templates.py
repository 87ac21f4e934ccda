"""Ship the default text of every email (kept if an administrator already edited one).

The texts are frozen here, as they were before issue 14 (not imported from `defaults`,
which later migrations and edits change): this migration means the same forever. Later
migrations ship the emails added since (0006) and the texts changed since.
"""

from django.db import migrations

DEFAULTS = {
    "application_received": {
        "subject": (
            'We received your application: {{ program.name }}'
        ),
        "text_body": (
            'Hello {{ contact.first_name }},\n'
            '\n'
            "Thank you for applying to {{ program.name }} on {{ applied_on|date:'F j, Y' }}.\n"
            '{% if program.require_approval %}Our staff will review your application and let you know.{% else %}You can start working towards the certification now.{% endif %}\n'
            '\n'
            'Follow your progress at {{ portal_url }}\n'
            '\n'
            '-- \n'
            'The certification team\n'
        ),
        "html_body": (
            '<p>Hello {{ contact.first_name }},</p>\n'
            "<p>Thank you for applying to <strong>{{ program.name }}</strong> on {{ applied_on|date:'F j, Y' }}.</p>\n"
            '<p>{% if program.require_approval %}Our staff will review your application and let you know.{% else %}You can start working towards the certification now.{% endif %}</p>\n'
            '<p><a href="{{ portal_url }}">Follow your progress</a></p>\n'
            '<p style="color:#555">The certification team</p>\n'
        ),
    },
    "new_application": {
        "subject": (
            'New Certification Application: {{ contact.full_name }}, {{ program.name }}'
        ),
        "text_body": (
            "{{ contact.full_name }} <{{ contact.email }}>{% if contact.organization %} ({{ contact.organization }}){% endif %} applied to {{ program.name }} on {{ applied_on|date:'F j, Y' }}.\n"
            '\n'
            'The application waits for your approval: {{ staff_url }}\n'
        ),
        "html_body": (
            "<p><strong>{{ contact.full_name }}</strong> &lt;{{ contact.email }}&gt;{% if contact.organization %} ({{ contact.organization }}){% endif %} applied to <strong>{{ program.name }}</strong> on {{ applied_on|date:'F j, Y' }}.</p>\n"
            '<p>The application waits for your approval: <a href="{{ staff_url }}">open the back-office</a>.</p>'
        ),
    },
    "application_approved": {
        "subject": (
            'Your application to {{ program.name }} is approved'
        ),
        "text_body": (
            'Hello {{ contact.first_name }},\n'
            '\n'
            'Good news: your application to {{ program.name }} is approved. You can start working towards the certification now.\n'
            '\n'
            'See what to do next at {{ portal_url }}\n'
            '\n'
            '-- \n'
            'The certification team\n'
        ),
        "html_body": (
            '<p>Hello {{ contact.first_name }},</p>\n'
            '<p>Good news: your application to <strong>{{ program.name }}</strong> is approved. You can start working towards the certification now.</p>\n'
            '<p><a href="{{ portal_url }}">See what to do next</a></p>\n'
            '<p style="color:#555">The certification team</p>\n'
        ),
    },
    "application_declined": {
        "subject": (
            'Your application to {{ program.name }}'
        ),
        "text_body": (
            'Hello {{ contact.first_name }},\n'
            '\n'
            'We are sorry: your application to {{ program.name }} was not approved.\n'
            'You may apply again at any time at {{ portal_url }}\n'
            '\n'
            '-- \n'
            'The certification team\n'
        ),
        "html_body": (
            '<p>Hello {{ contact.first_name }},</p>\n'
            '<p>We are sorry: your application to <strong>{{ program.name }}</strong> was not approved. You may <a href="{{ portal_url }}">apply again</a> at any time.</p>\n'
            '<p style="color:#555">The certification team</p>\n'
        ),
    },
    "admin_review_required": {
        "subject": (
            'Admin Review Required: {{ contact.full_name }}, {{ program.name }}'
        ),
        "text_body": (
            '{{ contact.full_name }} <{{ contact.email }}> has met every requirement of {{ program.name }}.\n'
            '\n'
            "The certification waits for an administrator's approval: {{ staff_url }}\n"
        ),
        "html_body": (
            '<p><strong>{{ contact.full_name }}</strong> &lt;{{ contact.email }}&gt; has met every requirement of <strong>{{ program.name }}</strong>.</p>\n'
            '<p>The certification waits for an administrator\'s approval: <a href="{{ staff_url }}">open the back-office</a>.</p>'
        ),
    },
    "certification_earned": {
        "subject": (
            'Congratulations: you are certified in {{ program.name }}'
        ),
        "text_body": (
            'Hello {{ contact.first_name }},\n'
            '\n'
            "Congratulations! You earned the {{ program.name }} certification on {{ activated_on|date:'F j, Y' }}.{% if expires_on %} It is valid through {{ expires_on|date:'F j, Y' }}.{% endif %}\n"
            '\n'
            'Certificate number: {{ certificate_number }}\n'
            'Download your certificate: {{ certificate_url }}\n'
            'Anyone can verify it at: {{ verification_url }}\n'
            '\n'
            '-- \n'
            'The certification team\n'
        ),
        "html_body": (
            '<p>Hello {{ contact.first_name }},</p>\n'
            "<p>Congratulations! You earned the <strong>{{ program.name }}</strong> certification on {{ activated_on|date:'F j, Y' }}.{% if expires_on %} It is valid through {{ expires_on|date:'F j, Y' }}.{% endif %}</p>\n"
            '<p>Certificate number: <strong>{{ certificate_number }}</strong></p>\n'
            '<p><a href="{{ certificate_url }}">Download your certificate</a> · <a href="{{ verification_url }}">Verification page</a></p>\n'
            '<p style="color:#555">The certification team</p>\n'
        ),
    },
    "certification_expiring": {
        "subject": (
            "Certification Expiring: {{ program.name }} on {{ expires_on|date:'F j, Y' }}"
        ),
        "text_body": (
            'Hello {{ contact.first_name }},\n'
            '\n'
            "Your {{ program.name }} certification expires on {{ expires_on|date:'F j, Y' }} ({{ days_left }} day{{ days_left|pluralize }} from now).\n"
            'Renew it before then to stay certified.\n'
            '\n'
            'Your certifications: {{ portal_url }}\n'
            '\n'
            '-- \n'
            'The certification team\n'
        ),
        "html_body": (
            '<p>Hello {{ contact.first_name }},</p>\n'
            "<p>Your <strong>{{ program.name }}</strong> certification expires on <strong>{{ expires_on|date:'F j, Y' }}</strong> ({{ days_left }} day{{ days_left|pluralize }} from now). Renew it before then to stay certified.</p>\n"
            '<p><a href="{{ portal_url }}">Your certifications</a></p>\n'
            '<p style="color:#555">The certification team</p>\n'
        ),
    },
    "certification_expired": {
        "subject": (
            'Your {{ program.name }} certification has expired'
        ),
        "text_body": (
            'Hello {{ contact.first_name }},\n'
            '\n'
            "Your {{ program.name }} certification expired on {{ expires_on|date:'F j, Y' }}.\n"
            'To be certified again, renew it: {{ portal_url }}\n'
            '\n'
            '-- \n'
            'The certification team\n'
        ),
        "html_body": (
            '<p>Hello {{ contact.first_name }},</p>\n'
            "<p>Your <strong>{{ program.name }}</strong> certification expired on {{ expires_on|date:'F j, Y' }}.</p>\n"
            '<p>To be certified again, <a href="{{ portal_url }}">renew it</a>.</p>\n'
            '<p style="color:#555">The certification team</p>\n'
        ),
    },
}


def create_defaults(apps, schema_editor):
    EmailTemplate = apps.get_model("notifications", "EmailTemplate")
    for kind, fields in DEFAULTS.items():
        EmailTemplate.objects.get_or_create(kind=kind, defaults=fields)


class Migration(migrations.Migration):
    dependencies = [("notifications", "0001_initial")]

    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
