"""Stage 1, fetch: a chunk's pending claims, their lines and diagnoses, and the context the
stages need (coverage, network, plans, accumulators, earlier lines), read as columnar arrays.

The claims and lines of a chunk come back as one bytea of fixed-size binary records and one
text of packed codes (`_rows`); the context as one bytea per column (`array_send(array_agg(...))`
for fixed-size values, lengths + `string_agg` for codes). All are decoded with np.frombuffer:
no per-row Python.
Only the columns the computation needs are read; the transfer copies the rest from staging
in SQL.
"""

from __future__ import annotations

import numpy as np
from sqlalchemy import text

from workers.binary import array_literal, native_dtype, read_array, read_codes
from workers.pipeline import arrays as a
from workers.pipeline.codes import CATEGORY_INDEX, SERVICE_CATEGORIES
from workers.reversals import ORIGINAL_ID
from workers.risk_history import fetch_history

EPOCH = "DATE '1970-01-01'"
NO_DATE = int(a.NO_DATE)
SMALL_CHUNK = 1000  # claims
PRIMARY_CARE_TAXONOMIES = ("207Q", "207R", "208D", "2080", "261QP", "363L")


def _days(column: str) -> str:
    return f"coalesce(({column} - {EPOCH}), {NO_DATE})::int4"


def _npi(column: str) -> str:
    return (
        f"CASE WHEN {column} IS NULL OR {column} = '' THEN -1 "
        f"WHEN {column} ~ '^[0-9]{{10}}$' THEN {column}::int8 ELSE -2 END"
    )


def _column(expression: str, name: str, order: str) -> str:
    return f"array_send(array_agg({expression} ORDER BY {order})) AS {name}"


SEND = {">i8": "int8send", ">i4": "int4send", ">i2": "int2send", "?": "boolsend"}
SQL_TYPE = {">i8": "int8", ">i4": "int4", ">i2": "int2", "?": "bool"}


def _rows(columns, codes) -> str:
    """Every fixed-size column of a row and the octet length of its packed codes as one binary
    record (`int8send(..) || int4send(..) || ..`), all records as one bytea (`fixed`), the codes
    as one text (`codes_blob`) and the row count: two aggregates in all, instead of one per
    column (the aggregate transitions were most of the cost of a chunk's fetch). The rows come
    in no particular order; `_decode_rows` reads them, `_in_order` sorts them."""
    sends = [
        expression if expression.startswith("timestamptz_send(")
        else f"{SEND[dtype]}(({expression})::{SQL_TYPE[dtype]})"
        for expression, _name, dtype in columns
    ]  # fmt: skip
    value = " || ".join(f"rpad(coalesce({e}, ''), {w})" for e, _n, w in codes)
    sends.append(f"int4send(octet_length({value})::int4)")
    return (
        f"string_agg({' || '.join(sends)}, ''::bytea) AS fixed, "
        f"string_agg({value}, '') AS codes_blob, count(*) AS rows"
    )


def _code(expression: str, name: str, order: str) -> str:
    value = f"coalesce({expression}, '')"
    return (
        f"array_send(array_agg(octet_length({value})::int4 ORDER BY {order})) AS {name}_lengths, "
        f"string_agg({value}, '' ORDER BY {order}) AS {name}_blob"
    )


