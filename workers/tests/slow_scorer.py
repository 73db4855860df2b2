"""A risk scorer that takes its time: makes a chunk last long enough to kill its worker
mid-chunk in the SIGKILL test (ASKES_RISK_SCORER=workers.tests.slow_scorer:SlowRules);
SLOW_SCORER_SECONDS sets the pause (1 s)."""

import os
import time

from workers.pipeline.risk import ChargeRatioRules


class SlowRules(ChargeRatioRules):
    version = "rules-1-slow"

    def score(self, features):
        time.sleep(float(os.environ.get("SLOW_SCORER_SECONDS", "1.0")))
        return super().score(features)
