"""Every accepted date form to an aware datetime, and dates written out for pages."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo

from dateutil import tz as dateutil_tz
from dateutil.parser import isoparse

from feeds.text import fold

# Four-digit years, as every feed format writes them; before 1900 is a typo, and RSS readers
# take a year under 100 for 19xx or 20xx. A date after now is an embargo, even in 9999.
MIN_YEAR, MAX_YEAR = 1900, 9999

_MONTHS: dict[int, tuple[str, ...]] = {
    1: ("january", "jan", "janvier", "janv", "januar", "janner", "gennaio", "gen"),
    2: ("february", "feb", "fevrier", "fevr", "fev", "februar", "febbraio"),
    3: ("march", "mar", "mars", "marz", "maerz", "marzo"),
    4: ("april", "apr", "avril", "avr", "aprile"),
    5: ("may", "mai", "maggio", "mag"),
    6: ("june", "jun", "juin", "juni", "giugno", "giu"),
    7: ("july", "jul", "juillet", "juil", "juli", "luglio", "lug"),
    8: ("august", "aug", "aout", "agosto", "ago"),
    9: ("september", "sep", "sept", "septembre", "settembre", "set"),
    10: ("october", "oct", "octobre", "oktober", "okt", "ottobre", "ott"),
    11: ("november", "nov", "novembre"),
    12: ("december", "dec", "decembre", "dezember", "dez", "dicembre", "dic"),
}
MONTH_NUMBER = {name: number for number, names in _MONTHS.items() for name in names}
_WEEKDAYS = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "mon",
    "tue",
    "tues",
    "wed",
    "thu",
    "thur",
    "thurs",
    "fri",
    "sat",
    "sun",
    "lundi",
    "mardi",
    "mercredi",
    "jeudi",
    "vendredi",
    "samedi",
    "dimanche",
    "montag",
    "dienstag",
    "mittwoch",
    "donnerstag",
    "freitag",
    "samstag",
    "sonnabend",
    "sonntag",
    "lunedi",
    "martedi",
    "mercoledi",
    "giovedi",
    "venerdi",
    "sabato",
    "domenica",
]
_ZONES = {"z": 0, "utc": 0, "gmt": 0, "cet": 60, "mez": 60, "cest": 120, "mesz": 120}

_WEEKDAY = re.compile(rf"^(?:{'|'.join(_WEEKDAYS)})\.?,?\s+")
_ISO = re.compile(
    r"^\d{4}-\d{2}-\d{2}(?:[t ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?)?(?:z|[+-]\d{2}(?::?\d{2})?)?$"
)
# ISO 8601's basic format, as agencies write it: 20240710T125902Z, 20240710T1259+0100, 20240710.
_ISO_BASIC = re.compile(
    r"^(\d{4})(\d{2})(\d{2})(?:t(\d{2})(\d{2})(\d{2})?([.,]\d+)?)?(z|[+-]\d{2}:?\d{2})?$"
)
# (?!\d): the year's digits end there; 1.6.10000 is not 1.6.1000 followed by a zero.
_NUMERIC = re.compile(r"^(?P<d>\d{1,2})[./](?P<m>\d{1,2})[./](?P<y>\d{4})(?!\d)(?P<rest>.*)$")
_DAY_FIRST = re.compile(
    r"^(?P<d>\d{1,2})(?:\.|er|st|nd|rd|th|o|º)?\s+(?P<month>[a-z]+)\.?,?\s+(?P<y>\d{4})(?!\d)"
    r"(?P<rest>.*)$"
)
_MONTH_FIRST = re.compile(
    r"^(?P<month>[a-z]+)\.?\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<y>\d{4})(?!\d)(?P<rest>.*)$"
)
_CONNECTOR = re.compile(r"^(?:[\s,;\-|/]|a\s|at\s|um\s|alle\s|ore\s|le\s|h\s)*")
_TIME = re.compile(
    r"^(?P<h>\d{1,2})(?:\s*[:h.]\s*(?P<min>\d{2})(?::(?P<s>\d{2}))?)?\s*"
    r"(?P<unit>uhr|h(?![a-z])|heures?|ore)?\s*(?P<ampm>[ap]\.?m\.?)?\s*"
    r"(?P<zone>[+-]\d{2}:?\d{2}|[a-z]{1,4})?\s*$"
)


def parse_date(text: str, zone: tzinfo) -> datetime:
    """Parse one written date (dotted, ISO 8601, or with a month name) to an aware datetime.

    A date without an offset is taken in `zone`; a time that a DST change skips is moved
    forward. Raises ValueError with a short reason when `text` is not a date we know.
    """
    folded = fold(text).strip().replace("\u2013", "-").replace("\u2014", "-")
    folded = _extended(_WEEKDAY.sub("", folded))
    if _ISO.match(folded):
        _check_year(int(folded[:4]))
        return _check(_localize(isoparse(folded.upper().replace(" ", "T")), zone))
    for pattern in (_NUMERIC, _DAY_FIRST, _MONTH_FIRST):
        match = pattern.match(folded)
        if match:
            day = _make_date(match)
            return _check(_localize(_with_time(day, match["rest"]), zone))
    raise ValueError(f"{_short(text)!r} is not a date like '21.8.2025 - 06:28' or ISO 8601")


def _extended(text: str) -> str:
    """An ISO 8601 date in basic format rewritten in the extended one; other text as it is."""
    match = _ISO_BASIC.match(text)
    if not match:
        return text
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    moment = f"{year}-{month}-{day}"
    if hour is not None:
        moment += f"t{hour}:{minute}" + (f":{second}{fraction or ''}" if second else "")
    return moment + (zone or "")


def _short(text: str, limit: int = 40) -> str:
    """`text` cut for an error message: a paragraph taken for a date stays readable."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def from_value(value: object, zone: tzinfo) -> datetime:
    """A front-matter date (datetime, date or string) to an aware datetime."""
    if isinstance(value, datetime):
        return _check(_localize(value, zone))
    if isinstance(value, date):
        return _check(_localize(datetime.combine(value, time()), zone))
    if isinstance(value, str):
        return parse_date(value, zone)
    raise ValueError(f"{value!r} is not a date")


