"""Case ids in URLs: ``/cases/{case_id:case}/...``.

A case id may hold ``/`` (``2026/0042``), which a URL path cannot carry in one segment
(proxies and Starlette decode ``%2F`` before routing). In a URL a case id's ``/`` is
written ``~``, a character case ids never contain; the ``case`` convertor turns it back,
so a handler always receives the real id and ``url_for`` writes the URL form.
"""

from __future__ import annotations

from starlette.convertors import Convertor, register_url_convertor

from genkend.errors import NotFound

CASE_SEGMENT = "[A-Za-z0-9][A-Za-z0-9._~-]{0,99}"


def case_segment(case_id: str) -> str:
    """The URL form of a case id."""
    return case_id.replace("/", "~")


class CaseConvertor(Convertor[str]):
    regex = CASE_SEGMENT

    def convert(self, value: str) -> str:
        return value.replace("~", "/")

    def to_string(self, value: str) -> str:
        return case_segment(value)


# Routes are declared when their modules are imported, so the convertor must be known
# before any of them: ``genkend.web`` imports this module first.
register_url_convertor("case", CaseConvertor())


def in_case(case_id: str, actual: str | None, what: str) -> None:
    """An item reached under ``/cases/{case_id}/...`` must belong to that case: an item of
    another case is not found at this address (the service has already checked that the
    caller may see it where it is)."""
    if actual != case_id:
        raise NotFound(f"{what} is not in case {case_id}")
