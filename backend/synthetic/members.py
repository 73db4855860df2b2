"""Synthetic members: households of a subscriber, often a spouse, and children, with addresses,
plans and coverage spans (continuous, joined late, terminated, or changed plan).

Vectorized over households. Dates are day numbers from 1970-01-01; `NEVER` is an open end.
Sex is 0 = female, 1 = male. Expected mix at the start of the window (checked by the tests):
about 25 % under 18, 13 % 65 and over, half female.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from backend.synthetic import names
from backend.synthetic.dates import DAYS_PER_YEAR, NEVER, month_start

# Coverage patterns of a household over the service window, and their shares.
CONTINUOUS, JOINED, TERMINATED, CHANGED = range(4)
COVERAGE_SHARES = (0.70, 0.10, 0.10, 0.10)


@dataclass
class Members:
    """One row per member; subscribers come first in their household."""

    household: np.ndarray  # int32
    subscriber: np.ndarray  # int32 row of the subscriber, -1 for a subscriber
    relationship: np.ndarray  # S2 X12 code: 18 self, 01 spouse, 19 child
    sex: np.ndarray  # int8
    birth_day: np.ndarray  # int32
    first_name: np.ndarray  # U
    middle_name: np.ndarray  # U, "" for none
    last_name: np.ndarray  # U
    member_number: np.ndarray  # S13: tag + household (7 digits) + position (2 digits)
    address_line1: np.ndarray  # U
    city: np.ndarray  # U
    state: np.ndarray  # S2
    postal_code: np.ndarray  # S5
    group_number: np.ndarray  # S employer group
    plan: np.ndarray  # int16 plan (position in Population.plans) until change_day
    next_plan: np.ndarray  # int16 plan from change_day, -1 if none
    effective: np.ndarray  # int32 first covered day
    change_day: np.ndarray  # int32 first day of next_plan, NEVER if none
    termination: np.ndarray  # int32 last covered day, NEVER if open
    utilization: np.ndarray  # float relative claim volume
    id: np.ndarray  # int64 member.id once stored

    def __len__(self) -> int:
        return len(self.sex)

    def age_on(self, day: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """Age in whole years of members `rows` on `day`."""
        return ((day - self.birth_day[rows]) / DAYS_PER_YEAR).astype(np.int64)

    def plan_on(self, day: np.ndarray, rows: np.ndarray) -> np.ndarray:
        return np.where(day >= self.change_day[rows], self.next_plan[rows], self.plan[rows])

    def covered_on(self, day: np.ndarray, rows: np.ndarray) -> np.ndarray:
        return (day >= self.effective[rows]) & (day <= self.termination[rows])


def make_members(rng, count, tag, window, plan_shares, localities) -> Members:
    """`count` members in households; `plan_shares` (plans,) weights plan choice, `localities`
    is a callable(rng, n) -> (address_line1, city, state, postal_code) arrays."""
    household_ages, spouse, children = _households(rng, count)
    sizes = 1 + spouse + children
    household = np.repeat(np.arange(len(sizes)), sizes)[:count]
    position = np.arange(count) - np.repeat(np.cumsum(sizes) - sizes, sizes)[:count]
    first_row = np.cumsum(sizes) - sizes
    is_spouse = (position == 1) & spouse[household].astype(bool)
    relationship = np.where(position == 0, b"18", np.where(is_spouse, b"01", b"19"))
    age = _ages(rng, household_ages[household], position, is_spouse)
    sex = _sexes(rng, household, position, is_spouse)
    start = window[0]
    birth_day = (start - age * DAYS_PER_YEAR - rng.integers(0, 365, count)).astype(np.int32)
    plan, next_plan, effective, change_day, termination = _coverage(
        rng, len(sizes), window, plan_shares
    )
    effective = np.maximum(effective[household], birth_day)
    line1, city, state, postal = localities(rng, len(sizes))
    last = names.LAST[rng.integers(0, len(names.LAST), len(sizes))][household]
    own_last = is_spouse & (rng.random(count) < 0.2)
    last = np.where(own_last, names.LAST[rng.integers(0, len(names.LAST), count)], last)
    groups = max(1, len(sizes) // 50)
    group_number = _numbered(f"G{tag}", rng.integers(0, groups, len(sizes)), 5)[household]
    return Members(
        household=household.astype(np.int32),
        subscriber=np.where(position == 0, -1, first_row[household]).astype(np.int32),
        relationship=relationship.astype("S2"),
        sex=sex,
        birth_day=birth_day,
        first_name=_first_names(rng, sex),
        middle_name=_middle_names(rng, count),
        last_name=last,
        member_number=_member_numbers(tag, household, position),
        address_line1=line1[household],
        city=city[household],
        state=state[household],
        postal_code=postal[household],
        group_number=group_number,
        plan=plan[household],
        next_plan=next_plan[household],
        effective=effective.astype(np.int32),
        change_day=change_day[household],
        termination=termination[household],
        utilization=_utilization(rng, age, sex),
        id=np.zeros(count, dtype=np.int64),
    )


def _households(rng, count: int):
    """Enough households for `count` members: subscriber age, has spouse, number of children."""
    households = count + 16  # sizes are at least 1, so always enough
    retired = rng.random(households) < 0.2
    working = np.clip(rng.triangular(21, 40, 64, households), 21, 64)
    age = np.where(retired, rng.integers(65, 86, households), working).astype(np.int64)
    spouse = (rng.random(households) < 0.55).astype(np.int64)
    parenting = (age >= 24) & (age <= 60)
    children = np.where(parenting, np.minimum(rng.poisson(0.9, households), 4), 0)
    sizes = 1 + spouse + children
    enough = int(np.searchsorted(np.cumsum(sizes), count)) + 1
    return age[:enough], spouse[:enough], children[:enough]


def _ages(rng, subscriber_age, position, is_spouse):
    spouse_age = np.clip(subscriber_age + np.rint(rng.normal(0, 4, len(position))), 18, 90)
    oldest_child = np.clip(np.minimum(subscriber_age - 18, 25), 0, None)
    child_age = np.floor(rng.random(len(position)) * (oldest_child + 1))
    age = np.where(position == 0, subscriber_age, np.where(is_spouse, spouse_age, child_age))
    return age.astype(np.int64)


def _sexes(rng, household, position, is_spouse):
    subscriber_male = rng.random(household.max() + 1) < 0.5
    spouse_male = np.where(rng.random(len(position)) < 0.95, ~subscriber_male[household], True)
    own = rng.random(len(position)) < 0.5
    male = np.where(
        position == 0, subscriber_male[household], np.where(is_spouse, spouse_male, own)
    )
    return male.astype(np.int8)


def _coverage(rng, households: int, window, plan_shares):
    """Per household: plan, next plan, effective, change and termination days."""
    start, end = window
    pattern = rng.choice(4, households, p=COVERAGE_SHARES)
    before = month_start(start - rng.integers(31, 5 * 365, households))
    inside = month_start(start + 31 + (rng.random(households) * (end - start - 90)).astype(int))
    effective = np.where(pattern == JOINED, inside, before)
    leaving = month_start(start + 62 + (rng.random(households) * (end - start - 120)).astype(int))
    termination = np.where(pattern == TERMINATED, leaving - 1, NEVER)
    new_year = month_start(np.full(households, start + 366))
    change = np.where(rng.random(households) < 0.7, new_year, leaving)
    change_day = np.where((pattern == CHANGED) & (change <= end), change, NEVER)
    plans = len(plan_shares)
    plan = rng.choice(plans, households, p=plan_shares)
    shifted = (plan + rng.integers(1, max(plans, 2), households)) % plans
    next_plan = np.where(change_day < NEVER, shifted, -1)
    as_int32 = (np.asarray(a).astype(np.int32) for a in (effective, change_day, termination))
    return (plan.astype(np.int16), next_plan.astype(np.int16), *as_int32)


def _first_names(rng, sex) -> np.ndarray:
    female = names.FEMALE_FIRST[rng.integers(0, len(names.FEMALE_FIRST), len(sex))]
    male = names.MALE_FIRST[rng.integers(0, len(names.MALE_FIRST), len(sex))]
    return np.where(sex == 1, male, female)


def _middle_names(rng, count) -> np.ndarray:
    initials = np.array(list("ABCDEFGHIJKLMNOPRSTW"))[rng.integers(0, 20, count)]
    return np.where(rng.random(count) < 0.6, initials, "")


def _member_numbers(tag: str, household, position) -> np.ndarray:
    return np.strings.add(_numbered(tag, household, 7), _numbered("", position, 2)).astype("S13")


def _numbered(prefix: str, numbers: np.ndarray, digits: int) -> np.ndarray:
    return np.strings.add(prefix, np.strings.zfill(numbers.astype(f"U{digits}"), digits))


def _utilization(rng, age, sex) -> np.ndarray:
    """Claims drawn per member: age and sex curve times an individual frailty (long tail)."""
    curve = np.interp(age, [0, 1, 5, 18, 30, 45, 65, 80], [3.0, 1.8, 1.0, 0.8, 1.0, 1.6, 2.8, 3.6])
    curve = curve * np.where((sex == 0) & (age >= 18) & (age < 45), 1.5, 1.0)
    return curve * rng.gamma(0.8, 1.25, len(age))
