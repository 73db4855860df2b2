"""How each pattern shows in a claim: the changes it makes and the detail that says so.

The functions work on a chunk draft (dicts of columns) or on an assembled ClaimChunk, for the
rows carrying the pattern; `detail` is an 'S' array updated in place.
"""

from __future__ import annotations

import numpy as np

from backend.synthetic import catalog, rules
from backend.synthetic import lines as line_draws
from backend.synthetic.context import ClaimContext
from backend.synthetic.dates import EPOCH
from backend.synthetic.patterns import (
    CHARGE_OUTLIER,
    IMPOSSIBLE,
    INVALID,
    UNBUNDLING,
    UPCODING,
    concentrate,
    dollars,
    habitual_providers,
    say,
)
from backend.synthetic.providers import NPI_BLOCK, make_npis

# Ways an invalid claim breaks, each with the validation edit it should meet
# (backend/canonical/edits.py), as (edit code, what is wrong).
INVALID_VARIANTS = (
    ("V010", "diagnosis is not a billable code"),
    ("V011", "no principal diagnosis"),
    ("V012", "diagnosis pointer names no diagnosis"),
    ("V020", "procedure code not in the fee schedule"),
    ("V022", "zero units"),
    ("V033", "patient born after the date of service"),
    ("V040", "zero line charge"),
    ("V041", "total charge differs from the sum of the lines"),
    ("V050", "billing NPI fails its check digit"),
    ("V052", "billing NPI unknown to the payer"),
    ("V053", "subscriber member number unknown to the payer"),
)


def unbundling_rules(ctx: ClaimContext) -> list[tuple[str, np.ndarray, set[int]]]:
    """(comprehensive code, component procedure indices, provider kinds) of usable rules."""
    usable = []
    for comprehensive, components, kinds in rules.UNBUNDLING:
        indices = np.array([ctx.reference.procedure(c) for c in components])
        if (indices >= 0).all():
            usable.append((comprehensive, indices, {catalog.KIND_INDEX[k] for k in kinds}))
    return usable


def plan_unbundling(ctx, rng, draft, pattern) -> tuple[np.ndarray, np.ndarray]:
    """Move the pattern to claims of kinds with a rule; (rule per claim or -1, extra lines)."""
    usable = unbundling_rules(ctx)
    rule_of_kind = np.full(len(catalog.KINDS), -1)
    for position, (_, _, kinds) in enumerate(usable):
        for kind in kinds:
            rule_of_kind[kind] = (
                position if rule_of_kind[kind] < 0 or rng.random() < 0.5 else rule_of_kind[kind]
            )
    rule = rule_of_kind[draft["kind"]]
    unbundlers = ctx_habits(ctx)[1][draft["billing"]]
    concentrate(rng, pattern, UNBUNDLING, (rule >= 0) & ~draft["inpatient"], unbundlers)
    rule = np.where(pattern == UNBUNDLING, rule, -1)
    sizes = np.array([len(c) for _, c, _ in usable] + [0])
    return rule, sizes[rule]


def unbundle(ctx, lines, counts, rule, detail) -> None:
    """The last lines of each unbundled claim become the rule's component codes."""
    usable = unbundling_rules(ctx)
    claim = lines["line_claim"]
    from_end = counts[claim] - lines["line_number"]  # 0 for the last line
    for position, (comprehensive, components, _) in enumerate(usable):
        mine = (rule[claim] == position) & (from_end < len(components))
        lines["procedure"][mine] = components[len(components) - 1 - from_end[mine]]
        detail[rule == position] = _unbundled(
            ctx.reference.procedure_codes[components], comprehensive
        )


def unpair(ctx, lines, pattern) -> None:
    """Clean claims never bill a rule's component codes together: where a claim not labelled
    unbundling drew them all, the later components become the category's usual code (an
    office visit when that is a component too). In place."""
    reference, claim = ctx.reference, lines["line_claim"]
    procedure, count = lines["procedure"], len(pattern)
    for _, components, _ in unbundling_rules(ctx):
        has = [np.bincount(claim[procedure == c], minlength=count) > 0 for c in components]
        paired = np.logical_and.reduce(has) & (pattern != UNBUNDLING)
        later = np.isin(procedure, components[1:]) & paired[claim]
        usual = line_draws.fallbacks(ctx)[reference.procedure_category[components[1:]]]
        office = reference.procedure("99213")
        swap = np.where(np.isin(usual, components), office, usual)
        for component, replacement in zip(components[1:], swap, strict=True):
            procedure[later & (procedure == component)] = replacement


