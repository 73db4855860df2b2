"""Reference data as pipeline arrays (fee schedule RVUs, GPCIs, conversion factors, ICD-10-CM,
places of service, modifiers), built from the database once, cached in Redis as one npz blob
keyed by a fingerprint of the tables, and kept in each process's memory.

A process re-checks the fingerprint at most every REFRESH_SECONDS, so a reference load reaches
running workers within that time. Redis hits and misses are counted for /metrics.
"""

from __future__ import annotations

import contextlib
import io
import time
from dataclasses import fields

import numpy as np
from redis.exceptions import RedisError
from sqlalchemy import text

from backend.batches.metrics import REFERENCE_HITS as HITS
from backend.batches.metrics import REFERENCE_MISSES as MISSES
from workers.pipeline.arrays import OPEN_END, Reference, date_key
from workers.pipeline.codes import MODIFIER_RULES

REFRESH_SECONDS = 60
CACHE_TTL_SECONDS = 7 * 24 * 3600
KEY = "askes:reference-arrays:{}"
EPOCH = "DATE '1970-01-01'"
FINGERPRINT = """
SELECT md5(concat_ws('|',
  (SELECT count(*) || ':' || coalesce(sum(hashtext(concat_ws(',', hcpcs_code, modifier,
          effective_from, effective_to, status_code, work_rvu, nonfacility_pe_rvu,
          facility_pe_rvu, mp_rvu,
          multiple_procedure_indicator, bilateral_indicator))), 0) FROM fee_schedule_rvu),
  (SELECT count(*) || ':' || coalesce(sum(hashtext(concat_ws(',', locality_code, effective_from,
          effective_to, work_gpci, pe_gpci, mp_gpci))), 0) FROM gpci),
  (SELECT count(*) || ':' || coalesce(sum(hashtext(concat_ws(',', effective_from, effective_to,
          amount))), 0) FROM conversion_factor),
  (SELECT count(*) || ':' || coalesce(sum(hashtext(code || is_billable::text)), 0)
   FROM icd10cm_code),
  (SELECT count(*) || ':' || coalesce(sum(hashtext(code || is_facility::text)), 0)
   FROM place_of_service),
  (SELECT count(*) || ':' || coalesce(sum(hashtext(code || pricing_rule)), 0) FROM modifier)))
"""

_memory: dict = {"reference": None, "checked": 0.0}


def reference_arrays(connection, redis) -> Reference:
    """The current reference arrays: from this process's memory, else Redis, else built."""
    cached = _memory["reference"]
    if cached is not None and time.monotonic() - _memory["checked"] < REFRESH_SECONDS:
        return cached
    fingerprint = connection.execute(text(FINGERPRINT)).scalar_one()
    _memory["checked"] = time.monotonic()
    if cached is not None and cached.version == fingerprint:
        return cached
    try:
        reference = _from_redis(redis, fingerprint)
    except RedisError:  # the cache is an optimisation: Redis down means build it here
        reference, redis = None, None
    if reference is None:
        reference = build_reference(connection, fingerprint)
        with contextlib.suppress(RedisError):
            _to_redis(redis, reference)
    _memory["reference"] = reference
    return reference


def forget() -> None:
    """Drop this process's copy (tests that change reference data)."""
    _memory.update(reference=None, checked=0.0)


def cache_counts(redis) -> dict[str, int]:
    hits, misses = redis.mget(HITS, MISSES)
    return {"hits": int(hits or 0), "misses": int(misses or 0)}


def _from_redis(redis, fingerprint: str) -> Reference | None:
    if redis is None:
        return None
    blob = redis.get(KEY.format(fingerprint))
    redis.incr(HITS if blob else MISSES)
    if not blob:
        return None
    with np.load(io.BytesIO(blob), allow_pickle=False) as stored:
        arrays = {f.name: stored[f.name] for f in fields(Reference) if f.name != "version"}
    return Reference(**arrays, version=fingerprint)


def _to_redis(redis, reference: Reference) -> None:
    if redis is None:
        return
    buffer = io.BytesIO()
    np.savez(
        buffer,
        **{f.name: getattr(reference, f.name) for f in fields(Reference) if f.name != "version"},
    )
    redis.set(KEY.format(reference.version), buffer.getvalue(), ex=CACHE_TTL_SECONDS)


