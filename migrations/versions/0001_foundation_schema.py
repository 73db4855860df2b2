"""foundation schema: reference data, plans, members, providers, users, audit, staging and
production claims.

Hand-written parts: the two schemas, the audit trigger that makes audit rows append-only, and
the partition helper for production claims (partitioned by service month).

Revision ID: 0001
Revises:
Create Date: 2026-11-22 13:35:52.504356
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


AUDIT_GUARD = """
CREATE FUNCTION audit_event_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_event is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER audit_event_append_only
    BEFORE UPDATE OR DELETE ON audit_event
    FOR EACH ROW EXECUTE FUNCTION audit_event_is_append_only();
CREATE TRIGGER audit_event_no_truncate
    BEFORE TRUNCATE ON audit_event
    FOR EACH STATEMENT EXECUTE FUNCTION audit_event_is_append_only();
REVOKE UPDATE, DELETE, TRUNCATE ON audit_event FROM PUBLIC;
"""

PARTITIONS = """
CREATE FUNCTION production.ensure_service_month_partition(month date) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    first_day date := date_trunc('month', month)::date;
    suffix text := to_char(first_day, 'YYYY_MM');
    parent text;
BEGIN
    FOREACH parent IN ARRAY ARRAY['claim', 'claim_line'] LOOP
        IF to_regclass(format('production.%s_%s', parent, suffix)) IS NULL THEN
            EXECUTE format(
                'CREATE TABLE production.%I PARTITION OF production.%I '
                'FOR VALUES FROM (%L) TO (%L)',
                parent || '_' || suffix, parent, first_day, (first_day + interval '1 month')::date
            );
        END IF;
    END LOOP;