def _unbundled(components: np.ndarray, comprehensive: str) -> bytes:
    codes = [c.decode() for c in components]
    if comprehensive in codes:
        others = " + ".join(c for c in codes if c != comprehensive)
        return f"{others} billed with {comprehensive} which includes it".encode()
    return f"{' + '.join(codes)} billed separately instead of {comprehensive}".encode()


def ctx_habits(ctx) -> tuple[np.ndarray, np.ndarray]:
    """(upcoders, unbundlers) of the context's population, bool per provider."""
    population = ctx.population
    return habitual_providers(population.spec.seed, len(population.providers.npi))


def upcode(ctx, rng, lines, first_line, pattern, detail, billing) -> None:
    """The first line's E/M or therapy level becomes the top of its family; upcoding is a habit
    of a few providers (patterns.concentrate)."""
    reference = ctx.reference
    target = np.full(len(reference.procedure_codes), -1)
    for low, high in rules.UPCODE.items():
        if reference.procedure(low) >= 0 and reference.procedure(high) >= 0:
            target[reference.procedure(low)] = reference.procedure(high)
    first_code = lines["procedure"][first_line]
    eligible = (first_code >= 0) & (target[first_code] >= 0)
    concentrate(rng, pattern, UPCODING, eligible, ctx_habits(ctx)[0][billing])
    rows = np.flatnonzero(pattern == UPCODING)
    billed = target[first_code[rows]]
    lines["procedure"][first_line[rows]] = billed
    codes = reference.procedure_codes
    detail[rows] = say(codes[first_code[rows]], b" billed as ", codes[billed])


def make_impossible(ctx, rng, draft, lines, diagnoses, first_line, pattern, detail) -> None:
    """A procedure or diagnosis the patient cannot have (sex, age), per rules.IMPOSSIBLE."""
    rows = np.flatnonzero(pattern == IMPOSSIBLE)
    if not rows.size:
        return
    options = _impossible_options(ctx)
    sex, age = draft["sex"][rows], draft["age"][rows]
    fits = np.zeros((rows.size, len(options)), dtype=bool)
    for v, (_, who, low, high, _, _, candidates) in enumerate(options):
        fits[:, v] = (candidates.size > 0) & (age >= low) & (age <= high)
        fits[:, v] &= (who == "") | (sex == (1 if who == "M" else 0))
    choice = np.argmax(fits * rng.random(fits.shape), axis=1)
    for v, (name, who, _, _, what, pool, candidates) in enumerate(options):
        mine = rows[(choice == v) & fits[:, v]]
        picked = (
            candidates[rng.integers(0, max(candidates.size, 1), mine.size)] if mine.size else mine
        )
        if what == "procedure":
            lines["procedure"][first_line[mine]] = picked
        else:
            diagnoses[mine, 0] = picked
        edit = b"V060 " if who else b"V061 "  # sex, else age
        shown = pool[picked] if mine.size else np.array([], "S")
        detail[mine] = say(edit + name.encode() + b": ", shown)
    pattern[rows[~fits[np.arange(rows.size), choice]]] = -1


def _impossible_options(ctx):
    reference, pools = ctx.reference, ctx.reference.diagnoses
    options = []
    for name, who, low, high, what, codes in rules.IMPOSSIBLE:
        if what == "procedure":
            found = np.array([reference.procedure(c) for c in codes])
            candidates, pool = found[found >= 0], reference.procedure_codes
        else:
            candidates, pool = pools.matching(codes), pools.codes
        options.append((name, who, low, high, what, pool, candidates))
    return options


