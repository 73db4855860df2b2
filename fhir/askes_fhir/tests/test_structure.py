"""The structure checker's shapes are built up front, so no request pays for importing models."""

from __future__ import annotations

from askes_fhir import structure
from askes_fhir.claim_out import claim_to_fhir
from askes_fhir.tests.samples import institutional_claim, professional_claim


def test_prepared_shapes_cover_a_bundle_of_claims_with_contained_resources():
    structure._shape.cache_clear()
    structure.prepare(("Bundle", "Claim", "Patient", "Coverage", "Organization"))
    prepared = structure._shape.cache_info().currsize
    entries = [
        {"resource": claim_to_fhir(claim), "request": {"method": "POST", "url": "Claim"}}
        for claim in (professional_claim(), institutional_claim())
    ]
    bundle = {"resourceType": "Bundle", "type": "batch", "entry": entries}
    assert structure.resource_issues(bundle, ("Bundle",)) == []
    assert structure._shape.cache_info().currsize == prepared