END $$;
CREATE TABLE production.claim_default PARTITION OF production.claim DEFAULT;
CREATE TABLE production.claim_line_default PARTITION OF production.claim_line DEFAULT;
"""


def upgrade() -> None:
    op.execute("CREATE SCHEMA IF NOT EXISTS staging")
    op.execute("CREATE SCHEMA IF NOT EXISTS production")
    op.create_table(
        "audit_event",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column(
            "occurred_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("username", sa.String(length=60), nullable=True),
        sa.Column("role", sa.String(length=20), nullable=True),
        sa.Column("action", sa.String(length=20, collation="C"), nullable=False),
        sa.Column("resource_type", sa.String(length=40, collation="C"), nullable=False),
        sa.Column("resource_id", sa.String(length=64, collation="C"), nullable=True),
        sa.Column("outcome", sa.String(length=20, collation="C"), nullable=False),
        sa.Column("client_ip", sa.String(length=45), nullable=True),
        sa.Column("request_id", sa.String(length=64, collation="C"), nullable=True),
        sa.Column("details", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_event")),
    )
    op.create_index(
        op.f("ix_audit_event_occurred_at"), "audit_event", ["occurred_at"], unique=False
    )
    op.create_index(
        "ix_audit_event_resource", "audit_event", ["resource_type", "resource_id"], unique=False
    )
    op.create_index(
        "ix_audit_event_user_time", "audit_event", ["user_id", "occurred_at"], unique=False
    )
    op.create_table(
        "carc_code",
        sa.Column("code", sa.String(length=5, collation="C"), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_carc_code")),
    )
    op.create_table(
        "conversion_factor",
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("effective_to", sa.Date(), nullable=True),
        sa.Column("amount", sa.Numeric(precision=8, scale=4), nullable=False),
        sa.PrimaryKeyConstraint("effective_from", name=op.f("pk_conversion_factor")),
    )
    op.create_table(
        "fee_schedule_rvu",
        sa.Column("hcpcs_code", sa.String(length=5, collation="C"), nullable=False),
        sa.Column("modifier", sa.String(length=2, collation="C"), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("effective_to", sa.Date(), nullable=True),
        sa.Column("description", sa.String(length=100), nullable=False),
        sa.Column("status_code", sa.String(length=1, collation="C"), nullable=False),
        sa.Column("work_rvu", sa.Numeric(precision=7, scale=2), nullable=False),
        sa.Column("nonfacility_pe_rvu", sa.Numeric(precision=7, scale=2), nullable=False),
        sa.Column("facility_pe_rvu", sa.Numeric(precision=7, scale=2), nullable=False),
        sa.Column("mp_rvu", sa.Numeric(precision=7, scale=2), nullable=False),
        sa.Column("pctc_indicator", sa.String(length=1, collation="C"), nullable=False),
        sa.Column("global_days", sa.String(length=3, collation="C"), nullable=False),
        sa.Column(
            "multiple_procedure_indicator", sa.String(length=1, collation="C"), nullable=False
        ),
        sa.Column("bilateral_indicator", sa.String(length=1, collation="C"), nullable=False),
        sa.Column(
            "assistant_surgery_indicator", sa.String(length=1, collation="C"), nullable=False
        ),
        sa.Column("co_surgery_indicator", sa.String(length=1, collation="C"), nullable=False),
        sa.Column("team_surgery_indicator", sa.String(length=1, collation="C"), nullable=False),
        sa.PrimaryKeyConstraint(
            "hcpcs_code", "modifier", "effective_from", name=op.f("pk_fee_schedule_rvu")
        ),
    )
    op.create_table(
        "icd10cm_code",
        sa.Column("code", sa.String(length=7, collation="C"), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("is_billable", sa.Boolean(), nullable=False),
        sa.Column("chapter", sa.String(length=2, collation="C"), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_icd10cm_code")),
    )
    op.create_table(
        "member",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("member_number", sa.String(length=20, collation="C"), nullable=False),
        sa.Column("subscriber_id", sa.BigInteger(), nullable=True),
        sa.Column("relationship_code", sa.String(length=2, collation="C"), nullable=False),
        sa.Column("first_name", sa.String(length=60), nullable=False),
        sa.Column("middle_name", sa.String(length=60), nullable=True),
        sa.Column("last_name", sa.String(length=60), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=False),
        sa.Column("sex", sa.String(length=1, collation="C"), nullable=False),
        sa.Column("address_line1", sa.String(length=100), nullable=True),
        sa.Column("address_line2", sa.String(length=100), nullable=True),
        sa.Column("city", sa.String(length=60), nullable=True),
        sa.Column("state", sa.String(length=2, collation="C"), nullable=True),
        sa.Column("postal_code", sa.String(length=10, collation="C"), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "(relationship_code = '18') = (subscriber_id IS NULL)",
            name=op.f("ck_member_subscriber_is_self"),
        ),
        sa.CheckConstraint("sex IN ('F', 'M', 'U')", name=op.f("ck_member_sex")),
        sa.ForeignKeyConstraint(
            ["subscriber_id"], ["member.id"], name=op.f("fk_member_subscriber_id_member")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_member")),
        sa.UniqueConstraint("member_number", name=op.f("uq_member_member_number")),
    )
    op.create_index(op.f("ix_member_subscriber_id"), "member", ["subscriber_id"], unique=False)
    op.create_table(
        "modifier",
        sa.Column("code", sa.String(length=2, collation="C"), nullable=False),
        sa.Column("description", sa.String(length=200), nullable=False),
        sa.Column("pricing_rule", sa.String(length=30), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_modifier")),
    )
    op.create_table(
        "place_of_service",
        sa.Column("code", sa.String(length=2, collation="C"), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("is_facility", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_place_of_service")),
    )
    op.create_table(
        "plan",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=20, collation="C"), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("plan_type", sa.String(length=10), nullable=False),
        sa.Column("individual_deductible_cents", sa.BigInteger(), nullable=False),
        sa.Column("family_deductible_cents", sa.BigInteger(), nullable=False),
        sa.Column("individual_oop_max_cents", sa.BigInteger(), nullable=False),
        sa.Column("family_oop_max_cents", sa.BigInteger(), nullable=False),
        sa.Column("coinsurance_bp", sa.SmallInteger(), nullable=False),
        sa.Column("out_of_network_covered", sa.Boolean(), nullable=False),
        sa.Column("out_of_network_deductible_cents", sa.BigInteger(), nullable=False),
        sa.Column("out_of_network_oop_max_cents", sa.BigInteger(), nullable=False),
        sa.Column("out_of_network_coinsurance_bp", sa.SmallInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan")),
        sa.UniqueConstraint("code", name=op.f("uq_plan_code")),
    )
    op.create_table(
        "pricing_locality",
        sa.Column("code", sa.String(length=8, collation="C"), nullable=False),
        sa.Column("mac", sa.String(length=5, collation="C"), nullable=False),
        sa.Column("locality_number", sa.String(length=2, collation="C"), nullable=False),
        sa.Column("state", sa.String(length=2, collation="C"), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("counties", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_pricing_locality")),
    )
    op.create_table(
        "claim",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("service_month", sa.Date(), nullable=False),
        sa.Column("claim_type", sa.String(length=13, collation="C"), nullable=False),
        sa.Column("channel", sa.String(length=6, collation="C"), nullable=False),
        sa.Column("patient_control_number", sa.String(length=38, collation="C"), nullable=False),
        sa.Column("frequency_code", sa.String(length=1, collation="C"), nullable=False),
        sa.Column("batch_id", sa.BigInteger(), nullable=True),
        sa.Column("member_id", sa.BigInteger(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=True),
        sa.Column("coverage_span_id", sa.BigInteger(), nullable=True),
        sa.Column("billing_provider_id", sa.BigInteger(), nullable=False),
        sa.Column("rendering_provider_id", sa.BigInteger(), nullable=True),
        sa.Column("network", sa.String(length=3, collation="C"), nullable=False),
        sa.Column("service_from", sa.Date(), nullable=False),
        sa.Column("service_to", sa.Date(), nullable=False),
        sa.Column("place_of_service", sa.String(length=2, collation="C"), nullable=True),
        sa.Column("bill_type", sa.String(length=4, collation="C"), nullable=True),
        sa.Column("diagnosis_codes", sa.ARRAY(sa.String(length=7, collation="C")), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("adjudicated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decision", sa.String(length=8, collation="C"), nullable=False),
        sa.Column("pend_reason", sa.String(length=200), nullable=True),
        sa.Column("billed_cents", sa.BigInteger(), nullable=False),
        sa.Column("allowed_cents", sa.BigInteger(), nullable=False),
        sa.Column("paid_cents", sa.BigInteger(), nullable=False),
        sa.Column("patient_responsibility_cents", sa.BigInteger(), nullable=False),
        sa.Column("deductible_cents", sa.BigInteger(), nullable=False),
        sa.Column("coinsurance_cents", sa.BigInteger(), nullable=False),
        sa.Column("copay_cents", sa.BigInteger(), nullable=False),
        sa.Column("contractual_adjustment_cents", sa.BigInteger(), nullable=False),
        sa.Column("noncovered_cents", sa.BigInteger(), nullable=False),
        sa.Column("risk_score", sa.Float(), nullable=True),
        sa.Column("risk_model_version", sa.String(length=40), nullable=True),
        sa.Column("risk_scoring_failed", sa.Boolean(), nullable=False),
        sa.Column("reviewed_by_id", sa.Integer(), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "decision IN ('paid', 'denied', 'pended')", name=op.f("ck_claim_decision")
        ),
        sa.PrimaryKeyConstraint("id", "service_month", name=op.f("pk_claim")),
        schema="production",
        postgresql_partition_by="RANGE (service_month)",
    )
    op.create_index(
        "ix_production_claim_billing_provider",
        "claim",
        ["billing_provider_id", "service_from"],
        unique=False,
        schema="production",
    )
    op.create_index(
        "ix_production_claim_member",
        "claim",
        ["member_id", "service_from"],
        unique=False,
        schema="production",
    )
    op.create_index(
        "ix_production_claim_pended",
        "claim",
        ["adjudicated_at"],
        unique=False,
        schema="production",
        postgresql_where="decision = 'pended'",
    )
    op.create_table(
        "claim_line",
        sa.Column("claim_id", sa.BigInteger(), nullable=False),
        sa.Column("line_number", sa.SmallInteger(), nullable=False),
        sa.Column("service_month", sa.Date(), nullable=False),
        sa.Column("procedure_code", sa.String(length=5, collation="C"), nullable=True),
        sa.Column("modifier_1", sa.String(length=2, collation="C"), nullable=True),
        sa.Column("modifier_2", sa.String(length=2, collation="C"), nullable=True),
        sa.Column("modifier_3", sa.String(length=2, collation="C"), nullable=True),
        sa.Column("modifier_4", sa.String(length=2, collation="C"), nullable=True),
        sa.Column("revenue_code", sa.String(length=4, collation="C"), nullable=True),
        sa.Column("service_from", sa.Date(), nullable=False),
        sa.Column("service_to", sa.Date(), nullable=False),
        sa.Column("units", sa.Numeric(precision=10, scale=3), nullable=False),
        sa.Column("place_of_service", sa.String(length=2, collation="C"), nullable=True),
        sa.Column("decision", sa.String(length=8, collation="C"), nullable=False),
        sa.Column("billed_cents", sa.BigInteger(), nullable=False),
        sa.Column("allowed_cents", sa.BigInteger(), nullable=False),
        sa.Column("paid_cents", sa.BigInteger(), nullable=False),
        sa.Column("patient_responsibility_cents", sa.BigInteger(), nullable=False),
        sa.Column("deductible_cents", sa.BigInteger(), nullable=False),
        sa.Column("coinsurance_cents", sa.BigInteger(), nullable=False),
        sa.Column("copay_cents", sa.BigInteger(), nullable=False),
        sa.Column("contractual_adjustment_cents", sa.BigInteger(), nullable=False),
        sa.Column("noncovered_cents", sa.BigInteger(), nullable=False),
        sa.Column("work_rvu", sa.Numeric(precision=7, scale=2), nullable=True),
        sa.Column("pe_rvu", sa.Numeric(precision=7, scale=2), nullable=True),
        sa.Column("mp_rvu", sa.Numeric(precision=7, scale=2), nullable=True),
        sa.Column("work_gpci", sa.Numeric(precision=5, scale=3), nullable=True),
        sa.Column("pe_gpci", sa.Numeric(precision=5, scale=3), nullable=True),
        sa.Column("mp_gpci", sa.Numeric(precision=5, scale=3), nullable=True),
        sa.Column("conversion_factor", sa.Numeric(precision=8, scale=4), nullable=True),
        sa.Column("adjustments", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("rarc_codes", sa.ARRAY(sa.String(length=6)), nullable=False),
        sa.Column("pricing_trace", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.CheckConstraint(
            "decision IN ('paid', 'denied', 'pended')", name=op.f("ck_claim_line_decision")
        ),
        sa.PrimaryKeyConstraint(
            "claim_id", "line_number", "service_month", name=op.f("pk_claim_line")
        ),
        schema="production",
        postgresql_partition_by="RANGE (service_month)",
    )
    op.create_table(
        "failed_claim",
        sa.Column("claim_id", sa.BigInteger(), nullable=False),
        sa.Column("batch_id", sa.BigInteger(), nullable=True),
        sa.Column(
            "failed_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.PrimaryKeyConstraint("claim_id", name=op.f("pk_failed_claim")),
        schema="production",
    )
    op.create_table(
        "rarc_code",
        sa.Column("code", sa.String(length=6, collation="C"), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_rarc_code")),
    )
    op.create_table(
        "role",
        sa.Column("name", sa.String(length=20, collation="C"), nullable=False),
        sa.Column("description", sa.String(length=200), nullable=False),
        sa.Column("permissions", sa.ARRAY(sa.String(length=40)), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_role")),
    )
    op.create_table(
        "claim",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=12, collation="C"), nullable=False),
        sa.Column("batch_id", sa.BigInteger(), nullable=True),
        sa.Column("priority", sa.SmallInteger(), nullable=False),
        sa.Column("channel", sa.String(length=6, collation="C"), nullable=False),
        sa.Column("source_file_id", sa.BigInteger(), nullable=True),
        sa.Column("source_control_number", sa.String(length=30, collation="C"), nullable=True),
        sa.Column("source_position", sa.Integer(), nullable=True),
        sa.Column("source_request_id", sa.String(length=64, collation="C"), nullable=True),
        sa.Column(
            "received_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("claim_type", sa.String(length=13, collation="C"), nullable=False),
        sa.Column("patient_control_number", sa.String(length=38, collation="C"), nullable=False),
        sa.Column("frequency_code", sa.String(length=1, collation="C"), nullable=False),
        sa.Column("original_claim_id", sa.String(length=50, collation="C"), nullable=True),
        sa.Column("prior_authorization", sa.String(length=50, collation="C"), nullable=True),
        sa.Column("subscriber_member_number", sa.String(length=80, collation="C"), nullable=False),
        sa.Column("patient_member_number", sa.String(length=80, collation="C"), nullable=True),
        sa.Column("relationship_code", sa.String(length=2, collation="C"), nullable=False),
        sa.Column("patient_first_name", sa.String(length=60), nullable=True),
        sa.Column("patient_last_name", sa.String(length=60), nullable=True),
        sa.Column("patient_birth_date", sa.Date(), nullable=True),
        sa.Column("patient_sex", sa.String(length=1, collation="C"), nullable=True),
        sa.Column("member_id", sa.BigInteger(), nullable=True),
        sa.Column("billing_provider_npi", sa.String(length=10, collation="C"), nullable=False),
        sa.Column("billing_provider_tax_id", sa.String(length=9, collation="C"), nullable=True),
        sa.Column("billing_provider_id", sa.BigInteger(), nullable=True),
        sa.Column("rendering_provider_npi", sa.String(length=10, collation="C"), nullable=True),
        sa.Column("referring_provider_npi", sa.String(length=10, collation="C"), nullable=True),
        sa.Column("attending_provider_npi", sa.String(length=10, collation="C"), nullable=True),
        sa.Column("operating_provider_npi", sa.String(length=10, collation="C"), nullable=True),
        sa.Column("service_facility_npi", sa.String(length=10, collation="C"), nullable=True),
        sa.Column("place_of_service", sa.String(length=2, collation="C"), nullable=True),
        sa.Column("bill_type", sa.String(length=4, collation="C"), nullable=True),
        sa.Column("admission_date", sa.Date(), nullable=True),
        sa.Column("admission_type_code", sa.String(length=1, collation="C"), nullable=True),
        sa.Column("discharge_status", sa.String(length=2, collation="C"), nullable=True),
        sa.Column("statement_from", sa.Date(), nullable=True),
        sa.Column("statement_to", sa.Date(), nullable=True),
        sa.Column("diagnosis_codes", sa.ARRAY(sa.String(length=7, collation="C")), nullable=False),
        sa.Column("total_charge_cents", sa.BigInteger(), nullable=False),
        sa.CheckConstraint(
            "channel IN ('portal', 'api', 'edi', 'fhir')", name=op.f("ck_claim_channel")
        ),
        sa.CheckConstraint(
            "claim_type IN ('professional', 'institutional')", name=op.f("ck_claim_claim_type")
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'processing', 'processed', 'rejected')",
            name=op.f("ck_claim_status"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claim")),
        schema="staging",
        postgresql_with={"fillfactor": 80},
    )
    op.create_index("ix_staging_claim_batch", "claim", ["batch_id"], unique=False, schema="staging")
    op.create_index(
        "ix_staging_claim_billing_provider",
        "claim",
        ["billing_provider_id", "received_at"],
        unique=False,
        schema="staging",
    )
    op.create_index(
        "ix_staging_claim_member", "claim", ["member_id"], unique=False, schema="staging"
    )
    op.create_index(
        "ix_staging_claim_pending",
        "claim",
        ["priority", "id"],
        unique=False,
        schema="staging",
        postgresql_where="status = 'pending'",
    )
    op.create_table(
        "accumulator",
        sa.Column("member_id", sa.BigInteger(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("plan_year", sa.SmallInteger(), nullable=False),
        sa.Column("network", sa.String(length=3, collation="C"), nullable=False),
        sa.Column("deductible_cents", sa.BigInteger(), nullable=False),
        sa.Column("oop_cents", sa.BigInteger(), nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("network IN ('in', 'out')", name=op.f("ck_accumulator_network")),
        sa.ForeignKeyConstraint(
            ["member_id"], ["member.id"], name=op.f("fk_accumulator_member_id_member")
        ),
        sa.ForeignKeyConstraint(["plan_id"], ["plan.id"], name=op.f("fk_accumulator_plan_id_plan")),
        sa.PrimaryKeyConstraint(
            "member_id", "plan_id", "plan_year", "network", name=op.f("pk_accumulator")
        ),
    )
    op.create_table(
        "coverage_span",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("member_id", sa.BigInteger(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("group_number", sa.String(length=30, collation="C"), nullable=True),
        sa.Column("effective_date", sa.Date(), nullable=False),
        sa.Column("termination_date", sa.Date(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "termination_date IS NULL OR termination_date >= effective_date",
            name=op.f("ck_coverage_span_dates"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["member.id"], name=op.f("fk_coverage_span_member_id_member")
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["plan.id"], name=op.f("fk_coverage_span_plan_id_plan")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coverage_span")),
    )
    op.create_index(
        "ix_coverage_span_member_dates",
        "coverage_span",
        ["member_id", "effective_date"],
        unique=False,
    )
    op.create_table(
        "gpci",
        sa.Column("locality_code", sa.String(length=8, collation="C"), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("effective_to", sa.Date(), nullable=True),
        sa.Column("work_gpci", sa.Numeric(precision=5, scale=3), nullable=False),
        sa.Column("pe_gpci", sa.Numeric(precision=5, scale=3), nullable=False),
        sa.Column("mp_gpci", sa.Numeric(precision=5, scale=3), nullable=False),
        sa.ForeignKeyConstraint(
            ["locality_code"],
            ["pricing_locality.code"],
            name=op.f("fk_gpci_locality_code_pricing_locality"),
        ),
        sa.PrimaryKeyConstraint("locality_code", "effective_from", name=op.f("pk_gpci")),
    )
    op.create_table(
        "plan_copay",
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("service_category", sa.String(length=30, collation="C"), nullable=False),
        sa.Column("copay_cents", sa.BigInteger(), nullable=False),
        sa.Column("applies_before_deductible", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["plan_id"], ["plan.id"], name=op.f("fk_plan_copay_plan_id_plan")),
        sa.PrimaryKeyConstraint("plan_id", "service_category", name=op.f("pk_plan_copay")),
    )
    op.create_table(
        "failed_claim_reason",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("claim_id", sa.BigInteger(), nullable=False),
        sa.Column("line_number", sa.SmallInteger(), nullable=True),
        sa.Column("edit_code", sa.String(length=12, collation="C"), nullable=False),
        sa.Column("field", sa.String(length=60), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["claim_id"],
            ["production.failed_claim.claim_id"],
            name=op.f("fk_failed_claim_reason_claim_id_failed_claim"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_failed_claim_reason")),
        schema="production",
    )
    op.create_index(
        op.f("ix_production_failed_claim_reason_claim_id"),
        "failed_claim_reason",
        ["claim_id"],
        unique=False,
        schema="production",
    )
    op.create_table(
        "provider",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("npi", sa.String(length=10, collation="C"), nullable=False),
        sa.Column("entity_type", sa.SmallInteger(), nullable=False),
        sa.Column("organization_name", sa.String(length=120), nullable=True),
        sa.Column("first_name", sa.String(length=60), nullable=True),
        sa.Column("last_name", sa.String(length=60), nullable=True),
        sa.Column("credential", sa.String(length=20), nullable=True),
        sa.Column("taxonomy_code", sa.String(length=10, collation="C"), nullable=False),
        sa.Column("tax_id", sa.String(length=9, collation="C"), nullable=True),
        sa.Column("address_line1", sa.String(length=100), nullable=True),
        sa.Column("city", sa.String(length=60), nullable=True),
        sa.Column("state", sa.String(length=2, collation="C"), nullable=True),
        sa.Column("postal_code", sa.String(length=10, collation="C"), nullable=True),
        sa.Column("pricing_locality_code", sa.String(length=8, collation="C"), nullable=False),
        sa.Column("organization_id", sa.BigInteger(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("npi ~ '^[0-9]{10}$'", name=op.f("ck_provider_npi_digits")),
        sa.CheckConstraint("entity_type IN (1, 2)", name=op.f("ck_provider_entity_type")),
        sa.ForeignKeyConstraint(
            ["organization_id"], ["provider.id"], name=op.f("fk_provider_organization_id_provider")
        ),
        sa.ForeignKeyConstraint(
            ["pricing_locality_code"],
            ["pricing_locality.code"],
            name=op.f("fk_provider_pricing_locality_code_pricing_locality"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_provider")),
        sa.UniqueConstraint("npi", name=op.f("uq_provider_npi")),
    )
    op.create_index(
        op.f("ix_provider_organization_id"), "provider", ["organization_id"], unique=False
    )
    op.create_table(
        "claim_line",
        sa.Column("claim_id", sa.BigInteger(), nullable=False),
        sa.Column("line_number", sa.SmallInteger(), nullable=False),
        sa.Column("line_control_number", sa.String(length=50, collation="C"), nullable=True),
        sa.Column("procedure_code", sa.String(length=5, collation="C"), nullable=True),
        sa.Column("modifier_1", sa.String(length=2, collation="C"), nullable=True),
        sa.Column("modifier_2", sa.String(length=2, collation="C"), nullable=True),
        sa.Column("modifier_3", sa.String(length=2, collation="C"), nullable=True),
        sa.Column("modifier_4", sa.String(length=2, collation="C"), nullable=True),
        sa.Column("revenue_code", sa.String(length=4, collation="C"), nullable=True),
        sa.Column("service_from", sa.Date(), nullable=True),
        sa.Column("service_to", sa.Date(), nullable=True),
        sa.Column("units", sa.Numeric(precision=10, scale=3), nullable=False),
        sa.Column("unit_basis", sa.String(length=2, collation="C"), nullable=False),
        sa.Column("charge_cents", sa.BigInteger(), nullable=False),
        sa.Column("place_of_service", sa.String(length=2, collation="C"), nullable=True),
        sa.Column("diagnosis_pointers", sa.ARRAY(sa.SmallInteger()), nullable=False),
        sa.Column("rendering_provider_npi", sa.String(length=10, collation="C"), nullable=True),
        sa.Column("ndc_code", sa.String(length=11, collation="C"), nullable=True),
        sa.ForeignKeyConstraint(
            ["claim_id"],
            ["staging.claim.id"],
            name=op.f("fk_claim_line_claim_id_claim"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("claim_id", "line_number", name=op.f("pk_claim_line")),
        schema="staging",
    )
    op.create_table(
        "app_user",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=60, collation="C"), nullable=False),
        sa.Column("display_name", sa.String(length=120), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("role_name", sa.String(length=20, collation="C"), nullable=False),
        sa.Column("provider_id", sa.BigInteger(), nullable=True),
        sa.Column("member_id", sa.BigInteger(), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("failed_login_count", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["member.id"], name=op.f("fk_app_user_member_id_member")
        ),
        sa.ForeignKeyConstraint(
            ["provider_id"], ["provider.id"], name=op.f("fk_app_user_provider_id_provider")
        ),
        sa.ForeignKeyConstraint(
            ["role_name"], ["role.name"], name=op.f("fk_app_user_role_name_role")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_app_user")),
        sa.UniqueConstraint("username", name=op.f("uq_app_user_username")),
    )
    op.create_table(
        "provider_network",
        sa.Column("provider_id", sa.BigInteger(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("effective_date", sa.Date(), nullable=False),
        sa.Column("termination_date", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["plan.id"], name=op.f("fk_provider_network_plan_id_plan")
        ),
        sa.ForeignKeyConstraint(
            ["provider_id"], ["provider.id"], name=op.f("fk_provider_network_provider_id_provider")
        ),
        sa.PrimaryKeyConstraint(
            "provider_id", "plan_id", "effective_date", name=op.f("pk_provider_network")
        ),
    )
    op.create_table(
        "api_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("prefix", sa.String(length=16, collation="C"), nullable=False),
        sa.Column("secret_hash", sa.String(length=64, collation="C"), nullable=False),
        sa.Column("scopes", sa.ARRAY(sa.String(length=60)), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_used_ip", sa.String(length=45), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["app_user.id"], name=op.f("fk_api_token_created_by_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["app_user.id"], name=op.f("fk_api_token_user_id_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_token")),
        sa.UniqueConstraint("prefix", name=op.f("uq_api_token_prefix")),
    )
    op.create_index(op.f("ix_api_token_user_id"), "api_token", ["user_id"], unique=False)
    op.create_table(
        "received_document",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("channel", sa.String(length=12, collation="C"), nullable=False),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=True),
        sa.Column("sha256", sa.String(length=64, collation="C"), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("submitter_user_id", sa.Integer(), nullable=True),
        sa.Column("request_id", sa.String(length=64, collation="C"), nullable=True),
        sa.Column(
            "received_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("status", sa.String(length=20, collation="C"), nullable=False),
        sa.Column("outcome", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_received_document")),
    )
    op.create_index("ix_received_document_sha256", "received_document", ["sha256"], unique=False)
    op.execute(AUDIT_GUARD)
    op.execute(PARTITIONS)


def downgrade() -> None:
    op.execute("DROP FUNCTION production.ensure_service_month_partition(date)")
    op.drop_index(op.f("ix_api_token_user_id"), table_name="api_token")
    op.drop_table("api_token")
    op.drop_table("provider_network")
    op.drop_table("app_user")
    op.drop_table("claim_line", schema="staging")
    op.drop_index(op.f("ix_provider_organization_id"), table_name="provider")
    op.drop_table("provider")
    op.drop_index(
        op.f("ix_production_failed_claim_reason_claim_id"),
        table_name="failed_claim_reason",
        schema="production",
    )
    op.drop_table("failed_claim_reason", schema="production")
    op.drop_table("plan_copay")
    op.drop_table("gpci")
    op.drop_index("ix_coverage_span_member_dates", table_name="coverage_span")
    op.drop_table("coverage_span")
    op.drop_table("accumulator")
    op.drop_index(
        "ix_staging_claim_pending",
        table_name="claim",
        schema="staging",
        postgresql_where="status = 'pending'",
    )
    op.drop_index("ix_staging_claim_member", table_name="claim", schema="staging")
    op.drop_index("ix_staging_claim_billing_provider", table_name="claim", schema="staging")
    op.drop_index("ix_staging_claim_batch", table_name="claim", schema="staging")
    op.drop_table("claim", schema="staging")
    op.drop_table("role")
    op.drop_table("rarc_code")
    op.drop_table("failed_claim", schema="production")
    op.drop_table("claim_line", schema="production")
    op.drop_index(
        "ix_production_claim_pended",
        table_name="claim",
        schema="production",
        postgresql_where="decision = 'pended'",
    )
    op.drop_index("ix_production_claim_member", table_name="claim", schema="production")
    op.drop_index("ix_production_claim_billing_provider", table_name="claim", schema="production")
    op.drop_table("claim", schema="production")
    op.drop_table("pricing_locality")
    op.drop_table("plan")
    op.drop_table("place_of_service")
    op.drop_table("modifier")
    op.drop_index(op.f("ix_member_subscriber_id"), table_name="member")
    op.drop_table("member")
    op.drop_table("icd10cm_code")
    op.drop_table("fee_schedule_rvu")
    op.drop_table("conversion_factor")
    op.drop_table("carc_code")
    op.drop_index("ix_audit_event_user_time", table_name="audit_event")
    op.drop_index("ix_audit_event_resource", table_name="audit_event")
    op.drop_index(op.f("ix_audit_event_occurred_at"), table_name="audit_event")
    op.drop_table("audit_event")
    op.drop_index("ix_received_document_sha256", table_name="received_document")
    op.drop_table("received_document")
    op.execute("DROP FUNCTION audit_event_is_append_only()")
    op.execute("DROP SCHEMA production")
    op.execute("DROP SCHEMA staging")
