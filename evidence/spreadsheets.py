"""Cells that users wrote, made safe for spreadsheets (CSV and XLSX exports).

A cell beginning with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is run as a formula by Excel,
LibreOffice and Google Sheets when the file is opened (CSV or formula injection): ``=HYPERLINK(...)`` can send
the sheet's contents elsewhere. As OWASP advises, such text is prefixed with a single quote, which spreadsheet
programs show as a text marker and which keeps the text readable. Numbers that we wrote ourselves (ints,
floats, Decimals, dates) pass through untouched: only strings are neutralised.
"""

from __future__ import annotations

from collections.abc import Iterable

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(value):
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def spreadsheet_row(values: Iterable) -> list:
    return [spreadsheet_cell(v) for v in values]
