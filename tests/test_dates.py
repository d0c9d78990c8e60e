"""Every accepted date form, the site zone and its DST changes, and dates we refuse."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from feeds.dates import format_date, from_value, parse_date

ZURICH = ZoneInfo("Europe/Zurich")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Day-first dotted, as Swiss agencies write it.
        ("21.8.2025 - 06:28", "2025-08-21T06:28:00+02:00"),
        ("21.8.2025, 06:28", "2025-08-21T06:28:00+02:00"),
        ("21.08.2025 06:28", "2025-08-21T06:28:00+02:00"),
        ("21.08.2025 \u2013 06:28", "2025-08-21T06:28:00+02:00"),
        ("21/8/2025 06:28", "2025-08-21T06:28:00+02:00"),
        ("21.8.2025", "2025-08-21T00:00:00+02:00"),
        # ISO 8601, with and without an offset.
        ("2025-08-21T06:28:00+02:00", "2025-08-21T06:28:00+02:00"),
        ("2025-08-21T06:28:00-04:00", "2025-08-21T06:28:00-04:00"),
        ("2025-08-21T04:28:00Z", "2025-08-21T04:28:00+00:00"),
        ("2025-08-21T06:28:00", "2025-08-21T06:28:00+02:00"),
        ("2025-08-21T06:28", "2025-08-21T06:28:00+02:00"),
        ("2025-08-21 06:28", "2025-08-21T06:28:00+02:00"),
        ("2025-08-21T06:28:00.250+02:00", "2025-08-21T06:28:00.250000+02:00"),
        ("2025-08-21", "2025-08-21T00:00:00+02:00"),
        # ISO 8601's basic format, as agency documents write it.
        ("20250821T042800Z", "2025-08-21T04:28:00+00:00"),
        ("20250821T062800+0200", "2025-08-21T06:28:00+02:00"),
        ("20250821T0628", "2025-08-21T06:28:00+02:00"),
        ("20250821", "2025-08-21T00:00:00+02:00"),
        # French.
        ("21 août 2025, 06h28", "2025-08-21T06:28:00+02:00"),
        ("21 AOÛT 2025, 06h28", "2025-08-21T06:28:00+02:00"),
        ("1er août 2025 à 10h", "2025-08-01T10:00:00+02:00"),
        ("3 févr. 2025 10:00", "2025-02-03T10:00:00+01:00"),
        ("3 février 2025, 10h00", "2025-02-03T10:00:00+01:00"),
        ("jeudi 21 août 2025, 06h28", "2025-08-21T06:28:00+02:00"),
        # German.
        ("3. März 2025 14:05", "2025-03-03T14:05:00+01:00"),
        ("3. März 2025, 6.28 Uhr", "2025-03-03T06:28:00+01:00"),
        ("3. Maerz 2025 14:05", "2025-03-03T14:05:00+01:00"),
        ("Donnerstag, 21. August 2025, 06:28 Uhr", "2025-08-21T06:28:00+02:00"),
        ("21. Aug. 2025 um 06:28", "2025-08-21T06:28:00+02:00"),
        # Italian.
        ("21 agosto 2025, 06:28", "2025-08-21T06:28:00+02:00"),
        ("giovedì 21 agosto 2025, ore 06:28", "2025-08-21T06:28:00+02:00"),
        ("5 dicembre 2025 alle 18:30", "2025-12-05T18:30:00+01:00"),
        # English.
        ("August 21, 2025 6:28 pm", "2025-08-21T18:28:00+02:00"),
        ("August 21, 2025 12:05 am", "2025-08-21T00:05:00+02:00"),
        ("August 21st, 2025 at 6:28 p.m.", "2025-08-21T18:28:00+02:00"),
        ("Thursday, August 21, 2025 6:28 PM", "2025-08-21T18:28:00+02:00"),
        ("21 Aug 2025 06:28", "2025-08-21T06:28:00+02:00"),
        ("Sept. 3, 2025 10:00", "2025-09-03T10:00:00+02:00"),
        ("3 Sept. 2025 10:00", "2025-09-03T10:00:00+02:00"),
        ("Thu, 21 Aug 2025 06:28", "2025-08-21T06:28:00+02:00"),
        # Written offsets and zone names win over the site zone.
        ("21.8.2025 06:28 +0100", "2025-08-21T06:28:00+01:00"),
        ("21 August 2025 06:28 CEST", "2025-08-21T06:28:00+02:00"),
        ("21 August 2025 06:28 UTC", "2025-08-21T06:28:00+00:00"),
        # Surrounding white space is not part of the date.
        ("  21.8.2025 - 06:28  ", "2025-08-21T06:28:00+02:00"),
    ],
)
def test_parse_date_reads_every_written_form(text: str, expected: str) -> None:
    assert parse_date(text, ZURICH).isoformat() == expected


@pytest.mark.parametrize(
    ("text", "offset"),
    [
        ("15.1.2025 - 12:00", "+01:00"),  # winter time
        ("15.7.2025 - 12:00", "+02:00"),  # summer time
        ("30.3.2025 - 01:59", "+01:00"),  # the minute before the spring change
        ("30.3.2025 - 03:00", "+02:00"),  # right after it
        ("26.10.2025 - 04:00", "+01:00"),  # after the autumn change
    ],
)
def test_dates_without_offset_follow_zurich_dst(text: str, offset: str) -> None:
    assert parse_date(text, ZURICH).isoformat().endswith(offset)


def test_time_skipped_by_the_spring_change_moves_forward() -> None:
    # 02:30 never happens in Zurich on 30 March 2025: clocks jump from 02:00 to 03:00.
    moment = parse_date("30.3.2025 - 02:30", ZURICH)
    assert moment.isoformat() == "2025-03-30T03:30:00+02:00"


def test_dates_without_offset_use_the_zone_given() -> None:
    moment = parse_date("21.8.2025 - 06:28", ZoneInfo("America/New_York"))
    assert moment.isoformat() == "2025-08-21T06:28:00-04:00"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "hier",
        "not a date",
        "2025082",
        "20251321",
        "32.8.2025 - 06:28",
        "21.13.2025 - 06:28",
        "29.2.2025 - 06:28",
        "2025-02-30",
        "21.8.2025 - 25:00",
        "21.8.2025 - 06:61",
        "21.8.2025 - 6",
        "21 Brumaire 2025, 06:28",
        "21.8.2025 06:28 nowhere",
        "21.8.2025 13:00 pm",
        "August 2025",
        "21.8.25 - 06:28",
    ],
)
def test_unreadable_dates_raise_value_error(text: str) -> None:
    with pytest.raises(ValueError):
        parse_date(text, ZURICH)


@pytest.mark.parametrize(
    "text",
    [
        "0000-01-01",
        "0001-01-01T00:00:00",
        "0001-01-01T00:00:00+02:00",
        "1.1.0001 - 00:00",
        "1.1.1 - 00:00",
        "1.1.0 - 00:00",
        "31.12.1899 - 23:00",
        "9999-12-31T23:59:59-01:00",  # in UTC, the year 10000
        "10000-01-01",
        "1.1.10000 - 00:00",
        "1 janvier 10000",
    ],
)
def test_out_of_range_years_are_rejected(text: str) -> None:
    with pytest.raises(ValueError, match=r"; use 1900 to 9999$| like '21.8.2025 - 06:28'"):
        parse_date(text, ZURICH)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1.1.1900 - 00:00", "1900-01-01T00:00:00+01:00"),
        ("9999-12-31T23:59:59", "9999-12-31T23:59:59+01:00"),
        ("9999-12-31T23:59:59Z", "9999-12-31T23:59:59+00:00"),
        ("31.12.9999 - 23:59", "9999-12-31T23:59:00+01:00"),
    ],
)
def test_years_1900_to_9999_are_dates(text: str, expected: str) -> None:
    assert parse_date(text, ZURICH).isoformat() == expected


def test_the_last_hours_of_9999_west_of_utc_are_out_of_range() -> None:
    with pytest.raises(ValueError, match="in the year 10000 in UTC; use 1900 to 9999"):
        parse_date("31.12.9999 - 23:00", ZoneInfo("America/New_York"))


@pytest.mark.parametrize(
    ("zone", "local", "expected"),
    [
        ("Africa/Monrovia", dt.datetime(1971, 1, 1), "1971-01-01T00:00:30-00:44"),  # -0:44:30
        ("Europe/Amsterdam", dt.datetime(1930, 6, 1, 12), "1930-06-01T12:00:28+01:20"),  # +1:19:32
    ],
)
def test_an_offset_in_seconds_becomes_whole_minutes_at_the_same_moment(
    zone: str, local: dt.datetime, expected: str
) -> None:
    # RFC 3339 and RFC 822 offsets have no seconds: feedparser misread -00:44:30 by days.
    moment = parse_date(local.strftime("%d.%m.%Y - %H:%M"), ZoneInfo(zone))
    assert moment.isoformat() == expected
    assert moment == local.replace(tzinfo=ZoneInfo(zone))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (dt.datetime(2025, 8, 21, 6, 28), "2025-08-21T06:28:00+02:00"),
        (dt.datetime(2025, 8, 21, 6, 28, tzinfo=dt.UTC), "2025-08-21T06:28:00+00:00"),
        (dt.date(2025, 1, 21), "2025-01-21T00:00:00+01:00"),
        ("21 août 2025, 06h28", "2025-08-21T06:28:00+02:00"),
    ],
)
def test_from_value_accepts_front_matter_values(value: object, expected: str) -> None:
    assert from_value(value, ZURICH).isoformat() == expected


@pytest.mark.parametrize(
    "value",
    [
        20250821,
        True,
        None,
        ["2025-08-21"],
        dt.datetime(1, 1, 1),
        dt.date(1, 1, 1),
        dt.datetime(9999, 12, 31, 23, 59, tzinfo=dt.timezone(dt.timedelta(hours=-1))),
    ],
)
def test_from_value_rejects_other_values(value: object) -> None:
    with pytest.raises(ValueError):
        from_value(value, ZURICH)


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("fr", "21 août 2025, 06:28"),
        ("fr-CH", "21 août 2025, 06:28"),
        ("de", "21. August 2025, 06:28"),
        ("it", "21 agosto 2025, 06:28"),
        ("en", "21 August 2025, 06:28"),
        ("rm", "2025-08-21 06:28"),
    ],
)
def test_format_date_writes_the_month_in_the_language(language: str, expected: str) -> None:
    moment = dt.datetime(2025, 8, 21, 6, 28, tzinfo=ZURICH)
    assert format_date(moment, language) == expected
