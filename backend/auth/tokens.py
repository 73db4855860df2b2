"""API bearer tokens: `askes_<prefix>_<secret>`. The prefix finds the row; only a SHA-256 of
the secret is stored (the secret is 256 random bits, so a slow hash adds nothing)."""

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from backend.auth import permissions as p
from backend.auth.models import ApiToken, User
from backend.auth.token_cache import TokenCache

TOKEN_PREFIX = "askes"


@dataclass
class IssuedToken:
    token: ApiToken
    plaintext: str  # shown once, never stored


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def issue_token(
    session: Session,
    user: User,
    name: str,
    scopes: list[str],
    created_by: User | None = None,
    expires_at: datetime | None = None,
) -> IssuedToken:
    """Create a token for `user`; scopes beyond the user's role permissions are refused."""
    role_permissions = set(user.role.permissions)
    excess = {scope for scope in scopes if not scope_permissions([scope]) & role_permissions}
    if excess:
        raise ValueError(f"scopes not allowed for role {user.role_name}: {sorted(excess)}")
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id,
        name=name,
        prefix=prefix,
        secret_hash=_digest(secret),
        scopes=sorted(set(scopes)),
        created_by_id=created_by.id if created_by else None,
        expires_at=expires_at,
    )
    session.add(token)
    session.flush()
    return IssuedToken(token, f"{TOKEN_PREFIX}_{prefix}_{secret}")


# Built once: every API call runs it, and building and hashing a fresh select each time added
# about a quarter to the lookup's CPU time.
TOKEN_BY_PREFIX = select(ApiToken).where(ApiToken.prefix == bindparam("prefix"))


def bearer_prefix(header: str) -> str | None:
    """The token prefix of an `Authorization: Bearer askes_<prefix>_<secret>` header, or None;
    nothing is checked (find_active_token does)."""
    if not header.startswith("Bearer "):
        return None
    parts = header.removeprefix("Bearer ").strip().split("_", 2)
    return parts[1] if len(parts) == 3 and parts[0] == TOKEN_PREFIX and parts[1] else None


def find_active_token(
    session: Session, plaintext: str, cache: TokenCache | None = None
) -> ApiToken | None:
    """The live token matching `plaintext`, or None (unknown, wrong secret, revoked, expired);
    its row as `cache` remembers it while still current, else read (and remembered)."""
    parts = plaintext.split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX:
        return None
    generation = cache.generation() if cache else None
    token = cache.lookup(parts[1], generation) if cache else None
    if token is None:
        token = session.scalar(TOKEN_BY_PREFIX, {"prefix": parts[1]})
        if token is not None and cache:
            cache.keep(session, parts[1], token, generation)
    if token is None or not hmac.compare_digest(token.secret_hash, _digest(parts[2])):
        return None
    now = datetime.now(UTC)
    if token.revoked_at is not None or (token.expires_at and token.expires_at <= now):
        return None
    if not token.user.is_active:
        return None
    return token


# SMART on FHIR scopes (`system/Claim.write`, `user/*.read`, `patient/ExplanationOfBenefit.rs`)
# name the same rights as permissions: each maps onto the permissions below. A token may carry
# either kind; `patient/` scopes also narrow the data to the owner's own compartment (principal).
SMART_SCOPE = re.compile(r"^(patient|user|system)/(\*|[A-Z][A-Za-z]+)\.(read|write|\*|[cruds]+)$")
SMART_RESOURCES = {  # resource type -> (read permission, write permission)
    "Claim": (p.CLAIMS_READ, p.CLAIMS_SUBMIT),
    "ClaimResponse": (p.CLAIMS_READ, None),
    "ExplanationOfBenefit": (p.EOB_READ, None),
    "Coverage": (p.MEMBERS_READ, None),
    "Patient": (p.MEMBERS_READ, None),
    "Practitioner": (p.PROVIDERS_READ, None),
    "Organization": (p.PROVIDERS_READ, None),
}


def scope_permissions(scopes) -> set[str]:
    """The permissions that token scopes grant: permission strings as they are, SMART scopes
    through SMART_RESOURCES; an unknown scope grants nothing."""
    granted = set()
    for scope in scopes:
        match = SMART_SCOPE.match(scope)
        if not match:
            granted.update({scope} & set(p.ALL))
            continue
        _context, resource, access = match.groups()
        if access in ("read", "write", "*"):
            reads, writes = access != "write", access != "read"
        else:  # SMART v2 letters: c(reate) r(ead) u(pdate) d(elete) s(earch)
            reads, writes = bool(set(access) & set("rs")), bool(set(access) & set("cud"))
        types = SMART_RESOURCES if resource == "*" else {resource: SMART_RESOURCES.get(resource)}
        for read, write in filter(None, types.values()):
            granted.update({read} if reads else set())
            granted.update({write} if writes and write else set())
    return granted


def is_patient_context(scopes) -> bool:
    """True when every scope is a SMART patient/ scope: the token sees one patient's data."""
    return bool(scopes) and all(scope.startswith("patient/") for scope in scopes)
