"""`<id:pk>`: the path converter for database ids in every URLconf.

Django's `<int:>` takes any run of digits, and SQLite raises OverflowError (a 500) on a
number past 64 bits before the query can say "no such row". An id is a positive 64-bit
integer here; anything else in its place matches no URL, so the answer is a plain 404.
Registered once, on import: every app's urls.py imports this module. `id_or_none` is
the same rule for an id read from a query string or a form.
"""

from django.urls import register_converter

ID_MAX = 2**63 - 1


def id_or_none(value) -> int | None:
    """`value` (a query or form string) as a database id, or None: ASCII digits only
    ("²".isdigit() is true, and int() refuses it), at most ID_MAX."""
    text = str(value if value is not None else "").strip()
    if not (text.isascii() and text.isdigit()):
        return None
    number = int(text)
    return number if 0 < number <= ID_MAX else None


def ids_from(values) -> list[int]:
    """The valid ids among `values` (a getlist()), the others dropped."""
    return [number for number in map(id_or_none, values) if number is not None]


class IdConverter:
    regex = "[0-9]+"

    def to_python(self, value: str) -> int:
        number = int(value)
        if not 0 < number <= ID_MAX:
            raise ValueError(f"{value} is not a database id")
        return number

    def to_url(self, value) -> str:
        return str(int(value))


register_converter(IdConverter, "id")
