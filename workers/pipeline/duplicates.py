"""Stage 4, duplicates: a line with the same member, billing provider, date of service,
procedure, modifiers and charge as a line already in production, or as a line of a claim
processed earlier in this chunk, is a duplicate (CARC 18). Lines of one claim never duplicate
each other (a repeated service on one claim is billed with units or modifier 76/77)."""

from __future__ import annotations

import numpy as np

from workers.pipeline.arrays import ChunkInput


def find_duplicates(
    chunk: ChunkInput, service_from: np.ndarray, claim_rank: np.ndarray, adjudicated: np.ndarray
) -> np.ndarray:
    """bool per line: a duplicate. `claim_rank` (int64 per claim) is the processing order;
    only lines of `adjudicated` claims (bool per claim) count as earlier occurrences."""
    claims, lines, prior = chunk.claims, chunk.lines, chunk.prior_lines
    owner = lines.line_claim
    keep = adjudicated[owner]
    columns = [
        np.concatenate([prior.member_id, claims.member_id[owner][keep]]),
        np.concatenate([prior.billing_provider_id, claims.billing_provider_id[owner][keep]]),
        np.concatenate([prior.service_from, service_from[keep]]).astype(np.int64),
        _as_int(np.concatenate([prior.procedure_code, lines.procedure_code[keep]])),
        _as_int(np.concatenate([prior.modifiers, lines.modifiers[keep]]).view("S8").ravel()),
        np.concatenate([prior.charge, lines.charge[keep]]),
    ]
    rank = np.concatenate([np.full(len(prior.charge), -1, np.int64), claim_rank[owner][keep]])
    order = np.lexsort([rank, *reversed(columns)])
    sorted_columns = [column[order] for column in columns]
    new_key = np.zeros(len(order), bool)
    new_key[:1] = True
    for column in sorted_columns:
        new_key[1:] |= column[1:] != column[:-1]
    group = np.cumsum(new_key) - 1
    first_rank = rank[order][new_key][group]
    duplicate_sorted = rank[order] > first_rank
    duplicate = np.zeros(len(order), bool)
    duplicate[order] = duplicate_sorted
    result = np.zeros(len(owner), bool)
    result[np.nonzero(keep)[0]] = duplicate[len(prior.charge) :]
    return result


def _as_int(codes: np.ndarray) -> np.ndarray:
    """Fixed-width byte codes (up to 8 bytes) as sortable uint64 (big-endian, zero padded)."""
    padded = codes.astype("S8")
    return padded.view(">u8").astype(np.uint64) if len(padded) else np.zeros(0, np.uint64)
