"""Reading a vectorized ChunkResult back per claim, in the reference implementation's terms."""

from __future__ import annotations

from workers.pipeline.codes import DECISIONS, EDIT_CODES, NO_EDIT
from workers.pipeline.run import ChunkResult


def outcomes_of(result: ChunkResult) -> dict:
    """{claim_id: {...}} with the same fields as reference.ClaimOutcome, as plain values."""
    chunk = result.chunk
    findings = {}
    for claim, line, edit in zip(
        result.findings.claim, result.findings.line_number, result.findings.edit, strict=True
    ):
        findings.setdefault(int(claim), set()).add((int(line), EDIT_CODES[edit]))
    outcomes = {}
    for index, claim_id in enumerate(chunk.claims.claim_id):
        claim_id = int(claim_id)
        if result.rejected[index]:
            outcomes[claim_id] = {"rejected": True, "findings": findings[index]}
            continue
        outcomes[claim_id] = {
            "rejected": False,
            "decision": DECISIONS[result.claims.decision[index]],
            "risk_score": float(result.risk.score[index]),
            "lines": {},
        }
    share, lines = result.share, result.lines
    for row, claim in enumerate(chunk.lines.line_claim):
        claim_id = int(chunk.claims.claim_id[claim])
        if outcomes[claim_id]["rejected"]:
            continue
        denial = lines.denial_edit[row]
        outcomes[claim_id]["lines"][int(chunk.lines.line_number[row])] = {
            "decision": DECISIONS[lines.decision[row]],
            "denial": None if denial == NO_EDIT else EDIT_CODES[denial],
            "fee": int(result.pricing.fee[row]),
            "allowed": int(lines.allowed[row]),
            "deductible": int(share.deductible[row]),
            "coinsurance": int(share.coinsurance[row]),
            "copay": int(share.copay[row]),
            "patient": int(share.patient[row]),
            "paid": int(share.paid[row]),
            "contractual": int(lines.contractual[row]),
            "noncovered": int(lines.noncovered[row]),
            "prior_payer": int(result.coordination.prior_payer[row]),
        }
    return outcomes


def reference_outcomes(outcomes: dict) -> dict:
    converted = {}
    for claim_id, outcome in outcomes.items():
        if outcome.rejected:
            converted[claim_id] = {"rejected": True, "findings": set(outcome.findings)}
            continue
        converted[claim_id] = {
            "rejected": False,
            "decision": outcome.decision,
            "risk_score": outcome.risk_score,
            "lines": {
                number: {
                    name: getattr(line, name)
                    for name in (
                        "decision",
                        "denial",
                        "fee",
                        "allowed",
                        "deductible",
                        "coinsurance",
                        "copay",
                        "patient",
                        "paid",
                        "contractual",
                        "noncovered",
                        "prior_payer",
                    )
                }
                for number, line in outcome.lines.items()
            },
        }
    return converted


def accumulators_of(result: ChunkResult, before: dict) -> dict:
    after = dict(before)
    change = result.accumulators
    for i in range(len(change.member_id)):
        key = (
            int(change.member_id[i]),
            int(change.plan_id[i]),
            int(change.plan_year[i]),
            bool(change.out_of_network[i]),
        )
        after[key] = (int(change.deductible_after[i]), int(change.oop_after[i]))
    return after
