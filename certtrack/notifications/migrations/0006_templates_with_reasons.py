"""Ship the emails of issue 14 and give the decline email its reason.

The texts are frozen here (not imported from `defaults`): this migration ships what they
were when it was written. A template an administrator edited is kept as it is; the
decline template is replaced only where it is still the text shipped before.
"""

from django.db import migrations

NEW = {
    "certification_renewed": {
        "html_body": "<p>Hello {{ contact.first_name }},</p>\n"
        "<p>Your <strong>{{ program.name }}</strong> "
        "certification is renewed: the new period runs from "
        "{{ activated_on|date:'F j, Y' }}{% if expires_on %} "
        "through {{ expires_on|date:'F j, Y' }}{% endif "
        "%}.</p>\n"
        "<p>Certificate number: <strong>{{ certificate_number "
        "}}</strong></p>\n"
        '<p><a href="{{ certificate_url }}">Download your new '
        'certificate</a> · <a href="{{ verification_url '
        '}}">Verification page</a></p>\n'
        '<p style="color:#555">The certification team</p>\n',
        "subject": "Your {{ program.name }} certification is renewed",
        "text_body": "Hello {{ contact.first_name }},\n"
        "\n"
        "Your {{ program.name }} certification is renewed: "
        "the new period runs from {{ activated_on|date:'F j, "
        "Y' }}{% if expires_on %} through {{ "
        "expires_on|date:'F j, Y' }}{% endif %}.\n"
        "\n"
        "Certificate number: {{ certificate_number }}\n"
        "Download your new certificate: {{ certificate_url "
        "}}\n"
        "Anyone can verify it at: {{ verification_url }}\n"
        "\n"
        "-- \n"
        "The certification team\n",
    },
    "certification_suspended": {
        "html_body": "<p>Hello {{ contact.first_name }},</p>\n"
        "<p>Your <strong>{{ program.name }}</strong> "
        "certification ({{ certificate_number }}) is "
        "suspended: until it is reactivated, its "
        "verification page answers "
        "&ldquo;suspended&rdquo;.</p>\n"
        "{% if reason %}<p>The reason: {{ reason }}</p>\n"
        '{% endif %}<p><a href="{{ portal_url }}">Your '
        "certifications</a></p>\n"
        '<p style="color:#555">The certification team</p>\n',
        "subject": "Your {{ program.name }} certification is suspended",
        "text_body": "Hello {{ contact.first_name }},\n"
        "\n"
        "Your {{ program.name }} certification ({{ "
        "certificate_number }}) is suspended: until it is "
        "reactivated, its verification page answers "
        '"suspended".\n'
        "{% if reason %}The reason: {{ reason }}\n"
        "{% endif %}\n"
        "Your certifications: {{ portal_url }}\n"
        "\n"
        "-- \n"
        "The certification team\n",
    },
    "completion_rejected": {
        "html_body": "<p>Hello {{ contact.first_name }},</p>\n"
        "<p>The completion of <strong>{{ component.name "
        "}}</strong> you reported for {{ completed_on|date:'F "
        "j, Y' }} was not accepted, so it does not count toward "
        "<strong>{{ program.name }}</strong>.</p>\n"
        "{% if reason %}<p>The reason: {{ reason }}</p>\n"
        '{% endif %}<p><a href="{{ portal_url }}">See what is '
        "still needed</a></p>\n"
        '<p style="color:#555">The certification team</p>\n',
        "subject": "Your {{ component.name }} completion was not accepted",
        "text_body": "Hello {{ contact.first_name }},\n"
        "\n"
        "The completion of {{ component.name }} you reported "
        "for {{ completed_on|date:'F j, Y' }} was not accepted, "
        "so it does not count toward {{ program.name }}.\n"
        "{% if reason %}The reason: {{ reason }}\n"
        "{% endif %}\n"
        "See what is still needed: {{ portal_url }}\n"
        "\n"
        "-- \n"
        "The certification team\n",
    },
    "enrollment_cancelled": {
        "html_body": "<p>Hello {{ contact.first_name }},</p>\n"
        "<p>Your enrollment in <strong>{{ program.name "
        "}}</strong> is cancelled{% if certificate_number %}, "
        "and certificate {{ certificate_number }} is revoked{% "
        "endif %}.</p>\n"
        "{% if reason %}<p>The reason: {{ reason }}</p>\n"
        '{% endif %}<p><a href="{{ portal_url }}">Your '
        "certifications</a></p>\n"
        '<p style="color:#555">The certification team</p>\n',
        "subject": "Your {{ program.name }} enrollment is cancelled",
        "text_body": "Hello {{ contact.first_name }},\n"
        "\n"
        "Your enrollment in {{ program.name }} is cancelled{% "
        "if certificate_number %}, and certificate {{ "
        "certificate_number }} is revoked{% endif %}.\n"
        "{% if reason %}The reason: {{ reason }}\n"
        "{% endif %}\n"
        "Your certifications: {{ portal_url }}\n"
        "\n"
        "-- \n"
        "The certification team\n",
    },
    "renewal_rejected": {
        "html_body": "<p>Hello {{ contact.first_name }},</p>\n"
        "<p>We are sorry: the renewal of your <strong>{{ "
        "program.name }}</strong> certification was not "
        "approved.</p>\n"
        "{% if reason %}<p>The reason: {{ reason }}</p>\n"
        "{% endif %}<p>Your certification is valid through {{ "
        "expires_on|date:'F j, Y' }}; <a href=\"{{ portal_url "
        '}}">see what the renewal still needs</a>.</p>\n'
        '<p style="color:#555">The certification team</p>\n',
        "subject": "Your {{ program.name }} renewal",
        "text_body": "Hello {{ contact.first_name }},\n"
        "\n"
        "We are sorry: the renewal of your {{ program.name }} "
        "certification was not approved.\n"
        "{% if reason %}The reason: {{ reason }}\n"
        "{% endif %}Your certification is valid through {{ "
        "expires_on|date:'F j, Y' }}; see what the renewal still "
        "needs at {{ portal_url }}\n"
        "\n"
        "-- \n"
        "The certification team\n",
    },
    "renewal_review_required": {
        "html_body": "<p><strong>{{ contact.full_name }}</strong> &lt;{{ "
        "contact.email }}&gt; has met the renewal "
        "requirements of <strong>{{ program.name "
        "}}</strong> (certified through {{ "
        "expires_on|date:'F j, Y' }}).</p>\n"
        "<p>The renewal waits for your approval: <a "
        'href="{{ staff_url }}">open the '
        "back-office</a>.</p>",
        "subject": "Renewal awaiting review: {{ contact.full_name }}, {{ program.name }}",
        "text_body": "{{ contact.full_name }} <{{ contact.email }}> has "
        "met the renewal requirements of {{ program.name }} "
        "(certified through {{ expires_on|date:'F j, Y' "
        "}}).\n"
        "\n"
        "The renewal waits for your approval: {{ staff_url "
        "}}\n",
    },
    "returned_for_more_work": {
        "html_body": "<p>Hello {{ contact.first_name }},</p>\n"
        "<p>Our staff reviewed your work toward <strong>{{ "
        "program.name }}</strong> and returned it: more work "
        "is needed before the certification.</p>\n"
        "{% if reason %}<p>The reason: {{ reason }}</p>\n"
        '{% endif %}<p><a href="{{ portal_url }}">See what '
        "is still needed</a></p>\n"
        '<p style="color:#555">The certification team</p>\n',
        "subject": "{{ program.name }}: more work is needed",
        "text_body": "Hello {{ contact.first_name }},\n"
        "\n"
        "Our staff reviewed your work toward {{ program.name "
        "}} and returned it: more work is needed before the "
        "certification.\n"
        "{% if reason %}The reason: {{ reason }}\n"
        "{% endif %}\n"
        "See what is still needed: {{ portal_url }}\n"
        "\n"
        "-- \n"
        "The certification team\n",
    },
}

