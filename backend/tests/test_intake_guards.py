"""The intake seam's guards on every channel: a provider submits only for its organization's
billing NPIs, FHIR included (issue 15 finding 4), and the same 837 uploaded twice at once is
staged once (issue 15 finding 7)."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from backend.auth.principal import DataScope
from backend.claims.models import StagedClaim
from backend.edi import service
from backend.tests.fhir_helpers import bearer, post_json, world_claim_resource
from backend.tests.test_edi_api import _file_text
from backend.tests.test_fhir_api import _bundle
from edi.tests.helpers import professional_claim


def staged_count(db) -> int:
    return db.scalar(select(func.count()).select_from(StagedClaim))


@pytest.mark.parametrize("url", ["/fhir/Claim", "/fhir/Claim/$submit"])
def test_fhir_refuses_a_claim_billed_under_another_organization(app, db, priced_world, url):
    world = priced_world
    client = bearer(app, db, world.users["provider_a"])
    before = staged_count(db)
    foreign = world_claim_resource(world, provider=world.provider_b)
    response = post_json(client, url, foreign)
    assert response.status_code == 403, response.json
    assert response.json["resourceType"] == "OperationOutcome"
    (issue,) = response.json["issue"]
    assert issue["code"] == "forbidden" and world.provider_b.npi in issue["diagnostics"]
    assert staged_count(db) == before
    assert post_json(client, url, world_claim_resource(world)).status_code in (200, 201)


@pytest.mark.parametrize("kind", ["batch", "transaction"])
def test_a_fhir_bundle_with_a_foreign_billing_provider_stages_nothing(app, db, world, kind):
    client = bearer(app, db, world.users["provider_a"])
    before = staged_count(db)
    own, foreign = (world_claim_resource(world, provider=p) for p in (None, world.provider_b))
    response = post_json(client, "/fhir", _bundle(kind, [own, foreign]))
    assert response.status_code == 403 and response.json["issue"][0]["code"] == "forbidden"
    assert staged_count(db) == before


def test_an_administrator_may_submit_for_any_organization(app, db, world):
    client = bearer(app, db, world.users["admin"])
    foreign = world_claim_resource(world, provider=world.provider_b)
    assert post_json(client, "/fhir/Claim", foreign).status_code == 201


CLEAN_UP = """
DELETE FROM staging.claim WHERE channel = 'edi' AND source_file_id = ANY(:ids);
DELETE FROM edi_document WHERE edi_file_id = ANY(:ids);
DELETE FROM edi_file WHERE id = ANY(:ids);
DELETE FROM received_document WHERE id = ANY(:ids);
"""


@pytest.fixture
def committed_uploads(engine, tmp_path, monkeypatch):
    """Uploads committed from sessions of their own (as two web processes would), removed after."""
    monkeypatch.setenv("ASKES_EDI_DIR", str(tmp_path))
    file_ids: list[int] = []
    yield file_ids
    with engine.begin() as connection:
        for statement in CLEAN_UP.strip().split(";\n"):
            connection.execute(text(statement), {"ids": file_ids})


def _upload_in_session(engine, body: bytes, file_ids: list[int]) -> Session:
    session = Session(engine)
    edi_file = service.submit(session, body, "edi-upload", "c.837", None, DataScope(True))
    file_ids.append(edi_file.id)
    return session


def _racing_upload(engine, body: bytes, file_ids: list[int]) -> threading.Thread:
    def upload():
        with _upload_in_session(engine, body, file_ids) as session:
            session.commit()

    thread = threading.Thread(target=upload)
    thread.start()
    return thread


def _staged_by_file(engine, file_ids) -> dict[int, tuple[str, int]]:
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT d.id, d.status, (SELECT count(*) FROM staging.claim c"
                " WHERE c.channel = 'edi' AND c.source_file_id = d.id)"
                " FROM received_document d WHERE d.id = ANY(:ids)"
            ),
            {"ids": file_ids},
        )
        return {file_id: (status, staged) for file_id, status, staged in rows}


def test_the_same_837_uploaded_twice_at_once_is_staged_once(engine, committed_uploads):
    """The second upload is read while the first is still uncommitted: it waits for the first
    and is answered as a duplicate (before the fix both were staged)."""
    body = _file_text([professional_claim(n, patient_control_number=f"RACE{n}") for n in (1, 2)])
    first = _upload_in_session(engine, body.encode("latin-1"), committed_uploads)
    second = _racing_upload(engine, body.encode("latin-1"), committed_uploads)
    second.join(timeout=1.0)  # left waiting for the first file's lock
    first.commit()
    first.close()
    second.join()
    statuses = _staged_by_file(engine, committed_uploads)
    assert sorted(statuses.values()) == [("accepted", 2), ("duplicate", 0)], statuses


def test_two_files_with_one_interchange_control_number_at_once_stage_one(engine, committed_uploads):
    claims = [professional_claim(1, patient_control_number="ICN-RACE")]
    body = _file_text(claims, number=907).encode("latin-1")
    other = body.replace(b"ICN-RACE", b"ICN-RACF")  # other bytes, the same ISA13
    first = _upload_in_session(engine, body, committed_uploads)
    second = _racing_upload(engine, other, committed_uploads)
    second.join(timeout=1.0)
    first.commit()
    first.close()
    second.join()
    statuses = _staged_by_file(engine, committed_uploads)
    assert sorted(statuses.values()) == [("accepted", 1), ("duplicate", 0)], statuses
