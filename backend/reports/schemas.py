"""Report arguments: a range of whole UTC days, `from` and `to` inclusive."""

from datetime import UTC, datetime, timedelta

from marshmallow import Schema, ValidationError, fields, post_load, validate, validates_schema

from backend.fast_dump import FastDumpSchema

MAX_SPAN_DAYS = 366
DEFAULT_SPAN_DAYS = 30


class RangeArgs(Schema):
    """`from`/`to` (YYYY-MM-DD); by default the last 30 days up to today (UTC)."""

    start = fields.Date(data_key="from")
    end = fields.Date(data_key="to")

    @validates_schema
    def span(self, data, **_kwargs):
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            raise ValidationError("must not be after `to`", "from")
        if start and end and (end - start).days + 1 > MAX_SPAN_DAYS:
            raise ValidationError(f"a range covers at most {MAX_SPAN_DAYS} days", "to")

    @post_load
    def defaults(self, data, **_kwargs):
        end = data.get("end") or (
            data["start"] + timedelta(days=DEFAULT_SPAN_DAYS - 1)
            if "start" in data
            else datetime.now(UTC).date()
        )
        start = data.get("start") or end - timedelta(days=DEFAULT_SPAN_DAYS - 1)
        return {"start": start, "end": end}


class TopArgs(RangeArgs):
    limit = fields.Integer(load_default=10, validate=validate.Range(min=1, max=100))

    @post_load
    def defaults(self, data, **kwargs):
        return {**super().defaults(data, **kwargs), "limit": data["limit"]}


def _range(name: str, extra: dict) -> type[Schema]:
    return FastDumpSchema.from_dict(
        {"from": fields.Date(attribute="from"), "to": fields.Date(attribute="to"), **extra},
        name=name,
    )


def _per_day(name: str) -> type[Schema]:
    """{"series": [...], "data": [{"day": "YYYY-MM-DD", <series>: n, ...}], "totals": {...}}"""
    return _range(name, {
        "series": fields.List(fields.String()),
        "data": fields.List(fields.Dict(keys=fields.String())),
        "totals": fields.Dict(keys=fields.String(), values=fields.Integer()),
    })  # fmt: skip


ReceivedReport = _per_day("ReceivedReport")
DecisionsReport = _per_day("DecisionsReport")
AutoAdjudicationReport = _range("AutoAdjudicationReport", {
    "series": fields.List(fields.String()),
    "data": fields.List(fields.Dict(keys=fields.String())),
    "totals": fields.Dict(keys=fields.String(), values=fields.Integer()),
    "rate": fields.Float(allow_none=True),
})  # fmt: skip
DenialsReport = _range("DenialsReport", {
    "finalized": fields.Integer(), "denied": fields.Integer(),
    "rate": fields.Float(allow_none=True),
    "top_carc": fields.List(fields.Nested(Schema.from_dict(
        {"carc": fields.String(), "description": fields.String(allow_none=True),
         "lines": fields.Integer()}, name="CarcCount"))),
})  # fmt: skip
PendQueueReport = FastDumpSchema.from_dict({
    "as_of": fields.DateTime(), "size": fields.Integer(),
    "oldest_days": fields.Integer(allow_none=True),
    "buckets": fields.List(fields.Nested(Schema.from_dict(
        {"label": fields.String(), "min_days": fields.Integer(),
         "max_days": fields.Integer(allow_none=True), "claims": fields.Integer()},
        name="PendAgeBucket"))),
}, name="PendQueueReport")  # fmt: skip
DaysToPaymentReport = _range("DaysToPaymentReport", {
    "basis": fields.String(), "paid_claims": fields.Integer(),
    "median_days": fields.Integer(allow_none=True), "p90_days": fields.Integer(allow_none=True),
    "histogram": fields.List(fields.Nested(Schema.from_dict(
        {"days": fields.Integer(), "claims": fields.Integer()}, name="LagCount"))),
})  # fmt: skip
PaidByProviderReport = _range("PaidByProviderReport", {
    "total_paid_cents": fields.Integer(),
    "providers": fields.List(fields.Nested(Schema.from_dict(
        {"billing_provider_id": fields.Integer(), "npi": fields.String(allow_none=True),
         "name": fields.String(allow_none=True), "claims": fields.Integer(),
         "paid_cents": fields.Integer()}, name="ProviderPaid"))),
})  # fmt: skip
BatchThroughputReport = _range("BatchThroughputReport", {
    "batches": fields.List(fields.Nested(Schema.from_dict(
        {"batch_id": fields.Integer(), "status": fields.String(), "created_at": fields.DateTime(),
         "finished_at": fields.DateTime(allow_none=True), "claims": fields.Integer(),
         "seconds": fields.Float(allow_none=True),
         "claims_per_second": fields.Float(allow_none=True)}, name="BatchThroughput"))),
})  # fmt: skip