def build_reference(connection, version: str = "") -> Reference:
    """Reference arrays from the database tables."""
    fees = connection.execute(
        text(f"""
        SELECT hcpcs_code, CASE modifier WHEN '26' THEN 1 WHEN 'TC' THEN 2 ELSE 0 END,
               effective_from - {EPOCH}, coalesce(effective_to - {EPOCH}, {int(OPEN_END)}),
               status_code, (work_rvu * 100)::int8, (nonfacility_pe_rvu * 100)::int8,
               (facility_pe_rvu * 100)::int8, (mp_rvu * 100)::int8,
               multiple_procedure_indicator, bilateral_indicator
        FROM fee_schedule_rvu WHERE modifier IN ('', '26', 'TC')""")
    ).all()
    gpcis = connection.execute(
        text(f"""
        SELECT locality_code, effective_from - {EPOCH},
               coalesce(effective_to - {EPOCH}, {int(OPEN_END)}),
               (work_gpci * 1000)::int8, (pe_gpci * 1000)::int8, (mp_gpci * 1000)::int8
        FROM gpci""")
    ).all()
    factors = connection.execute(
        text(f"""
        SELECT effective_from - {EPOCH}, coalesce(effective_to - {EPOCH}, {int(OPEN_END)}),
               (amount * 10000)::int8
        FROM conversion_factor ORDER BY effective_from""")
    ).all()
    icd = connection.execute(
        text(
            "SELECT string_agg(rpad(code, 7), '' ORDER BY code) FROM icd10cm_code WHERE is_billable"
        )
    ).scalar_one()
    places = connection.execute(text("SELECT code, is_facility FROM place_of_service")).all()
    modifiers = connection.execute(
        text("SELECT code, pricing_rule FROM modifier ORDER BY code")
    ).all()
    return Reference(
        **_fee_arrays(fees),
        **_gpci_arrays(gpcis),
        cf_effective_from=np.array([f[0] for f in factors], np.int32),
        cf_effective_to=np.array([f[1] for f in factors], np.int32),
        conversion_factor=np.array([f[2] for f in factors], np.int64),
        icd_billable=np.char.rstrip(np.frombuffer((icd or "").encode(), "S7")).astype("S7"),
        **_place_arrays(places),
        modifier_codes=np.array([m[0] for m in modifiers], "S2"),
        modifier_rule=np.array(
            [MODIFIER_RULES.index(m[1]) if m[1] in MODIFIER_RULES else 0 for m in modifiers],
            np.int8,
        ),
        version=version,
    )


def _fee_arrays(rows) -> dict:
    codes = np.unique(np.array([r[0] for r in rows], "S5"))
    column = list(zip(*rows, strict=True)) if rows else [[] for _ in range(11)]
    index = np.searchsorted(codes, np.array(column[0], "S5"))
    key = date_key(index * 4 + np.array(column[1], np.int64), np.array(column[2], np.int64))
    order = np.argsort(key, kind="stable")
    return {
        "fee_codes": codes,
        "fee_key": key[order],
        "fee_effective_to": np.array(column[3], np.int32)[order],
        "fee_status": np.array(column[4], "S1")[order],
        "work_rvu": np.array(column[5], np.int64)[order],
        "pe_rvu_nonfacility": np.array(column[6], np.int64)[order],
        "pe_rvu_facility": np.array(column[7], np.int64)[order],
        "mp_rvu": np.array(column[8], np.int64)[order],
        "multiple_procedure_indicator": np.array(column[9], "S1")[order],
        "bilateral_indicator": np.array(column[10], "S1")[order],
    }


def _gpci_arrays(rows) -> dict:
    localities = np.unique(np.array([r[0] for r in rows], "S8"))
    column = list(zip(*rows, strict=True)) if rows else [[] for _ in range(6)]
    index = np.searchsorted(localities, np.array(column[0], "S8"))
    key = date_key(index, np.array(column[1], np.int64))
    order = np.argsort(key, kind="stable")
    return {
        "localities": localities,
        "gpci_key": key[order],
        "gpci_effective_to": np.array(column[2], np.int32)[order],
        "work_gpci": np.array(column[3], np.int64)[order],
        "pe_gpci": np.array(column[4], np.int64)[order],
        "mp_gpci": np.array(column[5], np.int64)[order],
    }


def _place_arrays(rows) -> dict:
    known, facility = np.zeros(100, bool), np.zeros(100, bool)
    for code, is_facility in rows:  # about fifty codes, once per reference version
        if code.isdigit() and len(code) == 2:
            known[int(code)], facility[int(code)] = True, bool(is_facility)
    return {"pos_known": known, "pos_facility": facility}
