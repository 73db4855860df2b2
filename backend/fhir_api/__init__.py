"""The FHIR R4 API at /fhir: Flask routes, search and staging around the pure `askes_fhir`
translator. Every answer is FHIR JSON (`application/fhir+json`); every error an OperationOutcome."""
