"""The language plan text is shown in, and the unofficial English beside the official Albanian.

The Albanian is the adopted, official text; the English beside it (`title_en`, `target_en`,
`indicators_en`, `text_en`, `vision_en`, institutions' `name_en`) is an unofficial translation.
`--lang en` (or `$APCLI_LANG=en`) shows the English wherever plan text is shown; a text that has
no English shows its Albanian with `MISSING` in front, never silently. Deadlines are not
translated by hand: their English is generated from their reading (`periods.deadline_en`).
Wherever English is shown, it is labelled unofficial (`UNOFFICIAL`, `NOTE`).

JSON carries both languages whatever `--lang` says (`title` and `title_en`), so scripts never
depend on it; tables, reports and forms show the chosen one.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, overload

if TYPE_CHECKING:
    from .model import Goal, Institution, Objective, PlanMeta
    from .plan import ActivityRecord, Deadline, PillarRecord

LANGS = ("sq", "en")
ENV = "APCLI_LANG"
MISSING = "[sq] "  # in front of an Albanian text shown where its English is missing

# One short line for terminal footers and text output; the longer statement for reports,
# forms and export metadata.
NOTE = "English: unofficial translation; the Albanian is official."
UNOFFICIAL = ("The English text is an unofficial translation; the Albanian text, adopted by the "
              "Government of Albania, is the only official one.")
OPTION_HELP = ("Plan text in sq (Albanian, the official text) or en (unofficial English translation); "
               "default: $APCLI_LANG, else sq.")


class LanguageError(ValueError):
    """An unknown language, from `--lang` or `$APCLI_LANG`: a usage error."""


def resolve(option: str | None, environ: Mapping[str, str] | None = None) -> str:
    """`--lang` if given, else `$APCLI_LANG` if set and not empty, else `sq`."""
    environ = os.environ if environ is None else environ
    if option is not None:
        value, where = option, "--lang"
    else:
        value, where = environ.get(ENV, "").strip(), f"${ENV}"
        if not value:
            return "sq"
    key = value.strip().lower()
    if key not in LANGS:
        raise LanguageError(f"unknown language {value!r} ({where}); use one of: {', '.join(LANGS)}")
    return key


@overload
def pick(sq: str, en: str | None, lang: str) -> str: ...
@overload
def pick(sq: None, en: str | None, lang: str) -> None: ...
@overload
def pick(sq: str | None, en: str | None, lang: str) -> str | None: ...
def pick(sq: str | None, en: str | None, lang: str) -> str | None:
    """The text to show in `lang`: the English under `en`, else the Albanian marked `[sq] `."""
    if lang != "en" or sq is None:
        return sq
    return en if en and en.strip() else MISSING + sq


def is_missing(sq: str | None, en: str | None, lang: str) -> bool:
    """True when `pick` falls back to the Albanian."""
    return lang == "en" and sq is not None and not (en and en.strip())


def pick_list(sq: Sequence[str], en: Sequence[str] | None, lang: str) -> list[str]:
    """A list item for item: `indicators_en` holds one English item per Albanian one."""
    english = list(en or [])
    return [pick(text, english[i] if i < len(english) else None, lang) for i, text in enumerate(sq)]


def en_items(sq: Sequence[str], en: Sequence[str] | None) -> list[str | None]:
    """The English of each item, None where there is none (for JSON)."""
    english = list(en or [])
    return [english[i] if i < len(english) and english[i].strip() else None for i in range(len(sq))]


# ----------------------------------------------------------------------------- plan texts


def title(rec: ActivityRecord, lang: str) -> str:
    """An activity's title (`plan.ActivityRecord`) in `lang`."""
    return pick(rec.activity.title, rec.activity.title_en, lang)


def title_lang(rec: ActivityRecord, lang: str) -> str:
    """The language `title(rec, lang)` is really in: `sq` where the English is missing."""
    return "sq" if lang == "sq" or is_missing(rec.activity.title, rec.activity.title_en, lang) else "en"


def indicators_en(rec: ActivityRecord) -> list[str | None]:
    """The English of `rec.indicators` (the activity's, then each milestone's), item for item."""
    a = rec.activity
    return [*en_items(a.indicators, a.indicators_en),
            *(x for m in a.milestones or [] for x in en_items(m.indicators, m.indicators_en))]


def indicators(rec: ActivityRecord, lang: str) -> list[str]:
    """`rec.indicators` in `lang`."""
    if lang != "en":
        return list(rec.indicators)
    return [pick(sq, en, lang) for sq, en in zip(rec.indicators, indicators_en(rec), strict=True)]


def heading(node: Goal | Objective, lang: str) -> str:
    """A goal's or objective's title in `lang`."""
    return pick(node.title, node.title_en, lang)


def deadline(d: Deadline, lang: str) -> str | None:
    """A deadline (`plan.Deadline`) as shown: the phrase as printed, or in English its reading
    in words; an unreadable phrase stays as printed, marked."""
    if lang != "en":
        return d.phrase
    if d.reading is not None:
        from .periods import deadline_en

        return deadline_en(d.reading)
    return MISSING + d.phrase if d.phrase else None


def deadline_en(d: Deadline) -> str | None:
    """The generated English of a deadline, or None when it has no reading."""
    from .periods import deadline_en as words

    return words(d.reading) if d.reading is not None else None


def deadlines(rec: ActivityRecord, lang: str) -> list[str]:
    """Every deadline of an activity as shown (the phrases, or their English)."""
    return [text for d in rec.deadlines if (text := deadline(d, lang))]


def body_name(inst: Institution, lang: str) -> str:
    """An institution's name (`model.Institution`) in `lang`."""
    return pick(inst.name, inst.name_en, lang)


def pillar_title(pillar: PillarRecord, lang: str) -> str:
    """A pillar's title (`plan.PillarRecord`) in `lang`."""
    return pick(pillar.title, pillar.title_en, lang)


def plan_title(meta: PlanMeta, lang: str) -> str:
    return pick(meta.title, meta.title_en, lang)
