"""Schedules (module_utils/cron.py): the next time after a moment, as the CronJob controller computes it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ansible_collections.rustfs.operator.plugins.module_utils import cron


def at(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("schedule", "after", "expected"),
    [
        ("0 2 * * *", "2026-12-06 01:59:59", "2026-12-06 02:00:00"),
        ("0 2 * * *", "2026-12-06 02:00:00", "2026-12-07 02:00:00"),  # strictly after
        ("0 2 * * *", "2026-12-06 02:00:30", "2026-12-07 02:00:00"),
        ("*/15 * * * *", "2026-12-06 06:14:59", "2026-12-06 06:15:00"),
        ("*/15 * * * *", "2026-12-06 23:59:00", "2026-12-07 00:00:00"),
        ("5/20 * * * *", "2026-12-06 06:26:00", "2026-12-06 06:45:00"),
        ("30 1-3 * * *", "2026-12-06 03:30:00", "2026-12-07 01:30:00"),
        ("0 0 1 * *", "2026-12-31 23:59:00", "2027-01-01 00:00:00"),  # year boundary
        ("0 0 29 2 *", "2026-03-01 00:00:00", "2028-02-29 00:00:00"),  # leap day
        ("0 0 31 * *", "2026-04-01 00:00:00", "2026-05-31 00:00:00"),  # April has no 31st
        ("0 3 * * sun", "2026-12-06 03:00:00", "2026-12-13 03:00:00"),  # 2026-12-06 is a Sunday
        ("0 3 * * 7", "2026-12-05 00:00:00", "2026-12-06 03:00:00"),  # 7 is Sunday too
        ("0 3 * * MON-FRI", "2026-12-05 04:00:00", "2026-12-07 03:00:00"),
        ("0 0 1 jan,jul *", "2026-02-01 00:00:00", "2026-07-01 00:00:00"),
        # Both days restricted: either matches (13th, or a Friday).
        ("0 0 13 * 5", "2026-12-06 00:00:00", "2026-12-11 00:00:00"),
        # Day of week `*`: only the day of month decides.
        ("0 0 13 * *", "2026-12-06 00:00:00", "2026-12-13 00:00:00"),
        # `*/2` is no star (robfig): both restricted, either matches.
        ("0 0 13 * */2", "2026-12-06 00:00:00", "2026-12-08 00:00:00"),
        ("@daily", "2026-12-06 06:13:00", "2026-12-07 00:00:00"),
        ("@hourly", "2026-12-06 06:13:00", "2026-12-06 07:00:00"),
        ("@weekly", "2026-12-06 06:13:00", "2026-12-13 00:00:00"),
        ("@monthly", "2026-12-06 06:13:00", "2027-01-01 00:00:00"),
        ("@yearly", "2026-12-06 06:13:00", "2027-01-01 00:00:00"),
        ("  0   2 * *   * ", "2026-12-06 01:00:00", "2026-12-06 02:00:00"),
        ("@every 6h", "2026-12-06 06:13:20", "2026-12-06 12:13:20"),
        ("@every 1h30m", "2026-12-06 06:13:00", "2026-12-06 07:43:00"),
    ],
)
def test_next_after(schedule: str, after: str, expected: str) -> None:
    assert cron.parse(schedule).next_after(at(after)) == at(expected)


def test_a_moment_in_another_zone_is_read_as_utc() -> None:
    from datetime import timezone

    plus_two = datetime(2026, 12, 6, 3, 30, tzinfo=timezone(timedelta(hours=2)))  # 01:30 UTC
    assert cron.parse("0 2 * * *").next_after(plus_two) == at("2026-12-06 02:00:00")


@pytest.mark.parametrize(
    ("schedule", "says"),
    [
        ("0 2 * *", "has 4 fields"),
        ("0 2 * * * *", "has 6 fields"),
        ("60 * * * *", "outside 0-59"),
        ("0 24 * * *", "outside 0-23"),
        ("0 0 0 * *", "outside 1-31"),
        ("0 0 * 13 *", "outside 1-12"),
        ("0 0 * * 8", "outside 0-7"),
        ("*/0 * * * *", "greater than 0"),
        ("5-1 * * * *", "runs backwards"),
        ("x * * * *", "not a number"),
        ("0 0 30 2 *", "never fires"),
        ("@fortnightly", "unknown macro"),
        ("@every 30s", "at least 1m"),
        ("@every soon", "not a duration"),
        ("TZ=Europe/Paris 0 2 * * *", "evaluated in UTC"),
        ("CRON_TZ=UTC 0 2 * * *", "evaluated in UTC"),
        ("", "has 1 fields"),
        ("٣ * * * *", "not a number"),  # a non-ASCII digit
    ],
)
def test_refused_schedules_say_why(schedule: str, says: str) -> None:
    why = cron.problem(schedule)
    assert why is not None and says in why, why


def test_every_valid_schedule_has_no_problem() -> None:
    assert cron.problem("0 */6 * * 1-5") is None
    assert cron.problem("@midnight") is None
