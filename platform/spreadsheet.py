"""Cells written to CSV or XLSX stay text when a spreadsheet opens them.

A cell starting with ``=``, ``+``, ``-``, ``@`` (or a tab or carriage return) is a formula
to Excel and LibreOffice, so a name like ``=HYPERLINK(...)`` typed by a user would run in
the reader's spreadsheet. Every export prefixes such cells with an apostrophe, and the
question-bank import removes that prefix again, so an export imports back unchanged.
"""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """``value``, with an apostrophe in front when a spreadsheet would run it."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def read_cell(value: str) -> str:
    """The text ``safe_cell`` protected, for files aimi wrote and reads back."""
    return value[1:] if value.startswith("'") and value[1:].startswith(FORMULA_STARTS) else value
