"""Turning a reference `World` (plain Python) into the pipeline's arrays, and back, so the
vectorized pipeline and the reference implementation run on the same input."""

from __future__ import annotations

from dataclasses import fields
from datetime import date, timedelta
from decimal import Decimal

import numpy as np

from workers.pipeline import arrays as a
from workers.pipeline.codes import MODIFIER_RULES, SERVICE_CATEGORIES
from workers.tests import reference as ref

EPOCH = date(1970, 1, 1)


def day(value: date | None) -> int:
    return int(a.NO_DATE) if value is None else (value - EPOCH).days


def end_day(value: date | None) -> int:
    return int(a.OPEN_END) if value is None else (value - EPOCH).days


def npi(value: str | None) -> int:
    if value is None:
        return int(a.NO_NPI)
    return int(value) if len(value) == 10 and value.isdigit() else int(a.BAD_NPI)


def pos(value: str | None) -> int:
    if value is None:
        return int(a.NO_POS)
    return int(value) if len(value) == 2 and value.isdigit() else int(a.UNKNOWN_POS)


def hundredths(value: Decimal, places: int) -> int:
    return int(value.scaleb(places))


def to_reference(world: ref.World) -> a.Reference:
    fees = sorted(world.fee_rows, key=lambda r: (r.code, r.modifier, r.effective_from))
    codes = np.array(sorted({r.code for r in fees}), "S5")
    variant = {"": 0, "26": 1, "TC": 2}
    code_index = np.searchsorted(codes, np.array([r.code for r in fees], "S5"))
    fee_key = a.date_key(
        code_index * 4 + np.array([variant[r.modifier] for r in fees], np.int64),
        np.array([day(r.effective_from) for r in fees], np.int64),
    )
    order = np.argsort(fee_key, kind="stable")
    gpcis = sorted(world.gpci_rows, key=lambda g: (g.locality, g.effective_from))
    localities = np.array(sorted({g.locality for g in gpcis}), "S8")
    gpci_key = a.date_key(
        np.searchsorted(localities, np.array([g.locality for g in gpcis], "S8")),
        np.array([day(g.effective_from) for g in gpcis], np.int64),
    )
    factors = sorted(world.conversion_factors)
    pos_known = np.zeros(100, bool)
    pos_facility = np.zeros(100, bool)
    for code, facility in world.places_of_service.items():
        pos_known[int(code)], pos_facility[int(code)] = True, facility
    modifiers = sorted(world.modifiers)

    def fee_column(getter, dtype=np.int64):
        return np.array([getter(r) for r in fees], dtype)[order] if fees else np.zeros(0, dtype)

    return a.Reference(
        fee_codes=codes,
        fee_key=fee_key[order] if fees else np.zeros(0, np.int64),
        fee_effective_to=fee_column(lambda r: end_day(r.effective_to), np.int32),
        fee_status=fee_column(lambda r: r.status, "S1"),
        work_rvu=fee_column(lambda r: hundredths(r.work, 2)),
        pe_rvu_nonfacility=fee_column(lambda r: hundredths(r.pe_nonfacility, 2)),
        pe_rvu_facility=fee_column(lambda r: hundredths(r.pe_facility, 2)),
        mp_rvu=fee_column(lambda r: hundredths(r.mp, 2)),
        multiple_procedure_indicator=fee_column(lambda r: r.multiple_procedure, "S1"),
        bilateral_indicator=fee_column(lambda r: r.bilateral, "S1"),
        localities=localities,
        gpci_key=gpci_key,
        gpci_effective_to=np.array([end_day(g.effective_to) for g in gpcis], np.int32),
        work_gpci=np.array([hundredths(g.work, 3) for g in gpcis], np.int64),
        pe_gpci=np.array([hundredths(g.pe, 3) for g in gpcis], np.int64),
        mp_gpci=np.array([hundredths(g.mp, 3) for g in gpcis], np.int64),
        cf_effective_from=np.array([day(f[0]) for f in factors], np.int32),
        cf_effective_to=np.array([end_day(f[1]) for f in factors], np.int32),
        conversion_factor=np.array([hundredths(f[2], 4) for f in factors], np.int64),
        icd_billable=np.array(sorted(world.icd_billable), "S7"),
        pos_known=pos_known,
        pos_facility=pos_facility,
        modifier_codes=np.array(modifiers, "S2"),
        modifier_rule=np.array(
            [MODIFIER_RULES.index(world.modifiers[m]) for m in modifiers], np.int8
        ),
    )