CHANGED = {
    "application_declined": {
        "new": {
            "html_body": "<p>Hello {{ contact.first_name }},</p>\n"
            "<p>We are sorry: your application to "
            "<strong>{{ program.name }}</strong> was not "
            "approved.</p>\n"
            "{% if reason %}<p>The reason: {{ reason "
            "}}</p>\n"
            '{% endif %}<p>You may <a href="{{ portal_url '
            '}}">apply again</a> at any time.</p>\n'
            '<p style="color:#555">The certification '
            "team</p>\n",
            "subject": "Your application to {{ program.name }}",
            "text_body": "Hello {{ contact.first_name }},\n"
            "\n"
            "We are sorry: your application to {{ "
            "program.name }} was not approved.\n"
            "{% if reason %}The reason: {{ reason }}\n"
            "{% endif %}You may apply again at any time at "
            "{{ portal_url }}\n"
            "\n"
            "-- \n"
            "The certification team\n",
        },
        "old": {
            "html_body": "<p>Hello {{ contact.first_name }},</p>\n"
            "<p>We are sorry: your application to "
            "<strong>{{ program.name }}</strong> was not "
            'approved. You may <a href="{{ portal_url '
            '}}">apply again</a> at any time.</p>\n'
            '<p style="color:#555">The certification '
            "team</p>\n",
            "subject": "Your application to {{ program.name }}",
            "text_body": "Hello {{ contact.first_name }},\n"
            "\n"
            "We are sorry: your application to {{ "
            "program.name }} was not approved.\n"
            "You may apply again at any time at {{ "
            "portal_url }}\n"
            "\n"
            "-- \n"
            "The certification team\n",
        },
    }
}


def ship(apps, schema_editor) -> None:
    EmailTemplate = apps.get_model("notifications", "EmailTemplate")
    for kind, fields in NEW.items():
        EmailTemplate.objects.get_or_create(kind=kind, defaults=fields)
    for kind, texts in CHANGED.items():
        EmailTemplate.objects.filter(kind=kind, **texts["old"]).update(**texts["new"])


def unship(apps, schema_editor) -> None:
    EmailTemplate = apps.get_model("notifications", "EmailTemplate")
    for kind, texts in CHANGED.items():
        EmailTemplate.objects.filter(kind=kind, **texts["new"]).update(**texts["old"])


class Migration(migrations.Migration):
    dependencies = [("notifications", "0005_email_once_per_period")]

    operations = [migrations.RunPython(ship, unship)]