# arrays.Claims.original_state of a replacement or void, after workers/reversals.py ran in the
# chunk's transaction: reversed its original (REPLACES / VOIDS), or why not.
ORIGINAL_STATE = f"""
SELECT CASE
    WHEN EXISTS (SELECT FROM production.claim_reversal r WHERE r.replacement_claim_id = s.id)
        THEN CASE s.frequency_code WHEN '8' THEN {a.VOIDS} ELSE {a.REPLACES} END
    WHEN EXISTS (SELECT FROM production.claim_reversal r WHERE r.original_claim_id = k.id)
        THEN {a.ORIGINAL_REVERSED}
    WHEN EXISTS (SELECT FROM production.claim o JOIN provider p ON p.id = o.billing_provider_id
                 WHERE o.id = k.id AND o.decision = 'pended' AND p.npi = s.billing_provider_npi)
      OR EXISTS (SELECT FROM staging.claim p WHERE p.id = k.id AND p.status = 'pending'
                 AND p.billing_provider_npi = s.billing_provider_npi)
        THEN {a.ORIGINAL_PENDING}
    ELSE {a.ORIGINAL_UNKNOWN} END
FROM (SELECT {ORIGINAL_ID.format(s="s")} AS id) k
"""
PRIMARY_CARE = " OR ".join(f"bp.taxonomy_code LIKE '{t}%'" for t in PRIMARY_CARE_TAXONOMIES)
CLAIM_COLUMNS = [
    ("s.id", "claim_id", ">i8"),
    ("timestamptz_send(s.received_at)", "received_us", ">i8"),
    ("s.claim_type = 'institutional'", "institutional", "?"),
    ("(s.patient_control_number = '' OR s.subscriber_member_number = '')", "required_missing", "?"),
    ("coalesce(m.id, s.patient_match, 0)", "member_id", ">i8"),  # arrays.Claims.member_id
    (_days("coalesce(m.birth_date, s.patient_birth_date)"), "birth_day", ">i4"),
    (  # arrays.Claims.sex: the member's, else as sent
        "(CASE coalesce(nullif(m.sex, 'U'), s.patient_sex) WHEN 'F' THEN 0 WHEN 'M' THEN 1 "
        "ELSE -1 END)::int2",
        "sex",
        ">i2",
    ),
    ("coalesce(bp.id, 0)", "billing_provider_id", ">i8"),
    (_npi("s.billing_provider_npi"), "billing_npi", ">i8"),
    (_npi("s.rendering_provider_npi"), "rendering_npi", ">i8"),
    ("coalesce(rp.id, 0)", "rendering_provider_id", ">i8"),
    (f"coalesce({PRIMARY_CARE}, false)", "primary_care", "?"),
    (_days("s.statement_from"), "statement_from", ">i4"),
    (_days("s.statement_to"), "statement_to", ">i4"),
    ("s.total_charge_cents", "total_charge", ">i8"),
    ("coalesce(cardinality(s.diagnosis_codes), 0)::int2", "diagnosis_count", ">i2"),
    (
        f"CASE WHEN s.frequency_code IN ('7', '8') THEN ({ORIGINAL_STATE}) ELSE 0 END",
        "original_state",
        ">i2",
    ),
    ("coalesce(s.other_payer_paid_cents, -1)", "other_payer_paid", ">i8"),  # COB: -1 primary
]
CLAIM_CODES = [
    ("bp.pricing_locality_code", "locality", 8),
    ("s.bill_type", "bill_type", 4),
    ("s.place_of_service", "place_of_service", 2),
]
CLAIMS_FROM = """
FROM staging.claim s
LEFT JOIN LATERAL (  -- the member intake resolved (never re-resolved by number); index
    SELECT id, birth_date, sex FROM member WHERE id = s.member_id LIMIT 1) m  -- lookups: a hash of
  ON true                                                   -- the member table costs more
LEFT JOIN provider bp ON bp.npi = s.billing_provider_npi
LEFT JOIN provider rp ON rp.npi = s.rendering_provider_npi
WHERE s.id = ANY(CAST(:ids AS int8[])) AND s.status = 'pending'
"""
CLAIMS_SQL = f"SELECT {_rows(CLAIM_COLUMNS, CLAIM_CODES)} {CLAIMS_FROM}"
# A chunk with no pending replacement or void (the caller probed: workers/reversals.py) reads
# original_state as 0 without ORIGINAL_STATE in the statement: planning its subqueries over
# every month partition of production.claim was a third of a single claim's fetch.
NO_ORIGINALS = [(c if c[1] != "original_state" else ("0", *c[1:])) for c in CLAIM_COLUMNS]
CLAIMS_SQL_NO_ORIGINALS = f"SELECT {_rows(NO_ORIGINALS, CLAIM_CODES)} {CLAIMS_FROM}"
LINE_COLUMNS = [
    ("l.claim_id", "claim_id", ">i8"),
    ("l.line_number", "line_number", ">i2"),
    (_days("l.service_from"), "service_from", ">i4"),
    (_days("l.service_to"), "service_to", ">i4"),
    ("(l.units * 1000)::int8", "units_milli", ">i8"),
    ("l.charge_cents", "charge", ">i8"),
    (
        "coalesce(greatest(l.diagnosis_pointers[1], l.diagnosis_pointers[2], "
        "l.diagnosis_pointers[3], l.diagnosis_pointers[4]), 0)::int2",
        "max_pointer",
        ">i2",
    ),
    (_npi("l.rendering_provider_npi"), "rendering_npi", ">i8"),
]
LINE_CODES = [
    ("l.procedure_code", "procedure_code", 5),
    ("l.modifier_1", "modifier_1", 2),
    ("l.modifier_2", "modifier_2", 2),
    ("l.modifier_3", "modifier_3", 2),
    ("l.modifier_4", "modifier_4", 2),
    ("l.revenue_code", "revenue_code", 4),
    ("l.place_of_service", "place_of_service_code", 2),
]
LINES_SQL = f"""
SELECT {_rows(LINE_COLUMNS, LINE_CODES)}
FROM staging.claim_line l
WHERE l.claim_id = ANY(CAST(:ids AS int8[]))  -- not a join: that hashed every staged line
"""
DIAGNOSES_SQL = f"""
SELECT {_column("s.id", "claim_id", "s.id, d.ord")},
       {_code("d.code", "code", "s.id, d.ord")}
FROM staging.claim s, unnest(s.diagnosis_codes) WITH ORDINALITY AS d(code, ord)
WHERE s.id = ANY(CAST(:ids AS int8[]))
"""
_SPAN_ORDER = "member_id, effective_date, id"
_NETWORK_ORDER = "provider_id, plan_id, effective_date"
_TERMINATION = f"coalesce((termination_date - {EPOCH}), {int(a.OPEN_END)})::int4"
_PLANS_OF_MEMBERS = (
    "SELECT plan_id FROM coverage_span WHERE member_id = ANY(CAST(:members AS int8[]))"
)
# The chunk's members' families (subscriber and dependents, docs/pipeline.md "Family limits"):
# every member of them with their family id (the subscriber's member id). Index lookups on
# member's primary key and subscriber_id.
FAMILY_CTE = """
WITH heads AS MATERIALIZED (
    SELECT DISTINCT coalesce(subscriber_id, id) AS id FROM member
    WHERE id = ANY(CAST(:members AS int8[]))),
family AS MATERIALIZED (
    SELECT h.id AS member_id, h.id AS family_id FROM heads h
    UNION ALL
    SELECT m.id, h.id FROM heads h JOIN member m ON m.subscriber_id = h.id)
"""
# Coverage, network, families, accumulators and plans of a chunk in one statement (one row):
# for a claim submitted alone, four round trips were a good part of its fetch.
CONTEXT_SQL = f"""
{FAMILY_CTE}
SELECT * FROM
(SELECT {_column("member_id", "coverage_member_id", _SPAN_ORDER)},
        {_column("id", "coverage_span_id", _SPAN_ORDER)},
        {_column("plan_id::int8", "coverage_plan_id", _SPAN_ORDER)},
        {_column(_days("effective_date"), "coverage_effective", _SPAN_ORDER)},
        {_column(_TERMINATION, "coverage_termination", _SPAN_ORDER)}
 FROM coverage_span WHERE member_id = ANY(CAST(:members AS int8[]))) coverage,
(SELECT {_column("provider_id", "network_provider_id", _NETWORK_ORDER)},
        {_column("plan_id::int8", "network_plan_id", _NETWORK_ORDER)},
        {_column(_days("effective_date"), "network_effective", _NETWORK_ORDER)},
        {_column(_TERMINATION, "network_termination", _NETWORK_ORDER)}
 FROM provider_network WHERE provider_id = ANY(CAST(:providers AS int8[]))) network,
(SELECT {_column("member_id", "family_member_id", "member_id")},
        {_column("family_id", "family_family_id", "member_id")}
 FROM family) families,
(SELECT {_column("member_id", "accumulator_member_id", "member_id, plan_id, plan_year, network")},
        {_column("plan_id::int8", "accumulator_plan_id", "member_id, plan_id, plan_year, network")},
        {_column("plan_year", "accumulator_plan_year", "member_id, plan_id, plan_year, network")},
        {
    _column(
        "network = 'out'", "accumulator_out_of_network", "member_id, plan_id, plan_year, network"
    )
},
        {
    _column("deductible_cents", "accumulator_deductible", "member_id, plan_id, plan_year, network")
},
        {_column("oop_cents", "accumulator_oop", "member_id, plan_id, plan_year, network")}
 FROM accumulator  -- the families' rows: a family's met is the sum of its members'
 WHERE member_id = ANY(ARRAY(SELECT member_id FROM family))
   AND plan_year = ANY(CAST(:years AS int4[]))
) accumulators,
(SELECT array_agg(id ORDER BY id) AS plan_id,
        array_agg(individual_deductible_cents ORDER BY id) AS plan_deductible_in,
        array_agg(out_of_network_deductible_cents ORDER BY id) AS plan_deductible_out,
        array_agg(individual_oop_max_cents ORDER BY id) AS plan_oop_max_in,
        array_agg(out_of_network_oop_max_cents ORDER BY id) AS plan_oop_max_out,
        array_agg(coinsurance_bp ORDER BY id) AS plan_coinsurance_in_bp,
        array_agg(out_of_network_coinsurance_bp ORDER BY id) AS plan_coinsurance_out_bp,
        array_agg(out_of_network_covered ORDER BY id) AS plan_out_of_network_covered,
        array_agg(family_deductible_cents ORDER BY id) AS plan_family_deductible,
        array_agg(family_oop_max_cents ORDER BY id) AS plan_family_oop_max
 FROM plan WHERE id IN ({_PLANS_OF_MEMBERS})) plans,
(SELECT array_agg(plan_id) AS copay_plan_id, array_agg(service_category::text) AS copay_category,
        array_agg(copay_cents) AS copay_cents,
        array_agg(applies_before_deductible) AS copay_before_deductible
 FROM plan_copay WHERE plan_id IN ({_PLANS_OF_MEMBERS})) copays
"""
PRIOR_SQL = f"""
SELECT {_column("c.member_id", "member_id", "l.claim_id, l.line_number")},
       {_column("c.billing_provider_id", "billing_provider_id", "l.claim_id, l.line_number")},
       {_column(_days("l.service_from"), "service_from", "l.claim_id, l.line_number")},
       {_column("l.billed_cents", "charge", "l.claim_id, l.line_number")},
       {_code("l.procedure_code", "procedure_code", "l.claim_id, l.line_number")},
       {_code("l.modifier_1", "modifier_1", "l.claim_id, l.line_number")},
       {_code("l.modifier_2", "modifier_2", "l.claim_id, l.line_number")},
       {_code("l.modifier_3", "modifier_3", "l.claim_id, l.line_number")},
       {_code("l.modifier_4", "modifier_4", "l.claim_id, l.line_number")}
FROM unnest(CAST(:members AS int8[]), CAST(:days AS int4[]), CAST(:months AS int4[]))
     AS k(member_id, day, month)
CROSS JOIN LATERAL (
    SELECT id, service_month, member_id, billing_provider_id FROM production.claim
    WHERE member_id = k.member_id AND service_from = {EPOCH} + k.day
      AND service_month = {EPOCH} + k.month
      AND service_month = ANY(:month_set)  -- constants: the planner prunes the other partitions
      AND NOT EXISTS (  -- a reversed claim is no one's duplicate (its replacement repeats it)
          SELECT FROM production.claim_reversal r WHERE r.original_claim_id = production.claim.id)
    OFFSET 0) c  -- OFFSET 0 keeps the lookups per pair (no pull-up into a hash join)
CROSS JOIN LATERAL (
    SELECT claim_id, line_number, service_from, billed_cents, procedure_code, modifier_1,
           modifier_2, modifier_3, modifier_4
    FROM production.claim_line
    WHERE claim_id = c.id AND service_month = c.service_month
      AND service_month = ANY(:month_set)
    OFFSET 0) l
"""


