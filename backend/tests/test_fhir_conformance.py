"""Every professional and institutional Claim example of the FHIR R4 specification
(../shared/corpus/fhir-r4) through POST /fhir/Claim: accepted, or refused with the OperationOutcome
this test names (see askes_fhir/tests/test_conformance.py for why each edit applies)."""

from __future__ import annotations

import orjson
import pytest
from askes_fhir.outcome import edit_codes
from askes_fhir.tests.test_conformance import CLAIM_EXAMPLES, CORPUS

from backend.tests.fhir_helpers import bearer, post_json

pytestmark = pytest.mark.skipif(
    not CORPUS.is_dir(), reason=f"FHIR R4 example corpus not found at {CORPUS}"
)


@pytest.mark.parametrize("name", sorted(CLAIM_EXAMPLES))
def test_example_as_published_gets_a_specific_outcome(app, db, world, name):
    client = bearer(app, db, world.users["provider_a"], ["system/Claim.write"])
    response = post_json(client, "/fhir/Claim", orjson.loads((CORPUS / name).read_bytes()))
    assert response.status_code == 422, response.json
    codes = set(edit_codes(response.json))
    assert CLAIM_EXAMPLES[name] <= codes <= CLAIM_EXAMPLES[name] | {"V052", "V054"}


def test_cms1500_example_is_accepted_for_a_known_member_and_provider(app, db, world):
    resource = orjson.loads((CORPUS / "claim-example-cms1500-medical.json").read_bytes())
    resource["contained"][1]["subscriberId"] = world.subscriber.member_number
    npi = {
        "identifier": {"system": "http://hl7.org/fhir/sid/us-npi", "value": world.provider_a.npi}
    }
    resource["provider"] = npi
    resource["careTeam"][0]["provider"] = npi
    client = bearer(app, db, world.users["provider_a"], ["system/Claim.write"])
    response = post_json(client, "/fhir/Claim", resource)
    assert response.status_code == 201, response.json
    assert response.json["identifier"][0]["value"] == "MED-00050"
