"""What in a progress entry's free text looks like personal data (DESIGN §13, "Sensitive text").

Progress evidence and notes may concern trafficking cases; the log is kept in a repository and
parts of it are published. `check` warns (`personal-data`) where a text looks like it holds a
phone number, a personal ID number or a date of birth. A heuristic: it names the kind of data,
never the data itself (diagnostics end up in CI logs), and stays quiet on what progress text
normally holds — law and decision numbers (`Ligji nr. 9669`, `VKM nr. 1`), dates of events,
refs, hotline numbers. Pure functions; no I/O.
"""

from __future__ import annotations

import re

PHONE, PERSONAL_ID, BIRTH = "a phone number", "a personal ID number", "a date of birth"

_SEP = r"[ \t.\-/]"
_COUNTRY = rf"(?<![\d+])(?:\+|00) ?355{_SEP}?(?:\(0\))?"  # +355, 00355, +355 (0)
# Mobile: 06[6-9] and 7 more digits, or +355 / 00355 6[6-9] …; one separator at most between digits.
_MOBILE = re.compile(rf"(?:{_COUNTRY}|(?<![\w+])0)6[6-9](?:{_SEP}?\d){{7}}(?!\d)")
# Landline with the country code: +355 4 223 4567, 00355 52 222 333.
_LANDLINE_INTL = re.compile(rf"{_COUNTRY}[2-8](?:{_SEP}?\d){{6,8}}(?!\d)")
# Landline as dialled at home: 04 223 4567, (052) 222 333, 042234567. Nine or ten digits in all;
# a date (05.03.2009: eight digits) is not one.
_LANDLINE = re.compile(rf"(?<![\w+.,/-])\(?0[2-8]\d?\)?{_SEP}?\d{{2,4}}{_SEP}?\d{{3,4}}(?![\d.,/-]?\d)")
# A number after a telephone word (tel., cel:, telefon, mob., phone): eight digits or more,
# so a short hotline (116 006) is not personal.
_PHONE_WORD = re.compile(r"\b(?:tel|telefon\w*|cel|celular\w*|mob|mobile|phone)\b\.?:?\s*(\+?[\d(][\d \t.()\-/]{6,}\d)",
                         re.IGNORECASE)
# Albanian personal number (numri personal, on ID cards since 2009): a letter, eight digits, a letter.
_PERSONAL_ID = re.compile(r"(?<![\w-])[A-Za-z]\d{8}[A-Za-z](?![\w-])")
# Date of birth: its label, or "lindur"/"born" followed closely by a date or a year.
_DATE = r"(?:\d{1,2}[./-]\d{1,2}[./-](?:19|20)\d{2}|(?:19|20)\d{2}-\d{2}-\d{2}|(?:19|20)\d{2})"
_BIRTH_LABEL = re.compile(r"dat[eë]\s*-?\s*lindj\w*|\bdate of birth\b|\bd\.?o\.?b\.?(?=[\s:]|$)|\bditëlindj\w*",
                          re.IGNORECASE)
_BORN = re.compile(rf"\b(?:e\s+|i\s+)?(?:lindur|born)\b[^\d\n]{{0,20}}{_DATE}(?!\d)", re.IGNORECASE)
_DATE_LIKE = re.compile(r"\d{1,2}[./]\d{1,2}[./]\d{2,4}")


def _phone(text: str) -> bool:
    if _MOBILE.search(text) or _LANDLINE_INTL.search(text):
        return True
    for m in _LANDLINE.finditer(text):
        digits = sum(c.isdigit() for c in m.group())
        if digits in (9, 10) and not _DATE_LIKE.search(m.group()):
            return True
    return any(sum(c.isdigit() for c in m.group(1)) >= 8 and not _DATE_LIKE.fullmatch(m.group(1).strip())
               for m in _PHONE_WORD.finditer(text))


def personal_data(text: str) -> list[str]:
    """The kinds of personal data `text` looks like it holds (`PHONE`, `PERSONAL_ID`, `BIRTH`),
    in that order; empty when none."""
    found = []
    if _phone(text):
        found.append(PHONE)
    if _PERSONAL_ID.search(text):
        found.append(PERSONAL_ID)
    if _BIRTH_LABEL.search(text) or _BORN.search(text):
        found.append(BIRTH)
    return found