def fetch_chunk(
    connection,
    claim_ids: list[int],
    today: int,
    replacements: bool = True,
    member_history: bool = True,
) -> a.ChunkInput:
    """The pending claims among `claim_ids` with everything the stages need; `today` is an
    int32 date (days since 1970). `connection` is a SQLAlchemy Connection. `replacements`
    False: the caller knows no pending claim among them has frequency 7 or 8. Without
    `member_history` (no model in use reads those features: risk_plan.reads_member_history),
    the member history tables are neither read nor, later, added to."""
    # The ordered aggregates (diagnoses, coverage, history) sort in memory, not on disk; no
    # parallel query: the workers are the parallelism, and gather workers only compete with them.
    # (A small chunk, such as a claim submitted alone, needs neither: one round trip less.)
    if len(claim_ids) > SMALL_CHUNK:
        connection.execute(
            text("SET LOCAL work_mem = '128MB'; SET LOCAL max_parallel_workers_per_gather = 0")
        )
    claims_sql = CLAIMS_SQL if replacements else CLAIMS_SQL_NO_ORIGINALS
    row = connection.execute(text(claims_sql), {"ids": array_literal(claim_ids)}).mappings().one()
    claim_values = _decode_rows(row, CLAIM_COLUMNS, CLAIM_CODES)
    claim_values = _in_order(claim_values, np.argsort(claim_values["claim_id"], kind="stable"))
    claim_values["place_of_service"] = a.place_of_service_numbers(claim_values["place_of_service"])
    claims = a.Claims(**claim_values)
    ids = claims.claim_id
    pending = array_literal(ids)
    line_row = connection.execute(text(LINES_SQL), {"ids": pending}).mappings().one()
    line_values = _decode_rows(line_row, LINE_COLUMNS, LINE_CODES)
    line_values = _in_order(
        line_values, np.lexsort((line_values["line_number"], line_values["claim_id"]))
    )
    modifiers = np.stack([line_values.pop(f"modifier_{n}") for n in range(1, 5)], axis=1)
    line_claim = np.searchsorted(claims.claim_id, line_values.pop("claim_id")).astype(np.int32)
    line_values["place_of_service"] = a.place_of_service_numbers(
        line_values["place_of_service_code"]
    )
    lines = a.Lines(line_claim=line_claim, modifiers=modifiers, **line_values)
    diagnosis_row = connection.execute(text(DIAGNOSES_SQL), {"ids": pending}).mappings().one()
    diagnosis = _decode(diagnosis_row, [("", "claim_id", ">i8")], [("", "code", 7)])
    diagnoses = a.Diagnoses(
        np.searchsorted(claims.claim_id, diagnosis["claim_id"]).astype(np.int32), diagnosis["code"]
    )
    codes = lines.procedure_code if member_history else None
    history = fetch_history(connection, claims.billing_provider_id, claims.member_id, codes)
    *context, families = fetch_context(connection, claims, lines)
    return a.ChunkInput(claims, lines, diagnoses, *context, today, history, families)