def inflate_charges(rng, chunk, detail) -> None:
    """One line of each outlier claim charged 5 to 20 times its usual amount."""
    rows = np.flatnonzero(chunk.pattern == CHARGE_OUTLIER)
    counts, first = chunk.lines_per_claim[rows], chunk.first_line[rows]
    line = first + (rng.random(rows.size) * counts).astype(np.int64)
    tenths = rng.integers(50, 201, rows.size)  # the factor, in tenths
    usual = chunk.charge[line]
    chunk.charge[line] = np.ceil(usual * tenths / 1000.0).astype(np.int64) * 100
    factor = say((tenths // 10).astype("S"), b".", (tenths % 10).astype("S"))
    detail[rows] = say(b"line ", chunk.line_number[line].astype("S"), b" charged $",
                       dollars(chunk.charge[line]), b" (", factor, b"x the usual $",
                       dollars(usual), b")")  # fmt: skip


def invalidate(ctx, rng, chunk, detail) -> None:
    """Break each invalid claim in one of INVALID_VARIANTS ways (run after totals are set);
    the detail starts with the edit code the claim should fail."""
    rows = np.flatnonzero(chunk.pattern == INVALID)
    professional = ~chunk.institutional[rows]
    variant = rng.integers(0, len(INVALID_VARIANTS), rows.size)
    pointer = [code for code, _ in INVALID_VARIANTS].index("V012")
    variant = np.where((variant == pointer) & ~professional, pointer - 1, variant)  # 837I: none
    first = chunk.first_line
    for v, (code, name) in enumerate(INVALID_VARIANTS):
        mine = rows[variant == v]
        if mine.size:
            shown = _INVALIDATORS[v](ctx, rng, chunk, mine, first[mine])
            detail[mine] = say(f"{code} {name}: ".encode(), shown)


def _non_billable(ctx, rng, chunk, rows, first_line):
    pools = ctx.reference.diagnoses
    parent = pools.non_billable_parent(np.maximum(chunk.diagnoses[rows, 0], 0))
    headers = np.flatnonzero(~pools.billable)
    any_header = headers[rng.integers(0, headers.size, rows.size)]
    chunk.diagnoses[rows, 0] = np.where(parent >= 0, parent, any_header)
    return pools.codes[chunk.diagnoses[rows, 0]]


def _no_diagnosis(ctx, rng, chunk, rows, first_line):
    chunk.diagnoses[rows] = -1
    chunk.pointers[np.isin(chunk.line_claim, rows)] = 0
    return np.full(rows.size, b"none", dtype="S4")


def _pointer_beyond(ctx, rng, chunk, rows, first_line):
    present = (chunk.diagnoses[rows] >= 0).sum(axis=1)
    chunk.pointers[first_line, 0] = present + 1
    return say(b"pointer ", (present + 1).astype("S"), b" of ", present.astype("S"))


def _unknown_procedure(ctx, rng, chunk, rows, first_line):
    unknown = np.flatnonzero(~ctx.reference.procedure_known)
    chunk.procedure[first_line] = unknown[rng.integers(0, unknown.size, rows.size)]
    return ctx.reference.procedure_codes[chunk.procedure[first_line]]


def _zero_units(ctx, rng, chunk, rows, first_line):
    chunk.units[first_line] = 0
    return say(b"line 1 ", ctx.reference.procedure_codes[chunk.procedure[first_line]])


def _born_later(ctx, rng, chunk, rows, first_line):
    chunk.birth_day[rows] = chunk.service_to[rows] + rng.integers(1, 400, rows.size)
    return np.datetime_as_string(EPOCH + chunk.birth_day[rows]).astype("S")


def _zero_charge(ctx, rng, chunk, rows, first_line):
    chunk.total_charge[rows] -= chunk.charge[first_line]
    chunk.charge[first_line] = 0
    return np.full(rows.size, b"line 1", dtype="S6")


def _total_mismatch(ctx, rng, chunk, rows, first_line):
    lines_total = chunk.total_charge[rows].copy()
    chunk.total_charge[rows] += rng.integers(1, 50, rows.size) * 100
    return say(b"$", dollars(chunk.total_charge[rows]), b" billed but the lines add up to $",
               dollars(lines_total))  # fmt: skip


def _bad_npi(ctx, rng, chunk, rows, first_line):
    npi = chunk.billing_npi[rows].copy()
    digits = npi.view(np.uint8).reshape(-1, 10)
    digits[:, 9] = (digits[:, 9] - ord("0") + rng.integers(1, 10, rows.size)) % 10 + ord("0")
    chunk.billing_npi[rows] = npi
    chunk.billing_known[rows] = False
    return npi


def _unknown_npi(ctx, rng, chunk, rows, first_line):
    spec = ctx.population.spec
    offset = spec.npi_offset + NPI_BLOCK // 2  # half a block away from the population's NPIs
    npi = make_npis(offset + int(rng.integers(0, 10**6)), rows.size)
    chunk.billing_npi[rows] = npi
    chunk.billing_known[rows] = False
    return npi


def _unknown_member(ctx, rng, chunk, rows, first_line):
    tag = ctx.population.tag.encode()
    number = say(tag + b"Z", rng.integers(10**7, 10**8, rows.size).astype("S"))
    chunk.subscriber_number[rows] = number
    chunk.patient_number[rows] = np.where(chunk.patient_number[rows] != b"", number, b"")
    chunk.member_known[rows] = False
    return number


_INVALIDATORS = (
    _non_billable,
    _no_diagnosis,
    _pointer_beyond,
    _unknown_procedure,
    _zero_units,
    _born_later,
    _zero_charge,
    _total_mismatch,
    _bad_npi,
    _unknown_npi,
    _unknown_member,
)
