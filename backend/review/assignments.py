"""Assignments: a reviewer takes a pended claim so two examiners do not work the same one;
the hold expires (ASKES_REVIEW_ASSIGNMENT_MINUTES) and can be given back."""

from __future__ import annotations

from sqlalchemy import text

from backend.review.service import ReviewError, pended_claim


def take(connection, claim_id: int, reviewer_id: int, minutes: int) -> dict:
    """Assign the pended claim to the reviewer for `minutes` (renewed if already theirs);
    409 when another reviewer holds an unexpired assignment or the claim is decided."""
    claim = pended_claim(connection, claim_id, lock=False)
    if claim["decision"] != "pended":
        raise ReviewError(409, "the claim is already decided")
    row = (
        connection.execute(
            text("""
            INSERT INTO review_assignment (claim_id, reviewer_id, assigned_at, expires_at)
            VALUES (:claim, :reviewer, now(), now() + make_interval(mins => :minutes))
            ON CONFLICT (claim_id) DO UPDATE
                SET reviewer_id = EXCLUDED.reviewer_id, expires_at = EXCLUDED.expires_at,
                    assigned_at = CASE WHEN review_assignment.reviewer_id = EXCLUDED.reviewer_id
                                       THEN review_assignment.assigned_at ELSE now() END
                WHERE review_assignment.expires_at <= now()
                   OR review_assignment.reviewer_id = EXCLUDED.reviewer_id
            RETURNING claim_id, reviewer_id, assigned_at, expires_at"""),
            {"claim": claim_id, "reviewer": reviewer_id, "minutes": minutes},
        )
        .mappings()
        .first()
    )
    if row is None:
        raise ReviewError(409, "another reviewer holds this claim")
    return with_names(connection, dict(row), reviewer_id="reviewer")


def release(connection, claim_id: int, reviewer_id: int) -> None:
    """Give the claim back to the queue; 404 when nobody holds it, 409 when another does."""
    holder = connection.execute(
        text("SELECT reviewer_id FROM review_assignment WHERE claim_id = :c AND "
             "expires_at > now() FOR UPDATE"), {"c": claim_id},
    ).scalar()  # fmt: skip
    if holder is None:
        raise ReviewError(404, "nobody holds this claim")
    if holder != reviewer_id:
        raise ReviewError(409, "another reviewer holds this claim")
    connection.execute(text("DELETE FROM review_assignment WHERE claim_id = :c"), {"c": claim_id})


def with_names(connection, row: dict, **id_columns) -> dict:
    """`row` with the display names of the users its id columns name (column=name key)."""
    for column, name in id_columns.items():
        row[name] = connection.execute(
            text("SELECT display_name FROM app_user WHERE id = :id"), {"id": row[column]}
        ).scalar()
    return row
