"""The compiled dump of response schemas (backend/fast_dump.py) gives what marshmallow gives."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from marshmallow import Schema, fields, pre_dump

from backend.api import DecimalString, page_schema
from backend.claims.schemas import ClaimSummarySchema
from backend.fast_dump import FastDumpSchema
from backend.reports import schemas as reports
from backend.review.schemas import QueueItemSchema

WHEN = datetime(2026, 3, 4, 5, 6, 7, 89, tzinfo=UTC)


def marshmallow_dump(schema, obj):
    return Schema.dump(schema, obj)


def claim(**changes):
    row = {
        "id": 7, "status": "adjudicated", "decision": "paid", "claim_type": "professional",
        "channel": "edi", "patient_control_number": "PCN-1", "member_id": 3,
        "billing_provider_id": 4, "billing_provider_npi": "1234567893",
        "service_from": date(2026, 1, 2), "service_to": None, "total_charge_cents": 12345,
        "allowed_cents": None, "paid_cents": 10, "patient_responsibility_cents": 0,
        "received_at": WHEN, "adjudicated_at": None,
    }  # fmt: skip
    return {**row, **changes}


def test_a_page_of_claims_dumps_as_marshmallow_dumps_it():
    schema = page_schema(ClaimSummarySchema)()
    page = {"items": [claim(), claim(id=8, decision=None, allowed_cents=5)], "total": 10_001,
            "total_is_estimate": True, "page": 2, "page_size": 2}  # fmt: skip
    assert schema.dump(page) == marshmallow_dump(schema, page)
    assert schema.dump(page)["items"][0]["received_at"] == "2026-03-04T05:06:07.000089+00:00"


def test_review_queue_items_with_nested_parties_dump_alike():
    item = {
        **claim(), "pend_reason": "risk", "risk_score": 0.91, "risk_model_version": "rules-1",
        "risk_scoring_failed": False, "billed_cents": 5, "pended_at": WHEN, "days_in_queue": 3,
        "risk_reasons": [{"line_number": 1, "rule": "em_units", "score": 1.0, "detail": "x"}],
        "provider": {"id": 4, "name": "Alpha", "npi": "1234567893"},
        "member": None, "assignment": None, "awaiting_approval": None,
    }  # fmt: skip
    schema = page_schema(QueueItemSchema)()
    page = {"items": [item], "total": 1, "total_is_estimate": False, "page": 1, "page_size": 50}
    assert schema.dump(page) == marshmallow_dump(schema, page)


@pytest.mark.parametrize(
    "schema, report",
    [
        (reports.ReceivedReport, {"from": date(2026, 1, 1), "to": date(2026, 1, 2),
                                  "series": ["edi"], "data": [{"day": "2026-01-01", "edi": 3}],
                                  "totals": {"edi": 3}}),
        (reports.PendQueueReport, {"as_of": WHEN, "size": 2, "oldest_days": None, "buckets": [
            {"label": "0-2 days", "min_days": 0, "max_days": 2, "claims": 2}]}),
        (reports.BatchThroughputReport, {"from": date(2026, 1, 1), "to": date(2026, 1, 2),
                                         "batches": [{"batch_id": 1, "status": "done",
                                                      "created_at": WHEN, "finished_at": None,
                                                      "claims": 3, "seconds": 1.5,
                                                      "claims_per_second": None}]}),
    ],
)  # fmt: skip
def test_reports_dump_alike(schema, report):
    assert schema().dump(report) == marshmallow_dump(schema(), report)


class Awkward(FastDumpSchema):
    """Fields the compiled dump hands back to marshmallow."""

    renamed = fields.Integer(data_key="renamedKey", attribute="inner_name")
    computed = fields.Method("compute")
    plucked = fields.Pluck(Schema.from_dict({"id": fields.Integer()}), "id")
    defaulted = fields.String(dump_default="none given")
    dotted = fields.Integer(attribute="nested.value")
    money = DecimalString()
    tags = fields.List(fields.String())

    def compute(self, obj):
        return obj["inner_name"] * 2


class Hooked(FastDumpSchema):
    value = fields.Integer()

    @pre_dump
    def doubled(self, obj, **kwargs):
        return {"value": obj["value"] * 2}


def test_fields_it_does_not_take_apart_still_dump_as_marshmallow_does():
    obj = {"inner_name": 4, "plucked": {"id": 9}, "nested": {"value": 5},
           "money": Decimal("1.500"), "tags": ["a", 1]}  # fmt: skip
    dumped = Awkward().dump(obj)
    assert dumped == marshmallow_dump(Awkward(), obj)
    assert dumped["renamedKey"] == 4 and dumped["computed"] == 8 and dumped["plucked"] == 9
    assert dumped["defaulted"] == "none given" and dumped["dotted"] == 5
    assert dumped["money"] == "1.500"
    assert Hooked().dump({"value": 2}) == {"value": 4}
    assert Hooked(many=True).dump([{"value": 1}]) == [{"value": 2}]


def test_values_kept_as_they_are_and_values_converted_dump_alike():
    """The compiled dump passes an int, float, bool or str of its field's own type (and None)
    through unchanged; everything else goes through the field's conversion."""

    class Values(FastDumpSchema):
        number = fields.Integer(allow_none=True)
        text = fields.String(allow_none=True)
        ratio = fields.Float(allow_none=True)
        flag = fields.Boolean(allow_none=True)
        counted = fields.Integer(as_string=True)
        at = fields.DateTime(allow_none=True)
        on = fields.Date(allow_none=True)
        stamp = fields.DateTime(format="timestamp")

    schema = Values()
    rows = [
        {"number": 3, "text": "a", "ratio": 0.5, "flag": True, "counted": 4, "at": WHEN,
         "on": date(2026, 1, 2), "stamp": WHEN},
        {"number": None, "text": None, "ratio": None, "flag": None, "counted": 0, "at": None,
         "on": None, "stamp": WHEN},
        {"number": True, "text": 12, "ratio": 2, "flag": 0, "counted": Decimal("5"),
         "at": WHEN, "on": date(2026, 1, 2), "stamp": WHEN},
        {"number": Decimal("7"), "text": Decimal("1.50"), "ratio": Decimal("0.25"), "flag": 1,
         "counted": 9, "at": WHEN, "on": date(2026, 1, 2), "stamp": WHEN},
    ]  # fmt: skip
    for row in rows:
        assert schema.dump(row) == marshmallow_dump(schema, row)
    dumped = schema.dump(rows[2])
    assert type(dumped["number"]) is int and dumped["text"] == "12"


def test_a_claim_detail_dumps_as_marshmallow_dumps_it(world, db):
    """The detail: staged and adjudicated lines as mapped objects, nested adjudication."""
    from backend.auth.principal import DataScope
    from backend.claims.read import claim_detail
    from backend.claims.schemas import ClaimDetailSchema
    from backend.tests import factories as f

    f.make_adjudicated(db, world.claims["b_other"], decision="denied")
    f.make_adjudicated(db, world.claims["a_child"])
    for name in ("b_other", "a_child"):
        detail = claim_detail(DataScope(everything=True), world.claims[name].id)
        schema = ClaimDetailSchema()
        assert schema.dump(detail) == marshmallow_dump(schema, detail)
        assert schema.dump(detail)["adjudication"]["decision"]