def fetch_context(connection, claims: a.Claims, lines: a.Lines):
    """Coverage, network, plans, accumulators and earlier lines for these claims."""
    members = np.unique(claims.member_id[claims.member_id > 0]).tolist()
    providers = np.unique(
        np.concatenate([claims.billing_provider_id, claims.rendering_provider_id])
    )
    parameters = {
        "members": array_literal(members),
        "providers": array_literal(providers[providers > 0]),
        "years": array_literal(plan_years_read(claims, lines)),
    }
    row = connection.execute(text(CONTEXT_SQL), parameters).mappings().one()
    coverage = a.CoverageSpans(**_prefixed(row, "coverage_", COVERAGE_COLUMNS))
    network = a.NetworkSpans(**_prefixed(row, "network_", NETWORK_COLUMNS))
    accumulators = a.Accumulators(**_prefixed(row, "accumulator_", ACCUMULATOR_COLUMNS))
    families = a.Families(**_prefixed(row, "family_", FAMILY_COLUMNS))
    plans = _plans(row)
    prior = fetch_prior_lines(connection, members, claims, lines)
    return coverage, network, plans, accumulators, prior, families


COVERAGE_COLUMNS = [
    ("member_id", ">i8"),
    ("span_id", ">i8"),
    ("plan_id", ">i8"),
    ("effective", ">i4"),
    ("termination", ">i4"),
]
NETWORK_COLUMNS = [
    ("provider_id", ">i8"),
    ("plan_id", ">i8"),
    ("effective", ">i4"),
    ("termination", ">i4"),
]
FAMILY_COLUMNS = [("member_id", ">i8"), ("family_id", ">i8")]
ACCUMULATOR_COLUMNS = [
    ("member_id", ">i8"),
    ("plan_id", ">i8"),
    ("plan_year", ">i2"),
    ("out_of_network", "?"),
    ("deductible", ">i8"),
    ("oop", ">i8"),
]
PLAN_COLUMNS = (
    "deductible_in", "deductible_out", "oop_max_in", "oop_max_out", "coinsurance_in_bp",
    "coinsurance_out_bp",
)  # fmt: skip
FAMILY_LIMITS = ("family_deductible", "family_oop_max")


