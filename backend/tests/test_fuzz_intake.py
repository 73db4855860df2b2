"""Byte-level fuzzing of the X12 intake and the FHIR parser (hypothesis): a valid 837 or FHIR
Claim, mutated byte by byte (flipped, inserted, deleted, truncated), or raw bytes. Every body
gets an answer and none a 5xx: an X12 file its 999 or TA1 (or a 4xx naming why none could be
written), a FHIR body a Claim or an OperationOutcome. Bounded: ASKES_FUZZ_EXAMPLES * 8 bodies
per channel, derandomized so a failure reproduces."""

from __future__ import annotations

import json
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backend.tests.fhir_helpers import bearer, world_claim_resource
from backend.tests.test_edi_api import _claims_for, _file_text

EXAMPLES = int(os.environ.get("ASKES_FUZZ_EXAMPLES", "5")) * 8
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                suppress_health_check=list(HealthCheck))  # fmt: skip
X12_ANSWERS = {"999", "TA1"}
FHIR_POSTS = ("/fhir/Claim", "/fhir/Claim/$submit", "/fhir")


@st.composite
def mutated(draw, seed: bytes) -> bytes:
    """`seed` with a few byte-level edits, or (now and then) bytes of no shape at all."""
    if draw(st.integers(0, 9)) == 0:
        return draw(st.binary(max_size=400))
    body = bytearray(seed)
    for _ in range(draw(st.integers(1, 4))):
        edit = draw(st.sampled_from(("flip", "insert", "delete", "truncate")))
        at = draw(st.integers(0, max(len(body) - 1, 0)))
        if edit == "flip" and body:
            body[at] = draw(st.integers(0, 255))
        elif edit == "insert":
            body[at:at] = draw(st.binary(min_size=1, max_size=8))
        elif edit == "delete":
            del body[at : at + draw(st.integers(1, 16))]
        else:
            del body[at:]
    return bytes(body)


@pytest.fixture(autouse=True)
def edi_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("ASKES_EDI_DIR", str(tmp_path))


def test_x12_intake_answers_every_mutated_file(world, app, db):
    client = bearer(app, db, world.users["provider_a"])
    seed = _file_text(_claims_for(world, 2)).encode("latin-1")

    @FUZZ
    @given(body=mutated(seed))
    def upload(body):
        response = client.post("/api/v1/edi/files", data=body,
                               headers={"Content-Type": "application/edi-x12"})  # fmt: skip
        assert response.status_code < 500, response.json
        kinds = {document["kind"] for document in response.json.get("documents") or []}
        answered = kinds & X12_ANSWERS or response.json.get("status") == "duplicate"
        assert answered or response.status_code in (403, 413, 422), response.json

    upload()


def test_fhir_parser_answers_every_mutated_claim(world, app, db):
    client = bearer(app, db, world.users["provider_a"])
    seed = json.dumps(world_claim_resource(world)).encode()

    @FUZZ
    @given(body=mutated(seed), path=st.sampled_from(FHIR_POSTS))
    def post(body, path):
        response = client.post(path, data=body, content_type="application/fhir+json")
        assert response.status_code < 500, response.json
        assert response.json["resourceType"] in ("Claim", "ClaimResponse", "Bundle",
                                                 "OperationOutcome")  # fmt: skip

    post()
