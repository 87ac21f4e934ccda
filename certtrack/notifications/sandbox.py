"""The template language of editable emails: Django's syntax, cut down to what an email
needs. Variables are the placeholders only (PLACEHOLDERS), tags are the few that
format text (`if`, `firstof`, `now`, …) and never reach files, URLs or other libraries
(`include`, `extends`, `load`, `url`, `debug` are refused), and `safe` is not a filter:
what a contact typed stays escaped in the HTML body.
"""

from datetime import date
from functools import lru_cache, wraps
from typing import Protocol

from django.template import (
    Engine,
    Library,
    Template,
    TemplateSyntaxError,
    defaultfilters,
    defaulttags,
)
from django.template.base import FilterExpression, Lexer, Parser, TokenType, Variable
from django.utils import translation

ALLOWED_TAGS = (
    "if",
    "elif",
    "else",
    "endif",
    "firstof",
    "now",
    "comment",
    "endcomment",
    "spaceless",
    "endspaceless",
    "autoescape",
    "endautoescape",
    "verbatim",
    "endverbatim",
    "templatetag",
)
_SHOWN = ", ".join(tag for tag in ALLOWED_TAGS if not tag.startswith("end"))
# Marking text safe would let a contact's name carry HTML into the email.
FORBIDDEN_FILTERS = {"safe", "safeseq", "pprint", "json_script"}
# Words of an {% if %} condition that are operators, not values.
_OPERATORS = {"and", "or", "not", "in", "is", "==", "!=", "<", ">", "<=", ">="}
_OPENERS = {"{{": "}}", "{%": "%}", "{#": "#}"}


class TemplateError(ValueError):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


# What an editor may write, shown next to the template (context_for fills each one); the
# only variables a template may name (see `check`).
PLACEHOLDERS = (
    "contact.first_name",
    "contact.last_name",
    "contact.full_name",
    "contact.email",
    "contact.organization",
    "program.name",
    "program.code",
    "program.version",
    "program.category",
    "program.require_approval",
    "status",
    "applied_on",
    "started_on",
    "activated_on",
    "expires_on",
    "days_left",
    "certificate_number",
    "certificate_url",
    "verification_url",
    "portal_url",
    "staff_url",
    "today",
    # Where the email follows a staff decision (decline, cancel, suspend, return for more
    # work, reject renewal, reject completion): the reason staff gave, or "".
    "reason",
    "component.name",
    "completed_on",
    "period",
)


class Problem(ValueError):
    """What is wrong with a template, and on which line (1-based)."""

    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.line = line


@lru_cache(maxsize=4096)
def _formatted_day(value: date, arg: str | None, language: str | None) -> str:
    return defaultfilters.date(value, arg)


@wraps(defaultfilters.date)  # keeps the filter's flags (expects_localtime, is_safe)
def _date(value, arg=None):
    """The `date` filter, remembered for plain dates: a pass sends thousands of emails
    about the same few days, and Django's date formatting was a tenth of rendering one."""
    # Not a datetime: its time zone would be part of the text. A template's literal
    # argument ("j F Y") arrives as a SafeString: remembered by its text.
    if type(value) is date and (arg is None or isinstance(arg, str)):
        key = None if arg is None else str(arg)
        return _formatted_day(value, key, translation.get_language())
    return defaultfilters.date(value, arg)


def _library() -> Library:
    library = Library()
    library.tags.update(
        {
            name: defaulttags.register.tags[name]
            for name in ALLOWED_TAGS
            if name in defaulttags.register.tags
        }
    )
    library.filters.update(
        {n: f for n, f in defaultfilters.register.filters.items() if n not in FORBIDDEN_FILTERS}
    )
    library.filters["date"] = _date
    return library


def _engine() -> Engine:
    # No loaders, no libraries: nothing outside the template's own text can be reached.
    engine = Engine(dirs=[], app_dirs=False, loaders=[], libraries={}, debug=True)
    engine.template_builtins = [_library()]
    return engine


ENGINE = _engine()


def compile(source: str, autoescape: bool, placeholders: tuple[str, ...] | None = None) -> Template:  # noqa: A001
    """The template of `source`, checked; raise Problem naming the line otherwise."""
    _check_tokens(source, set(placeholders or PLACEHOLDERS))
    wrapped = source if autoescape else "{% autoescape off %}" + source + "{% endautoescape %}"
    try:
        return Template(wrapped, engine=ENGINE)
    except TemplateSyntaxError as error:
        line = getattr(error, "template_debug", {}).get("line", 1)
        raise Problem(line, str(error)) from None


def _check_tokens(source: str, placeholders: set[str]) -> None:
    parser = Parser([], builtins=ENGINE.template_builtins)
    in_comment = False
    for token in Lexer(source).tokenize():
        if token.token_type == TokenType.TEXT:
            _check_text(token.contents, token.lineno)
            continue
        if token.token_type != TokenType.VAR and token.token_type != TokenType.BLOCK:
            continue
        if token.token_type == TokenType.BLOCK:
            bits = token.split_contents()
            name = bits[0] if bits else ""
            if in_comment:
                in_comment = name != "endcomment"
                continue
            if name not in ALLOWED_TAGS:
                raise Problem(
                    token.lineno,
                    f"{{% {name} %}} is not allowed in an email template (allowed tags: {_SHOWN}).",
                )
            in_comment = name == "comment"
            values = (
                [b for b in bits[1:] if b not in _OPERATORS]
                if name in ("if", "elif", "firstof")
                else []
            )
        else:
            if in_comment:
                continue
            values = [token.contents]
        for value in values:
            _check_expression(value, token.lineno, parser, placeholders)


def _check_text(text: str, first_line: int) -> None:
    # Django leaves a "{{" without its "}}" as text; in an email it is always a slip.
    for opener, closer in _OPENERS.items():
        at = text.find(opener)
        if at >= 0:
            line = first_line + text.count("\n", 0, at)
            raise Problem(line, f"“{opener}” without its “{closer}” on the same line.")


def _check_expression(text: str, line: int, parser: Parser, placeholders: set[str]) -> None:
    try:
        expression = FilterExpression(text, parser)
    except TemplateSyntaxError as error:
        raise Problem(line, str(error)) from None
    variables = [expression.var] + [arg for _, args in expression.filters for _, arg in args]
    for variable in variables:
        if isinstance(variable, Variable) and variable.lookups is not None:
            name = ".".join(variable.lookups)
            if name not in placeholders:
                raise Problem(
                    line,
                    f"unknown placeholder {{{{ {name} }}}} (the placeholders are listed "
                    f"beside the editor).",
                )


@lru_cache(maxsize=128)
def compile_field(source: str, field: str, autoescape: bool) -> Template:
    # Checked and compiled once per distinct source (a pass sends thousands of the same
    # kinds); an edited template is a new source, so it is checked afresh.
    # Plain text and subjects must not be HTML-escaped ("O'Brien", "R&D").
    try:
        return compile(source, autoescape)
    except Problem as problem:
        raise TemplateError(field, f"Template error on line {problem.line}: {problem}") from None


class Editable(Protocol):
    """What `check` reads: an email template's three texts (saved or not)."""

    subject: str
    text_body: str
    html_body: str


def check(template: Editable) -> None:
    """Raise TemplateError naming the field (and the line) of a template that cannot be
    sent: broken syntax, an unclosed tag, a tag or placeholder not allowed in emails."""
    compile_field(template.subject, "subject", False)
    compile_field(template.text_body, "text_body", False)
    compile_field(template.html_body or "", "html_body", True)
