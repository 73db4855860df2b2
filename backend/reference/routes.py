"""Look-ups for claim entry and for reading claims: procedure, diagnosis, place-of-service,
modifier, CARC and RARC codes with their descriptions. Any caller who may read claims
(`claims:read`: every built-in role) may look codes up; code lists are public data, not PHI,
so the calls are not audited.

Search (`q`): a code prefix (case and ICD-10-CM dots ignored) or words that each start a word
of the description, e.g. `q=knee arth`. Results are ordered by code and bounded by `limit`;
`truncated` says that more codes matched.
"""

from __future__ import annotations

import re

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from sqlalchemy import and_, func, or_, select

from backend.auth.permissions import CLAIMS_READ
from backend.auth.principal import permission_required
from backend.db import Session
from backend.reference.models import (
    CarcCode,
    FeeScheduleRvu,
    Icd10CmCode,
    Modifier,
    PlaceOfService,
    RarcCode,
)

blp = Blueprint("reference", __name__, url_prefix="/api/v1/reference", description="Code look-ups")


class SearchArgs(Schema):
    q = fields.String(load_default="", validate=validate.Length(max=100))
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


class ListArgs(SearchArgs):
    limit = fields.Integer(load_default=1000, validate=validate.Range(min=1, max=2000))


CodeItem = Schema.from_dict(
    {"code": fields.String(), "description": fields.String(allow_none=True),
     "is_facility": fields.Boolean(), "pricing_rule": fields.String(),
     "formatted": fields.String()},
    name="CodeItem",
)  # fmt: skip
CodeList = Schema.from_dict(
    {"items": fields.List(fields.Nested(CodeItem)), "truncated": fields.Boolean()},
    name="CodeList",
)


def _matches(code_column, description_column, q: str):
    """A code prefix, or every word of `q` at the start of a word of the description."""
    q = q.strip()
    if not q:
        return None
    prefix = q.replace(".", "").upper()
    words = [re.escape(word) for word in q.split()]
    described = and_(*(description_column.regexp_match(rf"\m{word}", "i") for word in words))
    return or_(code_column.startswith(prefix, autoescape=True), described)


def _search(statement, code_column, description_column, args, extra=()):
    condition = _matches(code_column, description_column, args["q"])
    if condition is not None:
        statement = statement.where(condition)
    rows = Session.execute(statement.order_by(code_column).limit(args["limit"] + 1)).all()
    items = [dict(row._mapping) for row in rows[: args["limit"]]]
    return {"items": items, "truncated": len(rows) > args["limit"]}


def _lookup(path: str, summary: str, args_schema, query):
    """One GET view at `path` answering `query(args)`."""

    class View(MethodView):
        @blp.response(200, CodeList)
        @permission_required(CLAIMS_READ)
        @blp.arguments(args_schema, location="query")
        def get(self, args):
            return query(args)

    View.get.__doc__ = summary
    View.__name__ = f"Lookup{path.strip('/').title().replace('-', '')}"
    blp.route(path)(View)


def procedures(args):
    rvu = FeeScheduleRvu
    statement = select(
        rvu.hcpcs_code.label("code"), func.max(rvu.description).label("description")
    ).group_by(rvu.hcpcs_code)
    return _search(statement, rvu.hcpcs_code, rvu.description, args)


def diagnoses(args):
    icd = Icd10CmCode
    statement = select(icd.code, icd.description).where(icd.is_billable.is_(True))
    result = _search(statement, icd.code, icd.description, args)
    for item in result["items"]:  # claims carry the code without the dot; people read it with
        code = item["code"]
        item["formatted"] = f"{code[:3]}.{code[3:]}" if len(code) > 3 else code
    return result


def places_of_service(args):
    pos = PlaceOfService
    statement = select(pos.code, pos.name.label("description"), pos.is_facility)
    return _search(statement, pos.code, pos.name, args)


def modifiers(args):
    statement = select(Modifier.code, Modifier.description, Modifier.pricing_rule)
    return _search(statement, Modifier.code, Modifier.description, args)


def carc(args):
    statement = select(CarcCode.code, CarcCode.description)
    return _search(statement, CarcCode.code, CarcCode.description, args)


def rarc(args):
    statement = select(RarcCode.code, RarcCode.description)
    return _search(statement, RarcCode.code, RarcCode.description, args)


_lookup("/procedures", "HCPCS/CPT codes of the loaded fee schedule", SearchArgs, procedures)
_lookup("/diagnoses", "Billable ICD-10-CM codes", SearchArgs, diagnoses)
_lookup("/places-of-service", "Place-of-service codes", ListArgs, places_of_service)
_lookup("/modifiers", "Procedure modifiers the pricing recognises", ListArgs, modifiers)
_lookup("/carc", "Claim adjustment reason codes (CARC)", ListArgs, carc)
_lookup("/rarc", "Remittance advice remark codes (RARC)", ListArgs, rarc)
