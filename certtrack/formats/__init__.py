"""Date formats of certtrack's own: day first, as the certificate and the pages write dates.

Django's English formats write "Dec. 4, 2026" where a template prints a date without a
format of its own — an email template a staff member wrote, `{{ expires_on }}`. Only the
output formats are set here; what forms accept stays Django's (`FORMAT_MODULE_PATH`).
"""
