"""Dates as day numbers (int, days since 1970-01-01), the generator's unit for dates."""

import numpy as np

EPOCH = np.datetime64("1970-01-01", "D")
NEVER = np.iinfo(np.int32).max  # an open end: no termination
DAYS_PER_YEAR = 365.25


def month_start(days: np.ndarray) -> np.ndarray:
    """The first day of the month of each day."""
    months = (EPOCH + np.asarray(days).astype("timedelta64[D]")).astype("datetime64[M]")
    return (months.astype("datetime64[D]") - EPOCH).astype(np.int64)