def _prefixed(row, prefix: str, columns) -> dict:
    """The array_send columns `prefix + name` of the context row, by name, decoded."""
    return {name: read_array(row[prefix + name], dtype) for name, dtype in columns}


def plan_years_read(claims: a.Claims, lines: a.Lines) -> np.ndarray:
    """The plan years whose accumulator rows the chunk's context reads (and the transfer's
    family check counts again)."""
    return _years(_dates(claims, lines))


def _years(days: np.ndarray) -> np.ndarray:
    return np.unique(days.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970)


def _plans(row) -> a.Plans:
    """The plans of the context row (sorted by id) with their copays as (plan, category)
    matrices; -1: no copay for the category."""
    plan_id = np.array(row["plan_id"] or [], np.int64)
    copay = np.full((len(plan_id), len(SERVICE_CATEGORIES)), -1, np.int64)
    before = np.zeros((len(plan_id), len(SERVICE_CATEGORIES)), bool)
    columns = ("copay_plan_id", "copay_category", "copay_cents", "copay_before_deductible")
    copays = zip(*(row[name] or [] for name in columns), strict=True)
    for plan, category, cents, applies_before in copays:  # a handful of plans
        if category in CATEGORY_INDEX:
            index = int(np.searchsorted(plan_id, plan))
            copay[index, CATEGORY_INDEX[category]] = cents
            before[index, CATEGORY_INDEX[category]] = applies_before
    return a.Plans(
        plan_id,
        *(np.array(row[f"plan_{name}"] or [], np.int64) for name in PLAN_COLUMNS),
        out_of_network_covered=np.array(row["plan_out_of_network_covered"] or [], bool),
        copay=copay,
        copay_before_deductible=before,
        **{name: np.array(row[f"plan_{name}"] or [], np.int64) for name in FAMILY_LIMITS},
    )


