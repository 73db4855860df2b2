"""Askes FHIR gateway: a pure translator between FHIR R4 (4.0.1) JSON and the canonical claim.

Imported as `askes_fhir` (the folder `fhir/` is not a package: `fhir.resources` owns that name).
No Flask and no database session here: JSON (dicts) in, canonical records out, and back. Money
crosses as integer cents on the canonical side and decimal dollars on the FHIR side.

Structural validation uses the R4B (4.3) models of `fhir.resources`, which read R4 4.0.1 Claim,
ClaimResponse, ExplanationOfBenefit, Coverage, Patient, Organization and Practitioner resources
unchanged; the wire format this package writes is R4 4.0.1 (see docs/fhir.md).
"""

FHIR_VERSION = "4.0.1"
MEDIA_TYPE = "application/fhir+json"
