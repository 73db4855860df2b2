"""Permission strings. Routes check these and the caller's data scope, never role names.

A token's scopes are a subset of these strings; a token can do what both its user's role and its
scopes allow.
"""

CLAIMS_READ = "claims:read"
CLAIMS_SUBMIT = "claims:submit"
CLAIMS_REVIEW = "claims:review"  # work the review queue and decide pended claims
MEMBERS_READ = "members:read"
MEMBERS_WRITE = "members:write"
PROVIDERS_READ = "providers:read"
EOB_READ = "eob:read"
REPORTS_READ = "reports:read"
BATCHES_RUN = "batches:run"
PAYMENTS_RUN = "payments:run"  # close payment cycles (835s); read them
EDI_SUBMIT = "edi:submit"
USERS_MANAGE = "users:manage"
TOKENS_MANAGE = "tokens:manage"
AUDIT_READ = "audit:read"
DATA_ALL = "data:all"  # scope: every provider's and member's data, not only one's own

ALL = (
    CLAIMS_READ,
    CLAIMS_SUBMIT,
    CLAIMS_REVIEW,
    MEMBERS_READ,
    MEMBERS_WRITE,
    PROVIDERS_READ,
    EOB_READ,
    REPORTS_READ,
    BATCHES_RUN,
    PAYMENTS_RUN,
    EDI_SUBMIT,
    USERS_MANAGE,
    TOKENS_MANAGE,
    AUDIT_READ,
    DATA_ALL,
)