def _dates(claims: a.Claims, lines: a.Lines) -> np.ndarray:
    """Every known service date of the chunk (int32 days)."""
    dates = np.concatenate([lines.service_from, claims.statement_from, claims.statement_to])
    return dates[dates != a.NO_DATE]


def fetch_prior_lines(connection, members, claims: a.Claims, lines: a.Lines) -> a.PriorLines:
    """Production lines of production claims that start on a service date of a chunk line of
    the same member (index lookups on (member_id, service_from); a duplicate of a one-day claim
    is always found, one inside a longer earlier claim only when it starts that day)."""
    member = claims.member_id[lines.line_claim]
    day = np.where(
        lines.service_from != a.NO_DATE, lines.service_from, claims.statement_from[lines.line_claim]
    )
    known = (member > 0) & (day != a.NO_DATE)
    if not known.any():
        return _no_prior()
    member, day = member[known], day[known]
    order = np.lexsort((day, member))
    member, day = member[order], day[order]
    first = np.ones(len(member), bool)
    first[1:] = (member[1:] != member[:-1]) | (day[1:] != day[:-1])
    day = day[first]
    month = day.astype("datetime64[D]").astype("datetime64[M]").astype("datetime64[D]")
    parameters = {
        "members": array_literal(member[first]), "days": array_literal(day),
        "months": array_literal(month.astype(np.int64)),
        "month_set": [m.item() for m in np.unique(month)],  # a date[]: planned as constants
    }  # fmt: skip
    row = connection.execute(text(PRIOR_SQL), parameters).mappings().one()
    columns = [("", n, t) for n, t in (("member_id", ">i8"), ("billing_provider_id", ">i8"),
                                       ("service_from", ">i4"), ("charge", ">i8"))]  # fmt: skip
    codes = [("", "procedure_code", 5)] + [("", f"modifier_{n}", 2) for n in range(1, 5)]
    values = _decode(row, columns, codes)
    modifiers = np.stack([values.pop(f"modifier_{n}") for n in range(1, 5)], axis=1)
    return a.PriorLines(modifiers=modifiers, **values)