def to_chunk(world: ref.World) -> a.ChunkInput:
    claims = world.claims
    lines = [(index, line) for index, claim in enumerate(claims) for line in claim.lines]
    diagnoses = [
        (index, code) for index, claim in enumerate(claims) for code in claim.diagnosis_codes
    ]
    plans = sorted(world.plans.values(), key=lambda p: p.plan_id)
    coverage = sorted(world.coverage, key=lambda s: (s[0], s[3]))
    return a.ChunkInput(
        claims=a.Claims(
            claim_id=np.array([c.claim_id for c in claims], np.int64),
            received_us=np.array([c.received_us for c in claims], np.int64),
            institutional=np.array([c.institutional for c in claims], bool),
            required_missing=np.array([c.required_missing for c in claims], bool),
            member_id=np.array([c.member_id for c in claims], np.int64),
            birth_day=np.array([day(c.birth_date) for c in claims], np.int32),
            billing_provider_id=np.array([c.billing_provider_id for c in claims], np.int64),
            billing_npi=np.array([npi(c.billing_npi) for c in claims], np.int64),
            rendering_npi=np.array([npi(c.rendering_npi) for c in claims], np.int64),
            rendering_provider_id=np.array([c.rendering_provider_id for c in claims], np.int64),
            primary_care=np.array([c.primary_care for c in claims], bool),
            locality=np.array([c.locality for c in claims], "S8"),
            place_of_service=np.array([pos(c.place_of_service) for c in claims], np.int16),
            bill_type=np.array([c.bill_type or "" for c in claims], "S4"),
            statement_from=np.array([day(c.statement_from) for c in claims], np.int32),
            statement_to=np.array([day(c.statement_to) for c in claims], np.int32),
            total_charge=np.array([c.total_charge_cents for c in claims], np.int64),
            diagnosis_count=np.array([len(c.diagnosis_codes) for c in claims], np.int16),
            original_state=np.array([c.original_state for c in claims], np.int16),
            other_payer_paid=np.array(
                [-1 if c.other_payer_paid is None else c.other_payer_paid for c in claims],
                np.int64,
            ),
        ),
        lines=a.Lines(
            line_claim=np.array([i for i, _ in lines], np.int32),
            line_number=np.array([line.line_number for _, line in lines], np.int16),
            procedure_code=np.array([line.procedure_code or "" for _, line in lines], "S5"),
            modifiers=np.array(
                [(line.modifiers + [""] * 4)[:4] for _, line in lines], "S2"
            ).reshape(-1, 4),
            revenue_code=np.array([line.revenue_code or "" for _, line in lines], "S4"),
            service_from=np.array([day(line.service_from) for _, line in lines], np.int32),
            service_to=np.array([day(line.service_to) for _, line in lines], np.int32),
            units_milli=np.array([int(line.units * 1000) for _, line in lines], np.int64),
            charge=np.array([line.charge_cents for _, line in lines], np.int64),
            place_of_service=np.array([pos(line.place_of_service) for _, line in lines], np.int16),
            max_pointer=np.array([line.max_pointer for _, line in lines], np.int16),
            rendering_npi=np.array([npi(line.rendering_npi) for _, line in lines], np.int64),
        ),
        diagnoses=a.Diagnoses(
            claim=np.array([i for i, _ in diagnoses], np.int32),
            code=np.array([code for _, code in diagnoses], "S7"),
        ),
        coverage=a.CoverageSpans(
            member_id=np.array([s[0] for s in coverage], np.int64),
            span_id=np.array([s[1] for s in coverage], np.int64),
            plan_id=np.array([s[2] for s in coverage], np.int64),
            effective=np.array([day(s[3]) for s in coverage], np.int32),
            termination=np.array([end_day(s[4]) for s in coverage], np.int32),
        ),
        network=a.NetworkSpans(
            provider_id=np.array([n[0] for n in world.network], np.int64),
            plan_id=np.array([n[1] for n in world.network], np.int64),
            effective=np.array([day(n[2]) for n in world.network], np.int32),
            termination=np.array([end_day(n[3]) for n in world.network], np.int32),
        ),
        plans=_plans(plans),
        accumulators=_accumulators(world.accumulators),
        prior_lines=_prior_lines(world.prior_lines),
        today=day(world.today),
        families=_families(world.families),
    )


def _plans(plans: list[ref.Plan]) -> a.Plans:
    copay = np.full((len(plans), len(SERVICE_CATEGORIES)), -1, np.int64)
    before = np.zeros((len(plans), len(SERVICE_CATEGORIES)), bool)
    for row, plan in enumerate(plans):
        for category, (cents, applies_before) in plan.copays.items():
            copay[row, SERVICE_CATEGORIES.index(category)] = cents
            before[row, SERVICE_CATEGORIES.index(category)] = applies_before
    column = {
        name: np.array([getattr(p, name) for p in plans], np.int64)
        for name in (
            "plan_id",
            "deductible_in",
            "deductible_out",
            "oop_max_in",
            "oop_max_out",
            "coinsurance_in_bp",
            "coinsurance_out_bp",
            "family_deductible",
            "family_oop_max",
        )
    }
    covered = np.array([p.out_of_network_covered for p in plans], bool)
    return a.Plans(
        **column, out_of_network_covered=covered, copay=copay, copay_before_deductible=before
    )


