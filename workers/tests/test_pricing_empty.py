"""A payer that has loaded no fee schedule yet: lines are not priced by RVUs, nothing raises."""

import numpy as np

from workers.pipeline import pricing


class _NoFeeSchedule:
    work_rvu = np.zeros(0, np.int64)


def test_no_fee_schedule_prices_nothing_by_rvus():
    result = pricing._rvu_prices(None, _NoFeeSchedule(), np.array([-1, -1]), None, None)
    assert list(result.method) == [pricing.NOT_PRICED] * 2
    assert list(result.fee) == [0, 0]
    assert list(result.factor_denominator) == [1, 1]
