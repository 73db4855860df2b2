"""Reading values out of FHIR JSON while collecting issues: codes, dates, money, identifiers,
references and the care team. Used by claim_in and claim_items."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation

from askes_fhir import codes
from askes_fhir.outcome import Issue, edit_issue
from askes_fhir.references import ReferenceContext

NPI_PATTERN = re.compile(r"^[0-9]{10}$")
CENT = Decimal("0.01")
MAX_DOLLARS = Decimal(10**11)  # integer cents stay far inside bigint


def codings(concept: dict | None) -> list[dict]:
    return (concept or {}).get("coding") or [] if isinstance(concept, dict) else []


def first_code(concept: dict | None, systems: tuple | None) -> str | None:
    """The code of the first coding whose system is in `systems` (None in it: no system);
    `systems` None takes any coding."""
    for coding in codings(concept):
        if systems is None or coding.get("system") in systems:
            return coding.get("code")
    return None


def has_code(concept: dict | None, system: str | None, code: str) -> bool:
    return any(
        c.get("code") == code and (system is None or c.get("system") == system)
        for c in codings(concept)
    )


def parse_day(value: str | None) -> date | None:
    """A FHIR date or dateTime -> its calendar date; ValueError for a partial date (2015-10)."""
    if value is None:
        return None
    return date.fromisoformat(value[:10])


def parse_decimal(value) -> Decimal:
    """A JSON number (a float from the parser, or a string) -> its exact decimal value."""
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a number")
    try:
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"{value!r} is not a number") from None
    if not number.is_finite():
        raise ValueError(f"{value!r} is not a finite number")
    return number


class Reader:
    """Reads one Claim: resolves references and converts values, collecting every issue."""

    def __init__(self, context: ReferenceContext):
        self.context = context
        self.issues: list[Issue] = []
        self._team: dict[int, tuple[str | None, str | None]] | None = None

    @property
    def failed(self) -> bool:
        return any(issue.severity in ("error", "fatal") for issue in self.issues)

    def add(self, issue: Issue) -> None:
        self.issues.append(issue)

    def resolve(self, reference, expected: str, at: str, edit_code: str) -> dict | None:
        """The referenced resource; an issue with `edit_code` when it does not resolve."""
        if reference is None:
            return None
        target = self.context.resolve(reference, expected)
        if target is None:
            shown = reference.get("reference") or reference.get("identifier") or reference
            self.add(edit_issue(edit_code, f"{at}: reference {shown!r} does not resolve", at))
        return target

    def text(self, value, limit: int, at: str) -> str | None:
        if value is None or value == "":
            return None
        value = str(value).strip()
        if len(value) > limit:
            self.add(edit_issue("V003", f"{at} is longer than {limit} characters", at))
            return None
        return value

    def day(self, value, at: str) -> date | None:
        try:
            return parse_day(value)
        except ValueError:
            self.add(edit_issue("V003", f"{at}: {value!r} is not a full date", at))
            return None

    def cents(self, money: dict | None, at: str) -> int | None:
        """Decimal dollars -> integer cents, exactly; an issue for more than two decimals."""
        try:
            dollars = parse_decimal((money or {}).get("value"))
        except ValueError:
            self.add(edit_issue("V003", f"{at}.value is not a number", f"{at}.value"))
            return None
        if abs(dollars) > MAX_DOLLARS:  # before quantize, which fails on huge exponents
            self.add(edit_issue("V003", f"{at}.value is more than {MAX_DOLLARS} dollars", at))
            return None
        if dollars != dollars.quantize(CENT):
            self.add(edit_issue("V003", f"{at}.value {dollars} has more than two decimals", at))
            return None
        currency = (money or {}).get("currency")
        if currency not in (None, "USD"):
            self.add(edit_issue("V003", f"{at}.currency {currency} is not USD", at))
        return int(dollars * 100)

    def npi(self, resource, at, edit_code, required=False, quiet=False) -> str | None:
        """The NPI identifier of a Practitioner, Organization or Location."""
        identifiers = (resource or {}).get("identifier") or []
        value = next((i.get("value") for i in identifiers if i.get("system") == codes.NPI), None)
        if value is None and resource and resource.get("_logical") and identifiers:
            value = identifiers[0].get("value")
        if value is None:
            if required and resource is not None:
                self.add(
                    edit_issue(
                        "V001", f"{at}: the referenced provider has no NPI ({codes.NPI})", at
                    )
                )
            elif required:
                self.add(edit_issue("V001", f"{at} is required", at))
            return None
        if not NPI_PATTERN.fullmatch(value):
            if not quiet:
                self.add(edit_issue(edit_code, f"{at}: NPI {value!r} is not 10 digits", at))
            return None
        return value

    def care_team(self, resource: dict) -> dict[int, tuple[str | None, str | None]]:
        """careTeam sequence -> (role code, NPI), resolving each member once."""
        if self._team is None:
            self._team = {}
            for index, member in enumerate(resource.get("careTeam") or []):
                at = f"Claim.careTeam[{index}].provider"
                provider = self.resolve(member.get("provider"), "Practitioner", at, "V054")
                edit_code = "V051" if _role(member) in codes.RENDERING_ROLES else "V003"
                self._team[member.get("sequence")] = (
                    _role(member),
                    self.npi(provider, at, edit_code),
                )
        return self._team

    def care_team_members(self) -> dict[int, tuple[str | None, str | None]]:
        return self._team or {}

    def claim_rendering_member(self, resource: dict) -> int | None:
        """The careTeam sequence of the claim's rendering provider: the lowest `primary`; else
        the lowest `performing` when no item names a care team member (a line-level performer
        stays on its line)."""
        team = self.care_team(resource)
        for role in codes.RENDERING_ROLES:
            sequences = sorted(s for s, (r, _npi) in team.items() if r == role and s is not None)
            if sequences and (role == "primary" or not _items_name_care_team(resource)):
                return sequences[0]
        return None


def _role(member: dict) -> str | None:
    return first_code(member.get("role"), (codes.CARE_TEAM_ROLE, codes.C4BB_CARE_TEAM_ROLE, None))


def _items_name_care_team(resource: dict) -> bool:
    return any(item.get("careTeamSequence") for item in resource.get("item") or [])
