"""OperationOutcome: every problem found in a request, each as one issue.

An issue that breaks a claim edit carries the edit's code (backend.canonical.edits) in
`issue.details.coding` (system EDIT), so a FHIR submitter, an 837 submitter (277CA) and the
pipeline's failed-claim reasons tell the same story with the same codes.
"""

from __future__ import annotations

from dataclasses import dataclass

from askes_fhir import codes
from backend.canonical.edits import EDITS, edit


@dataclass(frozen=True)
class Issue:
    code: str  # OperationOutcome.issue.code (http://hl7.org/fhir/issue-type)
    message: str
    expression: str | None = None  # FHIRPath of the element at fault, e.g. Claim.item[0].net
    edit_code: str | None = None  # backend.canonical.edits code, when a claim edit applies
    severity: str = "error"


def edit_issue(edit_code: str, message: str, expression: str | None = None) -> Issue:
    """An issue for edit `edit_code`; its FHIR issue code is the edit's `fhir_issue`."""
    return Issue(edit(edit_code).fhir_issue, message, expression, edit_code)


def operation_outcome(issues: list[Issue]) -> dict:
    """An OperationOutcome resource (JSON) listing `issues` in order, duplicates removed."""
    seen, rendered = set(), []
    for issue in issues:
        key = (issue.code, issue.message, issue.expression)
        if key not in seen:
            seen.add(key)
            rendered.append(_issue(issue))
    return {"resourceType": "OperationOutcome", "issue": rendered}


def information(message: str) -> dict:
    """An OperationOutcome that reports success (batch entries, deletes)."""
    return operation_outcome([Issue("informational", message, severity="information")])


def _issue(issue: Issue) -> dict:
    rendered = {"severity": issue.severity, "code": issue.code, "diagnostics": issue.message}
    if issue.edit_code:
        summary = EDITS[issue.edit_code].summary
        rendered["details"] = {
            "coding": [{"system": codes.EDIT, "code": issue.edit_code, "display": summary}],
            "text": issue.message,
        }
    if issue.expression:
        rendered["expression"] = [issue.expression]
    return rendered


def edit_codes(outcome: dict) -> list[str]:
    """The edit codes named by an OperationOutcome's issues, in order (for tests and clients)."""
    found = []
    for issue in outcome.get("issue", []):
        for coding in issue.get("details", {}).get("coding", []):
            if coding.get("system") == codes.EDIT:
                found.append(coding["code"])
    return found
