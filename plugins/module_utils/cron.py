# Copyright: rustfs.operator contributors
# Apache License 2.0 (see LICENSE)
"""Schedules as a Kubernetes CronJob reads them, evaluated in UTC: when is the next time after a moment.

A 5-field cron expression (minute, hour, day of month, month, day of week), the macros @hourly,
@daily (@midnight), @weekly, @monthly, @yearly (@annually), and the interval @every <duration>
(Velero's schedules accept it), with the semantics of github.com/robfig/cron v3, the parser of the
CronJob controller and of Velero: day of month and day of week, both restricted, match either; a
field starting with `*` (no step, or step 1) leaves the other deciding alone. No dependency: the
collection ships no cron library and a schedule is small enough to read here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Union

MACROS = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}
MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
WEEKDAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
# (name, lowest, highest, names for the lowest value on)
FIELDS = (
    ("minute", 0, 59, ()),
    ("hour", 0, 23, ()),
    ("day of month", 1, 31, ()),
    ("month", 1, 12, MONTHS),
    ("day of week", 0, 7, WEEKDAYS),
)
_DURATION = re.compile(r"^(?:([0-9]+)h)?(?:([0-9]+)m)?(?:([0-9]+)s)?$", re.ASCII)
MIN_INTERVAL = timedelta(minutes=1)
# 29 February comes back within 8 years (2096 -> 2104): a schedule that fires at all fires by then.
SEARCH_DAYS = 366 * 8 + 2


@dataclass(frozen=True)
class Cron:
    minutes: tuple[int, ...]
    hours: tuple[int, ...]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]  # 0 = Sunday
    any_day: bool  # day of month starts with `*`
    any_weekday: bool  # day of week starts with `*`

    def _day_matches(self, day: date) -> bool:
        in_month = day.day in self.days
        in_week = (day.weekday() + 1) % 7 in self.weekdays
        if self.any_day or self.any_weekday:
            return in_month and in_week
        return in_month or in_week

    def next_after(self, moment: datetime) -> datetime:
        """The first time strictly after MOMENT (UTC) the schedule fires; ValueError when it never does."""
        start = moment.astimezone(UTC).replace(second=0, microsecond=0) + timedelta(minutes=1)
        for offset in range(SEARCH_DAYS):
            day = start.date() + timedelta(days=offset)
            if day.month not in self.months or not self._day_matches(day):
                continue
            for hour in self.hours:
                if offset == 0 and hour < start.hour:
                    continue
                for minute in self.minutes:
                    if offset == 0 and hour == start.hour and minute < start.minute:
                        continue
                    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)
        raise ValueError("the schedule never fires (no such date)")


@dataclass(frozen=True)
class Every:
    interval: timedelta

    def next_after(self, moment: datetime) -> datetime:
        return moment.astimezone(UTC) + self.interval


# typing.Union, not `|`: this alias is evaluated at import, where ansible-test's pylint refuses `|` of classes.
Schedule = Union[Cron, Every]  # noqa: UP007


def _value(text: str, low: int, names: tuple[str, ...], what: str) -> int:
    lowered = text.lower()
    if lowered in names:
        return low + names.index(lowered)
    if not text.isascii() or not text.isdigit():
        raise ValueError(f"{what}: {text!r} is not a number" + (f" or a name ({names[0]}, ...)" if names else ""))
    return int(text)


def _field(text: str, what: str, low: int, high: int, names: tuple[str, ...]) -> tuple[set[int], bool]:
    """(the values of one field, whether it starts with `*` in robfig's sense)."""
    values: set[int] = set()
    star = False
    for item in text.split(","):
        span, _slash, step_text = item.partition("/")
        step = 1
        if step_text:
            if not step_text.isascii() or not step_text.isdigit() or int(step_text) == 0:
                raise ValueError(f"{what}: the step in {item!r} must be a whole number greater than 0")
            step = int(step_text)
        if span in ("*", "?"):
            first, last = low, high
            star = star or step == 1
        else:
            first_text, dash, last_text = span.partition("-")
            first = _value(first_text, low, names, what)
            last = _value(last_text, low, names, what) if dash else (high if step_text else first)
        if not low <= first <= high or not low <= last <= high:
            raise ValueError(f"{what}: {item!r} is outside {low}-{high}")
        if first > last:
            raise ValueError(f"{what}: the range {item!r} runs backwards")
        values.update(range(first, last + 1, step))
    return values, star


def _duration(text: str) -> timedelta:
    match = _DURATION.match(text)
    if not text or match is None:
        raise ValueError(f"@every: {text!r} is not a duration such as 6h, 90m or 1h30m")
    hours, minutes, seconds = (int(part or 0) for part in match.groups())
    interval = timedelta(hours=hours, minutes=minutes, seconds=seconds)
    if interval < MIN_INTERVAL:
        raise ValueError("@every: the interval must be at least 1m")
    return interval


def parse(text: str) -> Schedule:
    """The schedule TEXT describes; ValueError saying what is wrong otherwise."""
    stripped = " ".join(str(text).split())
    if stripped.upper().startswith(("TZ=", "CRON_TZ=")):
        raise ValueError("schedules are evaluated in UTC; a time zone prefix (TZ=, CRON_TZ=) is not supported")
    if stripped.lower().startswith("@every "):
        return Every(_duration(stripped[len("@every ") :].strip()))
    expression = MACROS.get(stripped.lower(), stripped)
    if expression.startswith("@"):
        raise ValueError(f"unknown macro {stripped!r} (use {', '.join(MACROS)} or @every <duration>)")
    parts = expression.split(" ")
    if len(parts) != 5:
        raise ValueError(
            f"{stripped!r} has {len(parts)} fields; a cron schedule has 5 (minute hour day-of-month month day-of-week)"
        )
    found = [_field(part, *spec) for part, spec in zip(parts, FIELDS, strict=True)]
    weekdays = {0 if day == 7 else day for day in found[4][0]}
    cron = Cron(
        minutes=tuple(sorted(found[0][0])),
        hours=tuple(sorted(found[1][0])),
        days=frozenset(found[2][0]),
        months=frozenset(found[3][0]),
        weekdays=frozenset(weekdays),
        any_day=found[2][1],
        any_weekday=found[4][1],
    )
    cron.next_after(datetime(2000, 1, 1, tzinfo=UTC))  # refuses a schedule that never fires (30 February)
    return cron


def problem(text: str) -> str | None:
    """Why TEXT is no schedule, or None when it is one."""
    try:
        parse(text)
    except ValueError as error:
        return str(error)
    return None
