"""Risk model gauges for /metrics, read at scrape time from what the workers wrote to Redis
after their last chunk (workers/risk_metrics.py)."""

from __future__ import annotations

from prometheus_client.core import GaugeMetricFamily

PSI = "askes:metrics:risk:psi"  # "model|feature" -> PSI of the last chunk
RATES = "askes:metrics:risk:rates"  # "model|pend_rate" / "model|share_above_threshold"


class RiskCollector:
    def __init__(self, redis):
        self.redis = redis

    def collect(self):
        psi = GaugeMetricFamily(
            "askes_risk_psi",
            "Population stability index of the last chunk against the training deciles",
            labels=["model", "feature"],
        )
        pend = GaugeMetricFamily(
            "askes_risk_pend_rate",
            "Share of the last chunk's scored claims pended",
            labels=["model"],
        )
        above = GaugeMetricFamily(
            "askes_risk_share_above_threshold",
            "Share of the last chunk's scored claims at or above the model's threshold",
            labels=["model"],
        )
        try:
            for key, value in sorted(self.redis.hgetall(PSI).items()):
                model, _, feature = key.decode().partition("|")
                psi.add_metric([model, feature], float(value))
            for key, value in sorted(self.redis.hgetall(RATES).items()):
                model, _, name = key.decode().partition("|")
                (pend if name == "pend_rate" else above).add_metric([model], float(value))
        except Exception:  # Redis down: /ready says so; metrics omit the samples
            pass
        yield psi
        yield pend
        yield above
