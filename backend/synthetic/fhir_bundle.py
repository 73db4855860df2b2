"""`fhir-bundle`: the claims as FHIR R4 batch Bundles of `POST Claim` entries (askes_fhir's
claim_to_fhir), CLAIMS_PER_BUNDLE a file (`bundle-000001.json`, ...), as the gateway's
`POST /fhir/` takes them.

A batch rather than a transaction: the gateway takes a batch's entries one by one, so a
generated invalid claim is refused alone instead of failing its whole Bundle. Entry fullUrls
are name-based UUIDs of the population and claim key, Claim.created is the day the claim was
received: the same seed writes the same bytes.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import orjson
from askes_fhir.claim_out import claim_to_fhir

from backend.synthetic.canonical import canonical_claims, days
from backend.synthetic.chunk import ClaimChunk
from backend.synthetic.context import ClaimContext
from backend.synthetic.formats import OutputTarget

CLAIMS_PER_BUNDLE = 1_000  # under the gateway's FHIR_MAX_BUNDLE_ENTRIES (5,000 by default)
NAMESPACE = uuid.UUID("5f0c3a51-8d0e-4f7e-9a4b-6c1d2e3f4a5b")  # the generator's UUIDs


def claims_bundle(entries: list[tuple[str, dict]], bundle_id: str) -> dict:
    """A batch Bundle of (fullUrl, Claim) entries, each `POST Claim`."""
    return {
        "resourceType": "Bundle",
        "id": bundle_id,
        "type": "batch",
        "entry": [
            {"fullUrl": url, "resource": claim, "request": {"method": "POST", "url": "Claim"}}
            for url, claim in entries
        ],
    }


class FhirBundleWriter:
    def __init__(self, target: OutputTarget):
        self.directory = Path(target.directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.written: list[str] = []

    def begin(self, ctx: ClaimContext, claims: int) -> None:
        self.ctx = ctx
        self.population = ctx.population.spec.key

    def render(self, chunk: ClaimChunk) -> list[bytes]:
        claims = canonical_claims(self.ctx, chunk)
        received = days(chunk.received_day)
        entries = [
            (self._url(key), claim_to_fhir(claim, created=day))
            for key, claim, day in zip(chunk.key.tolist(), claims, received, strict=True)
        ]
        bundles = []
        for start in range(0, len(entries), CLAIMS_PER_BUNDLE):
            bundle_id = str(self._uuid(f"bundle={chunk.key[start]}"))
            bundle = claims_bundle(entries[start : start + CLAIMS_PER_BUNDLE], bundle_id)
            bundles.append(orjson.dumps(bundle) + b"\n")
        return bundles

    def _url(self, key: int) -> str:
        return f"urn:uuid:{self._uuid(f'claim={key}')}"

    def _uuid(self, name: str) -> uuid.UUID:
        return uuid.uuid5(NAMESPACE, f"{self.population};{name}")

    def write(self, rendered: list[bytes]) -> None:
        for content in rendered:
            path = self.directory / f"bundle-{len(self.written) + 1:06d}.json"
            path.write_bytes(content)
            self.written.append(str(path))

    def finish(self) -> list[str]:
        return self.written
