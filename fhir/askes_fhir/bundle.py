"""Bundles: reading a batch or transaction of Claims, and writing batch/transaction responses
and search result sets."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from askes_fhir.outcome import Issue, operation_outcome

ENTRY_PATH = re.compile(r"^Bundle\.entry\[(\d+)\]")
BUNDLE_TYPES = ("batch", "transaction")


@dataclass
class ClaimEntry:
    """One `POST Claim` entry of a Bundle: its 0-based index and resource, and its issues."""

    index: int
    resource: dict | None
    issues: list[Issue] = field(default_factory=list)


def claim_entries(bundle: dict, structure: list[Issue]) -> tuple[list[ClaimEntry], list[Issue]]:
    """Split a batch or transaction Bundle into its Claim entries, each with the structural
    issues found inside it (`structure`, from the walker); returns the Bundle-level issues too."""
    bundle_issues = []
    if bundle.get("type") not in BUNDLE_TYPES:
        bundle_issues.append(
            Issue(
                "invalid",
                f"Bundle.type is {bundle.get('type')!r}; this endpoint takes batch or transaction",
                "Bundle.type",
                "V003",
            )
        )
    entries = [ClaimEntry(i, e.get("resource")) for i, e in enumerate(bundle.get("entry") or [])]
    for issue in structure:
        match = ENTRY_PATH.match(issue.expression or "")
        if match and int(match.group(1)) < len(entries):
            entries[int(match.group(1))].issues.append(issue)
        else:
            bundle_issues.append(issue)
    for entry, raw in zip(entries, bundle.get("entry") or [], strict=True):
        entry.issues += _request_issues(entry.index, raw)
    return entries, bundle_issues


def _request_issues(index: int, entry: dict) -> list[Issue]:
    at = f"Bundle.entry[{index}]"
    resource = entry.get("resource") if isinstance(entry, dict) else None
    if not isinstance(resource, dict):
        return [Issue("required", f"{at}.resource is required", f"{at}.resource", "V001")]
    request = entry.get("request") or {}
    method, url = request.get("method"), (request.get("url") or "").split("?")[0].strip("/")
    if resource.get("resourceType") != "Claim":
        return [
            Issue(
                "not-supported",
                f"{at}: only Claim resources can be submitted in a Bundle "
                f"(got {resource.get('resourceType')!r})",
                f"{at}.resource",
                "V003",
            )
        ]
    if request and (method != "POST" or url != "Claim"):
        return [
            Issue(
                "not-supported",
                f"{at}.request must be POST Claim (got {method} {url})",
                f"{at}.request",
                "V003",
            )
        ]
    return []


STATUS_TEXT = {
    201: "201 Created",
    400: "400 Bad Request",
    404: "404 Not Found",
    422: "422 Unprocessable Entity",
}


def response_bundle(kind: str, results: list[tuple[int, str | None, list[Issue]]]) -> dict:
    """A batch-response or transaction-response: per entry (status, location, issues)."""
    entries = []
    for status, location, issues in results:
        response = {"status": STATUS_TEXT.get(status, str(status))}
        if location:
            response["location"] = location
        if issues:
            response["outcome"] = operation_outcome(issues)
        entries.append({"response": response})
    return {"resourceType": "Bundle", "type": f"{kind}-response", "entry": entries}


def searchset(
    base_url: str, matches: list[dict], included: list[dict], total: int, links: dict[str, str]
) -> dict:
    """A searchset Bundle: `matches` (mode match) then `included` (mode include)."""

    def entry(resource: dict, mode: str) -> dict:
        return {
            "fullUrl": f"{base_url}/{resource['resourceType']}/{resource['id']}",
            "resource": resource,
            "search": {"mode": mode},
        }

    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": total,
        "link": [{"relation": relation, "url": url} for relation, url in links.items()],
        "entry": [entry(r, "match") for r in matches] + [entry(r, "include") for r in included],
    }