def _families(families: dict[int, int]) -> a.Families:
    members = sorted(families)
    return a.Families(
        member_id=np.array(members, np.int64),
        family_id=np.array([families[m] for m in members], np.int64),
    )


def _accumulators(accumulators: dict) -> a.Accumulators:
    keys = list(accumulators)
    return a.Accumulators(
        member_id=np.array([k[0] for k in keys], np.int64),
        plan_id=np.array([k[1] for k in keys], np.int64),
        plan_year=np.array([k[2] for k in keys], np.int16),
        out_of_network=np.array([k[3] for k in keys], bool),
        deductible=np.array([accumulators[k][0] for k in keys], np.int64),
        oop=np.array([accumulators[k][1] for k in keys], np.int64),
    )


def _prior_lines(keys: set) -> a.PriorLines:
    keys = sorted(keys, key=repr)
    return a.PriorLines(
        member_id=np.array([k[0] for k in keys], np.int64),
        billing_provider_id=np.array([k[1] for k in keys], np.int64),
        service_from=np.array([day(k[2]) for k in keys], np.int32),
        procedure_code=np.array([k[3] for k in keys], "S5"),
        modifiers=np.array([list(k[4]) for k in keys], "S2").reshape(-1, 4),
        charge=np.array([k[5] for k in keys], np.int64),
    )


def to_world(chunk: a.ChunkInput, reference: a.Reference) -> ref.World:
    """The reference implementation's input from a fetched chunk (the benchmark's comparison)."""
    date_of = _dates_of
    claims = chunk.claims
    worlds_claims = []
    lines_of: dict[int, list[ref.Line]] = {}
    lines = chunk.lines
    for row in range(len(lines.line_claim)):
        lines_of.setdefault(int(lines.line_claim[row]), []).append(
            ref.Line(
                line_number=int(lines.line_number[row]),
                charge_cents=int(lines.charge[row]),
                units=Decimal(int(lines.units_milli[row])) / 1000,
                procedure_code=_text(lines.procedure_code[row]),
                modifiers=[m.decode() for m in lines.modifiers[row] if m],
                revenue_code=_text(lines.revenue_code[row]),
                service_from=date_of(lines.service_from[row]),
                service_to=date_of(lines.service_to[row]),
                place_of_service=_place(lines.place_of_service[row]),
                max_pointer=int(lines.max_pointer[row]),
            )
        )
    diagnoses: dict[int, list[str]] = {}
    for claim, code in zip(chunk.diagnoses.claim, chunk.diagnoses.code, strict=True):
        diagnoses.setdefault(int(claim), []).append(code.decode())
    for index in range(len(claims.claim_id)):
        worlds_claims.append(
            ref.Claim(
                claim_id=int(claims.claim_id[index]),
                received_us=int(claims.received_us[index]),
                lines=lines_of.get(index, []),
                total_charge_cents=int(claims.total_charge[index]),
                diagnosis_codes=diagnoses.get(index, []),
                institutional=bool(claims.institutional[index]),
                required_missing=bool(claims.required_missing[index]),
                member_id=int(claims.member_id[index]),
                birth_date=date_of(claims.birth_day[index]),
                billing_provider_id=int(claims.billing_provider_id[index]),
                billing_npi=_npi_text(claims.billing_npi[index]),
                rendering_npi=_npi_text(claims.rendering_npi[index]),
                rendering_provider_id=int(claims.rendering_provider_id[index]),
                primary_care=bool(claims.primary_care[index]),
                locality=claims.locality[index].decode(),
                place_of_service=_place(claims.place_of_service[index]),
                bill_type=_text(claims.bill_type[index]),
                statement_from=date_of(claims.statement_from[index]),
                statement_to=date_of(claims.statement_to[index]),
            )
        )
    return ref.World(
        claims=worlds_claims,
        fee_rows=_fee_rows(reference),
        gpci_rows=_gpci_rows(reference),
        conversion_factors=[
            (date_of(f), None if t == a.OPEN_END else date_of(t), Decimal(int(v)) / 10_000)
            for f, t, v in zip(
                reference.cf_effective_from,
                reference.cf_effective_to,
                reference.conversion_factor,
                strict=True,
            )
        ],  # fmt: skip
        icd_billable={code.decode() for code in reference.icd_billable},
        places_of_service={
            f"{n:02d}": bool(reference.pos_facility[n]) for n in np.nonzero(reference.pos_known)[0]
        },
        modifiers={
            code.decode(): MODIFIER_RULES[rule]
            for code, rule in zip(reference.modifier_codes, reference.modifier_rule, strict=True)
        },
        plans=_plans_of(chunk.plans),
        coverage=[
            (int(m), int(s), int(p), date_of(e), None if t == a.OPEN_END else date_of(t))
            for m, s, p, e, t in zip(
                chunk.coverage.member_id,
                chunk.coverage.span_id,
                chunk.coverage.plan_id,
                chunk.coverage.effective,
                chunk.coverage.termination,
                strict=True,
            )
        ],  # fmt: skip
        network=[
            (int(p), int(q), date_of(e), None if t == a.OPEN_END else date_of(t))
            for p, q, e, t in zip(
                chunk.network.provider_id,
                chunk.network.plan_id,
                chunk.network.effective,
                chunk.network.termination,
                strict=True,
            )
        ],  # fmt: skip
        accumulators={
            (int(m), int(p), int(y), bool(o)): (int(d), int(x))
            for m, p, y, o, d, x in zip(
                *(getattr(chunk.accumulators, f.name) for f in fields(a.Accumulators)), strict=True
            )
        },  # fmt: skip
        prior_lines={
            (int(m), int(p), date_of(d), c.decode(), tuple(x.decode() for x in mods), int(v))
            for m, p, d, c, mods, v in zip(
                chunk.prior_lines.member_id,
                chunk.prior_lines.billing_provider_id,
                chunk.prior_lines.service_from,
                chunk.prior_lines.procedure_code,
                chunk.prior_lines.modifiers,
                chunk.prior_lines.charge,
                strict=True,
            )
        },
        today=date_of(chunk.today),
        families=(
            {}
            if chunk.families is None
            else dict(
                zip(
                    chunk.families.member_id.tolist(),
                    chunk.families.family_id.tolist(),
                    strict=True,
                )
            )
        ),  # fmt: skip
    )