def _make_date(match: re.Match[str]) -> date:
    groups = match.groupdict()
    month = int(groups["m"]) if groups.get("m") else MONTH_NUMBER.get(groups["month"], 0)
    if not month:
        raise ValueError(f"{groups['month']!r} is not a month name")
    return date(_check_year(int(groups["y"])), month, int(groups["d"]))


def _with_time(day: date, rest: str) -> datetime:
    rest = _CONNECTOR.sub("", rest.strip())
    if not rest:
        return datetime.combine(day, time())
    match = _TIME.match(rest)
    if not match:
        raise ValueError(f"{rest!r} is not a time like '06:28'")
    hour, minute = int(match["h"]), int(match["min"] or 0)
    if match["min"] is None and not (match["unit"] or match["ampm"]):
        raise ValueError(f"{rest!r} is not a time like '06:28'")
    if match["ampm"]:
        if not 1 <= hour <= 12:
            raise ValueError(f"{rest!r}: hour {hour} with am/pm")
        hour = hour % 12 + (12 if match["ampm"].startswith("p") else 0)
    moment = datetime.combine(day, time(hour, minute, int(match["s"] or 0)))
    zone = match["zone"]
    if zone is None:
        return moment
    return moment.replace(tzinfo=_fixed_zone(zone))


def _fixed_zone(name: str) -> tzinfo:
    if name in _ZONES:
        return timezone(timedelta(minutes=_ZONES[name]))
    match = re.fullmatch(r"([+-])(\d{2}):?(\d{2})", name)
    if not match:
        raise ValueError(f"{name!r} is not a time zone or offset")
    minutes = int(match[2]) * 60 + int(match[3])
    return timezone(timedelta(minutes=-minutes if match[1] == "-" else minutes))


def _localize(moment: datetime, zone: tzinfo) -> datetime:
    if moment.tzinfo is not None:
        return moment
    # Check first: at the end of 9999 west of UTC, resolving would overflow.
    local: datetime = dateutil_tz.resolve_imaginary(_check(_check(moment).replace(tzinfo=zone)))
    offset = local.utcoffset()
    if offset is not None and offset.seconds % 60:
        # Local mean time (Africa/Monrovia until 1972, Europe/Amsterdam until 1937…): feeds
        # write offsets in whole minutes, so the same moment goes to the nearest whole minute.
        return local.astimezone(timezone(timedelta(minutes=round(offset.total_seconds() / 60))))
    return local


def _check(moment: datetime) -> datetime:
    """Keep dates every feed format and reader can carry: in range here, and in UTC."""
    _check_year(moment.year)
    if moment.tzinfo is not None:
        try:
            moment.astimezone(UTC)
        except OverflowError:
            raise ValueError(
                f"{moment.isoformat()} is in the year 10000 in UTC; use {MIN_YEAR} to {MAX_YEAR}"
            ) from None
    return moment


def _check_year(year: int) -> int:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValueError(f"year {year} is out of range; use {MIN_YEAR} to {MAX_YEAR}")
    return year


_DISPLAY_MONTHS = {
    "en": "January February March April May June July August September October November December",
    "fr": "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
    "de": "Januar Februar März April Mai Juni Juli August September Oktober November Dezember",
    "it": "gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre novembre "
    "dicembre",
}
_DAY_SUFFIX = {"de": "."}


def format_date(moment: datetime, language: str) -> str:
    """A date written out in `language` (en, fr, de, it; else ISO style) for HTML pages."""
    primary = language.split("-")[0].lower()
    months = _DISPLAY_MONTHS.get(primary)
    clock = f"{moment.hour:02d}:{moment.minute:02d}"
    if months is None:
        return f"{moment.date().isoformat()} {clock}"
    month = months.split()[moment.month - 1]
    return f"{moment.day}{_DAY_SUFFIX.get(primary, '')} {month} {moment.year}, {clock}"
