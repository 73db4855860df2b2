"""Claims-processing figures for /metrics, read at scrape time from the Redis counters the
workers add to after every chunk (workers are separate processes: nothing of theirs is in the
web process's registry)."""

from __future__ import annotations

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

STAGE_SECONDS = "askes:metrics:pipeline:stage_seconds"
CLAIMS = "askes:metrics:pipeline:claims"
REFERENCE_HITS = "askes:metrics:reference_cache:hits"
REFERENCE_MISSES = "askes:metrics:reference_cache:misses"


class PipelineCollector:
    def __init__(self, redis):
        self.redis = redis

    def collect(self):
        stages = CounterMetricFamily(
            "askes_pipeline_stage_seconds", "Seconds spent per pipeline stage", labels=["stage"]
        )
        claims = CounterMetricFamily(
            "askes_pipeline_claims", "Claims processed by outcome", labels=["outcome"]
        )
        hit_rate = GaugeMetricFamily(
            "askes_reference_cache_hit_ratio", "Share of reference-array lookups served by Redis"
        )
        try:
            for stage, value in sorted(self.redis.hgetall(STAGE_SECONDS).items()):
                stages.add_metric([stage.decode()], float(value))
            for outcome, value in sorted(self.redis.hgetall(CLAIMS).items()):
                claims.add_metric([outcome.decode()], float(value))
            hits, misses = (int(v or 0) for v in self.redis.mget(REFERENCE_HITS, REFERENCE_MISSES))
            if hits + misses:
                hit_rate.add_metric([], hits / (hits + misses))
        except Exception:  # Redis down: /ready says so; metrics omit the samples
            pass
        yield stages
        yield claims
        yield hit_rate
