"""Numbers and dates in a claim, normalised: "over 80%" -> 80 percent (qualifier "over"),
"$48.5 million" -> 48,500,000 USD, "September 2, 2025" -> 2025-09-02, "on Tuesday" -> the Tuesday
before the publication date when that date is known."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

_SCALES = {
    "thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12,
    "k": 1e3, "m": 1e6, "bn": 1e9, "mn": 1e6,
}
_WORD_NUMBERS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
    "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
    "ninety": 90, "hundred": 100, "dozen": 12, "dozens": 24, "half": 0.5,
}
_CURRENCIES = {"$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY"}
_QUALIFIERS = (
    "more than", "less than", "fewer than", "at least", "at most", "up to", "nearly", "almost",
    "about", "around", "roughly", "approximately", "some", "over", "under", "only", "just",
    "as many as", "as much as", "close to", "well over", "barely", "exactly",
)
_QUAL_RE = "|".join(sorted((re.escape(q) for q in _QUALIFIERS), key=len, reverse=True))
_NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_WORDNUM = "|".join(sorted(_WORD_NUMBERS, key=len, reverse=True))
_UNIT_WORDS = (
    r"percent|per cent|percentage points?|people|persons|deaths?|dead|killed|civilians|troops|"
    r"soldiers|workers|jobs|votes|voters|residents|members|vessels|boats|ships|shipments|"
    r"kilometres|kilometers|km|miles|metres|meters|tons|tonnes|kilograms|kg|pounds|hours|days|"
    r"weeks|months|years|minutes|seconds|cases|arrests|buses|drivers|pages|countries|states|"
    r"dollars|euros|barrels|homes|children|families|patients|students"
)
QUANTITY_RE = re.compile(
    rf"(?:(?P<qual>{_QUAL_RE})\s+)?"
    rf"(?P<cur>[$€£¥])?\s?(?P<num>{_NUM}|\b(?:{_WORDNUM})\b)"
    rf"(?:\s?(?P<scale>thousand|million|billion|trillion|bn|mn|k|m)\b)?"
    rf"(?:\s?(?P<pct>%|percent\b|per cent\b))?"
    rf"(?:\s+(?P<unit>{_UNIT_WORDS})\b)?",
    re.I,
)


@dataclass(frozen=True, slots=True)
class Quantity:
    text: str
    start: int
    end: int
    value: float
    unit: str | None
    qualifier: str | None

    def to_dict(self) -> dict[str, Any]:
        value: float | int = int(self.value) if float(self.value).is_integer() else self.value
        return {
            "text": self.text, "span": [self.start, self.end], "value": value,
            "unit": self.unit, "qualifier": self.qualifier,
        }


def _number(raw: str) -> float | None:
    low = raw.lower()
    if low in _WORD_NUMBERS:
        return float(_WORD_NUMBERS[low])
    try:
        return float(raw.replace(",", ""))
    except ValueError:
        return None


def find_quantities(text: str, offset: int = 0, *, skip: list[tuple[int, int]] = ()) -> list[Quantity]:
    """Quantities in ``text`` (offsets shifted by ``offset``); ``skip`` masks spans (dates)."""
    out = []
    for m in QUANTITY_RE.finditer(text):
        s, e = m.span()
        if any(a <= offset + m.start("num") < b for a, b in skip):
            continue
        value = _number(m["num"])
        if value is None:
            continue
        after = text[m.end("num") : m.end("num") + 2]
        if after[:1].isalpha() and not m["scale"] and not m["pct"]:
            continue  # "19th-century", "2nd", "3D"
        before = text[max(0, m.start("num") - 2) : m.start("num")]
        if "." in m["num"] and re.search(r"[A-Z]\w*\s$", text[max(0, m.start("num") - 20) : m.start("num")]) and not (m["unit"] or m["pct"] or m["cur"]):
            continue  # "Doctrine 2.0", "Windows 3.1": a version, not a measure
        if before.endswith(("-", "–")) and not m["cur"] and before[:1].isalpha():
            continue  # "F-16", "COVID-19"
        is_word = m["num"].lower() in _WORD_NUMBERS
        if is_word and not (m["unit"] or m["pct"] or m["scale"]):
            continue  # "one official", "some" are not quantities
        if m["scale"]:
            scale = m["scale"].lower()
            if scale in ("m", "k") and not m["cur"]:
                continue
            value *= _SCALES[scale]
        unit = None
        if m["pct"] or (m["unit"] and m["unit"].lower().startswith(("percent", "per cent"))):
            unit = "percent"
        elif m["unit"] and m["unit"].lower().startswith("percentage point"):
            unit = "percentage points"
        elif m["cur"]:
            unit = _CURRENCIES[m["cur"]]
        elif m["unit"]:
            unit = m["unit"].lower()
        if not is_word and unit is None and 1800 <= value <= 2100 and "." not in m["num"]:
            continue  # a bare year is a date, not a quantity
        text_span = text[s:e].strip()
        lead = len(text[s:e]) - len(text[s:e].lstrip())
        out.append(
            Quantity(
                text_span, offset + s + lead, offset + s + lead + len(text_span), value, unit,
                m["qual"].lower() if m["qual"] else None,
            )
        )
    return out


# -- dates --------------------------------------------------------------------------------------

_MONTHS = {
    m: i
    for i, names in enumerate(
        [("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",),
         ("june", "jun"), ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"),
         ("october", "oct"), ("november", "nov"), ("december", "dec")],
        1,
    )
    for m in names
}
_WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_MONTH_RE = "|".join(sorted(_MONTHS, key=len, reverse=True))
DATE_RE = re.compile(
    rf"\b(?:(?P<m1>{_MONTH_RE})\.?\s+(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s+(?P<y1>\d{{4}}))?"
    rf"|(?P<d2>\d{{1,2}})\s+(?P<m2>{_MONTH_RE})\.?(?:,?\s+(?P<y2>\d{{4}}))?"
    rf"|(?P<m3>{_MONTH_RE})\s+(?P<y3>\d{{4}})"
    rf"|(?P<iso>\d{{4}}-\d{{2}}-\d{{2}})"
    rf"|(?P<wd>(?:last\s+|this\s+|on\s+)?(?:{'|'.join(_WEEKDAYS)}))"
    rf"|(?P<rel>yesterday|today|last\s+year|last\s+month|next\s+month|next\s+year)"
    rf"|in\s+(?P<y4>(?:19|20)\d\d))\b",
    re.I,
)


@dataclass(frozen=True, slots=True)
class DateMention:
    text: str
    start: int
    end: int
    value: str | None  # ISO date (YYYY-MM-DD), month (YYYY-MM) or year (YYYY); None if unresolved

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "span": [self.start, self.end], "value": self.value}


def parse_published(published: str | None) -> dt.date | None:
    if not published:
        return None
    m = re.match(r"(\d{4})-(\d{2})-(\d{2})", published)
    if not m:
        return None
    try:
        return dt.date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return None


def find_dates(text: str, offset: int = 0, published: dt.date | None = None) -> list[DateMention]:
    """Date expressions in ``text``, resolved against the publication date when it is known."""
    out = []
    for m in DATE_RE.finditer(text):
        if m["m1"] and m["m1"].lower() == "may" and not m["y1"] and not m["d1"]:
            continue
        value = _resolve(m, published)
        if m["m3"] and m["m3"].lower() == "may" and not m["y3"]:
            continue
        out.append(DateMention(m.group(0), offset + m.start(), offset + m.end(), value))
    return out


def _resolve(m: re.Match[str], published: dt.date | None) -> str | None:
    try:
        if m["iso"]:
            return dt.date.fromisoformat(m["iso"]).isoformat()
        month = m["m1"] or m["m2"]
        if month:
            day = int(m["d1"] or m["d2"])
            year_s = m["y1"] or m["y2"]
            year = int(year_s) if year_s else (published.year if published else None)
            if year is None:
                return None
            date = dt.date(year, _MONTHS[month.lower().rstrip(".")], day)
            if not year_s and published and date > published + dt.timedelta(days=31):
                date = date.replace(year=year - 1)  # "March 3" in a January story: last March
            return date.isoformat()
        if m["m3"]:
            return f"{int(m['y3']):04d}-{_MONTHS[m['m3'].lower()]:02d}"
        if m["y4"]:
            return m["y4"]
        if m["wd"] and published:
            name = m["wd"].lower().split()[-1]
            back = (published.weekday() - _WEEKDAYS.index(name)) % 7
            if m["wd"].lower().startswith("last") and back == 0:
                back = 7
            return (published - dt.timedelta(days=back)).isoformat()
        if m["rel"] and published:
            rel = " ".join(m["rel"].lower().split())
            if rel == "today":
                return published.isoformat()
            if rel == "yesterday":
                return (published - dt.timedelta(days=1)).isoformat()
            if rel == "last year":
                return str(published.year - 1)
            if rel == "next year":
                return str(published.year + 1)
            months = published.month - 1 if rel == "last month" else published.month + 1
            year = published.year + (months - 1) // 12
            return f"{year:04d}-{(months - 1) % 12 + 1:02d}"
    except (ValueError, KeyError):
        return None
    return None
