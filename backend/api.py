"""The flask-smorest Api, shared schemas for pagination, and the paginated query helper."""

from __future__ import annotations

import time

import swagger_ui_bundle
from flask import Flask, current_app, send_from_directory
from flask_smorest import Api
from marshmallow import Schema, fields, validate
from sqlalchemy import Select, func, select

from backend.db import Session
from backend.errors import ErrorSchema
from backend.fast_dump import FastDumpSchema


class AskesApi(Api):
    ERROR_SCHEMA = ErrorSchema


class DecimalString(fields.Decimal):
    """An exact decimal sent as a string ("1.500"), never a float; documented as such."""

    def __init__(self, **kwargs):
        super().__init__(as_string=True, **kwargs)


def create_api(app: Flask) -> Api:
    """One Api per app (flask-smorest keeps its spec on the instance), plus Swagger UI's files."""
    api = AskesApi(
        app, spec_kwargs={"info": {"description": "Claims intake, adjudication, review."}}
    )
    app.extensions["smorest_api"] = api
    api.register_field(DecimalString, "string", "decimal")
    api.spec.components.security_scheme(
        "bearer", {"type": "http", "scheme": "bearer", "description": "askes_<prefix>_<secret>"}
    )
    api.spec.components.security_scheme(
        "session", {"type": "apiKey", "in": "cookie", "name": "session"}
    )

    @app.get("/api/swagger-ui/<path:filename>")
    def swagger_ui_files(filename: str):
        return send_from_directory(swagger_ui_bundle.swagger_ui_path, filename)

    return api


MAX_PAGE_SIZE = 200
MAX_PAGE = 1_000_000  # (page - 1) * page_size must stay a sane OFFSET
# What an integer in a query or body may be, by the column it meets: PostgreSQL refuses the
# rest, and an answer of 500 for an out-of-range number is the server's fault, not the caller's.
ROW_ID = validate.Range(min=1, max=2**63 - 1)  # bigint keys
BIGINT = validate.Range(min=-(2**63), max=2**63 - 1)
SMALL_ROW_ID = validate.Range(min=1, max=2**31 - 1)  # integer keys (users, tokens, plans)
CENTS = validate.Range(min=0, max=10**13)  # up to $100 billion


class PageArgs(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=MAX_PAGE))
    page_size = fields.Integer(load_default=50, validate=validate.Range(min=1, max=MAX_PAGE_SIZE))


def page_schema(item_schema: type[Schema]) -> type[Schema]:
    """A response schema {items, total, total_is_estimate, page, page_size} for lists of
    `item_schema`."""
    return FastDumpSchema.from_dict(
        {
            "items": fields.List(fields.Nested(item_schema)),
            "total": fields.Integer(),
            "total_is_estimate": fields.Boolean(),
            "page": fields.Integer(),
            "page_size": fields.Integer(),
        },
        name=f"{item_schema.__name__.removesuffix('Schema')}Page",
    )


# Totals are counted exactly up to this many rows; beyond it a list's total is the planner's
# estimate (`total_is_estimate`): counting a million matching rows per page is the usual trap.
# Counting up to the cap reads cap / selectivity rows when no index serves the filter (e.g.
# claim_type with decision: 87,000 rows for 10,000 matches); 2,000 (40 pages) keeps that cost
# within a list's budget.
COUNT_CAP = 2_000


def paginate(
    statement: Select, page: int, page_size: int, scalars: bool = True,
    count_statement: Select | None = None,
) -> dict:  # fmt: skip
    """Run `statement` for one page, with its total (see `count_total`; `count_statement`, when
    given, matches the same rows more cheaply)."""
    counted = count_statement if count_statement is not None else statement
    total, estimated = count_total(counted)
    paged = statement.limit(page_size).offset((page - 1) * page_size)
    result = Session.scalars(paged) if scalars else Session.execute(paged)
    return {
        "items": list(result.all()), "total": total, "total_is_estimate": estimated,
        "page": page, "page_size": page_size,
    }  # fmt: skip


# An estimated total (over COUNT_CAP) is kept this long by the app for the same list, filters
# and scope: counting to the cap and asking the planner again was most of the database time of
# a filtered list's page, and the figure is an estimate either way. Exact totals are never kept.
ESTIMATE_SECONDS = 30.0
ESTIMATES_KEPT = 1024


def count_total(statement: Select, key: tuple | None = None) -> tuple[int, bool]:
    """(total, is_estimate): the rows `statement` matches counted exactly up to COUNT_CAP,
    else the planner's estimate, never below COUNT_CAP + 1. `key`, when given, names what
    `statement` counts (the list, the caller's scope, the filters): an estimate made for the same
    key within ESTIMATE_SECONDS is given again without counting."""
    kept = current_app.extensions.setdefault("askes_total_estimates", {})
    if key is not None:
        key = (COUNT_CAP, *key)
        estimate, until = kept.get(key, (None, 0.0))
        if estimate is not None and time.monotonic() < until:
            return estimate, True
    counted = statement.order_by(None)
    capped = counted.limit(COUNT_CAP + 1).subquery()
    total = Session.scalar(select(func.count()).select_from(capped))
    if total <= COUNT_CAP:
        return total, False
    estimate = max(COUNT_CAP + 1, planner_rows(counted))
    if key is not None:
        if len(kept) >= ESTIMATES_KEPT:
            kept.clear()
        kept[key] = (estimate, time.monotonic() + ESTIMATE_SECONDS)
    return estimate, True


# Read statements whose every value is an integer or a validated code, kept as SQL text with the
# values written in, by what they read (see `literal_rows`).
LITERAL_STATEMENTS_KEPT = 512


def literal_rows(key: tuple, build) -> list[dict]:
    """The rows (as dicts) of the statement `build()` gives, run as SQL text with its values
    written in; the text is kept by the app under `key`, which must name everything the
    statement depends on. For statements whose values are integers and validated codes only,
    never free text. Why: a statement without parameters is planned once per connection
    (psycopg prepares a statement run 5 times; PostgreSQL then reuses a parameterless plan),
    where the same statement with bound values (limit and offset included) is planned again on
    every run over every month partition; and building and compiling it costs Python time."""
    kept = current_app.extensions.setdefault("askes_literal_statements", {})
    sql = kept.get(key)
    if sql is None:
        connection = Session.connection()
        compiled = build().compile(connection, compile_kwargs={"literal_binds": True})
        sql = str(compiled)
        if "%" in sql:  # the driver would read it as a placeholder
            raise ValueError("literal_rows: not for statements with % in their text")
        if len(kept) >= LITERAL_STATEMENTS_KEPT:
            kept.clear()
        kept[key] = sql
    result = Session.connection().exec_driver_sql(sql)
    names = list(result.keys())
    return [dict(zip(names, values, strict=True)) for values in result]


def planner_rows(statement: Select) -> int:
    """The planner's estimate of the rows `statement` returns (EXPLAIN, nothing is run)."""
    connection = Session.connection()
    # IN lists (a provider's or member's scope) are expanded at execution: render them here.
    compiled = statement.compile(connection, compile_kwargs={"render_postcompile": True})
    plan = connection.exec_driver_sql(
        f"EXPLAIN (FORMAT JSON) {compiled.string}", compiled.params
    ).scalar_one()
    return int(plan[0]["Plan"]["Plan Rows"])