def _dates_of(value) -> date | None:
    value = int(value)
    return None if value == a.NO_DATE else EPOCH + timedelta(days=value)


def _text(value: bytes) -> str | None:
    return value.decode() or None


def _npi_text(value) -> str | None:
    value = int(value)
    if value == a.NO_NPI:
        return None
    return "bad" if value == a.BAD_NPI else f"{value:010d}"


def _place(value) -> str | None:
    value = int(value)
    if value == a.NO_POS:
        return None
    return "??" if value == a.UNKNOWN_POS else f"{value:02d}"


def _fee_rows(reference: a.Reference) -> list[ref.FeeRow]:
    rows = []
    variants = ("", "26", "TC")
    for i, key in enumerate(reference.fee_key):
        major, start = int(key) >> 32, (int(key) & 0xFFFFFFFF) - 2**31
        end = int(reference.fee_effective_to[i])
        rows.append(ref.FeeRow(
            reference.fee_codes[major // 4].decode(), variants[major % 4], _dates_of(start),
            None if end == a.OPEN_END else _dates_of(end),
            *(Decimal(int(v[i])) / 100 for v in (reference.work_rvu, reference.pe_rvu_nonfacility,
                                                  reference.pe_rvu_facility, reference.mp_rvu)),
            status=reference.fee_status[i].decode(),
            multiple_procedure=reference.multiple_procedure_indicator[i].decode(),
            bilateral=reference.bilateral_indicator[i].decode(),
        ))  # fmt: skip
    return rows


def _gpci_rows(reference: a.Reference) -> list[ref.GpciRow]:
    rows = []
    for i, key in enumerate(reference.gpci_key):
        major, start = int(key) >> 32, (int(key) & 0xFFFFFFFF) - 2**31
        end = int(reference.gpci_effective_to[i])
        rows.append(ref.GpciRow(
            reference.localities[major].decode(), _dates_of(start),
            None if end == a.OPEN_END else _dates_of(end),
            *(Decimal(int(v[i])) / 1000 for v in (reference.work_gpci, reference.pe_gpci,
                                                   reference.mp_gpci)),
        ))  # fmt: skip
    return rows


def _plans_of(plans: a.Plans) -> dict[int, ref.Plan]:
    result = {}
    for i, plan_id in enumerate(plans.plan_id):
        copays = {
            name: (int(plans.copay[i, c]), bool(plans.copay_before_deductible[i, c]))
            for c, name in enumerate(SERVICE_CATEGORIES) if plans.copay[i, c] >= 0
        }  # fmt: skip
        result[int(plan_id)] = ref.Plan(
            int(plan_id), int(plans.deductible_in[i]), int(plans.deductible_out[i]),
            int(plans.oop_max_in[i]), int(plans.oop_max_out[i]), int(plans.coinsurance_in_bp[i]),
            int(plans.coinsurance_out_bp[i]), bool(plans.out_of_network_covered[i]), copays,
            int(plans.family_deductible[i]), int(plans.family_oop_max[i]),
        )  # fmt: skip
    return result
