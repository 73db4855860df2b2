"""What a reviewer reads for each of the risk model's features (workers/pipeline/risk_features.py,
FEATURES): the review queue and the claim workbench show a stored reason as "label: the claim's
value (typical value)". A feature with no label here shows its name."""

FEATURE_LABELS = {
    "charge_ratio_log_max": "highest line's charge against its fee schedule amount (log ratio)",
    "charge_ratio_vs_provider": "that markup above the provider's usual one (log ratio)",
    "charge_ratio_vs_procedure": "that markup above the same procedure's in the batch (log ratio)",
    "charge_ratio_spread": "spread between the lines' markups (log ratio)",
    "charge_vs_code_provider": "charge per unit above the code's usual, beyond the provider's "
    "own habit (log ratio)",
    "em_level": "level of the visit's E/M code (0 lowest, 1 highest)",
    "em_top": "visit coded at the top E/M level (1 yes, 0 no)",
    "provider_em_top_share": "provider's share of visits coded at the top E/M level",
    "provider_em_top_vs_peers": "provider's top-level E/M share above its peers'",
    "bundled_pair": "both codes of a bundled pair on the claim (1 yes, 0 no)",
    "provider_pair_rate": "provider's share of claims with a bundled pair",
    "procedure_rarity": "rarity of the claim's rarest procedure (-log of its share)",
    "lines": "service lines on the claim",
    "units_max_log": "most units on one line (log)",
    "age_years": "patient's age (years)",
    "institutional": "institutional claim (1 yes, 0 no)",
    "place_office": "a line in an office (1 yes, 0 no)",
    "place_emergency": "a line in an emergency department (1 yes, 0 no)",
    "modifiers_per_line": "modifiers per line",
    "provider_claims_log": "provider's claims seen so far (log)",
    "member_claims_log": "member's earlier claims (log)",
    "member_days_since_last": "time since the member's last service (share of a year)",
    "member_days_since_same_service": "time since the member last had one of these services "
    "(share of a year)",
    "member_providers_seen_log": "billing providers the member has seen (log)",
    "member_provider_new": "a billing provider new to the member (1 yes, 0 no)",
    "code_sex_typicality": "how usual the patient's sex is for the codes (log share, 0 typical)",
    "code_age_z": "how far the patient's age is from the codes' usual ages (standard deviations)",
}


def reason_text(feature: str, value: float, typical: float) -> str:
    """One stored reason as a reviewer reads it."""
    return f"{FEATURE_LABELS.get(feature, feature)}: {value:.3g} (typical {typical:.3g})"