def _no_prior() -> a.PriorLines:
    empty = np.zeros(0, np.int64)
    return a.PriorLines(
        empty, empty, empty.astype(np.int32), np.zeros(0, "S5"), np.zeros((0, 4), "S2"), empty
    )


def _in_order(values: dict, order: np.ndarray) -> dict:
    """Every column of `values` (arrays of one row each) permuted by `order`."""
    return {name: column[order] for name, column in values.items()}


def _decode_rows(row, columns, packed) -> dict:
    """The columns of a query built by `_rows`, as native-endian arrays."""
    dtype = np.dtype([(name, t) for _e, name, t in columns] + [("codes_length", ">i4")])
    records = np.frombuffer(row["fixed"] or b"", dtype)
    if len(records) != row["rows"]:
        raise ValueError("a fetched column was NULL; coalesce it in SQL")
    values = {name: records[name].astype(native_dtype(t)) for _e, name, t in columns}
    values.update(_unpack(records["codes_length"].astype(np.int32), row["codes_blob"], packed))
    return values


def _decode(row, columns, codes) -> dict:
    values = {name: read_array(row[name], dtype) for _expression, name, dtype in columns}
    for _expression, name, width in codes:
        lengths = read_array(row[f"{name}_lengths"], ">i4")
        values[name] = read_codes(lengths, row[f"{name}_blob"], width)
    return values


def _unpack(lengths: np.ndarray, blob, packed) -> dict:
    """Split the packed codes; a row whose bytes are not one per character (a non-ASCII code)
    gets the modifier "??", which no reference list knows, so validation rejects it (V021)."""
    total = sum(width for _e, _n, width in packed)
    matrix = read_codes(lengths, blob, total).view(np.uint8).reshape(-1, total)
    values, start = {}, 0
    for _expression, name, width in packed:
        field = np.ascontiguousarray(matrix[:, start : start + width]).view(f"S{width}").ravel()
        values[name] = np.char.rstrip(field, b" ")
        start += width
    if "modifier_1" in values:
        values["modifier_1"] = np.where(lengths != total, b"??", values["modifier_1"])
    return values
