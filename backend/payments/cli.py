"""`askes pay`: close a payment cycle from the command line (what POST /api/v1/payment-cycles
does), audited as the system."""

from __future__ import annotations

import click

from backend.cli_context import Context, pass_context


@click.command("pay")
@click.option("--payment-date", type=click.DateTime(["%Y-%m-%d"]), help="default: today")
@click.option("--batch-id", type=int, help="remit only this batch's claims")
@pass_context
def pay(context: Context, payment_date, batch_id) -> None:
    """Close a payment cycle: one 835 per payee for every finalized claim not yet remitted."""
    from backend.audit.models import AuditEvent
    from backend.db import Session
    from backend.payments.service import close_cycle, cycle_detail

    context.engine  # noqa: B018 - binds the session
    session = Session()
    cycle = close_cycle(session, payment_date.date() if payment_date else None, batch_id)
    session.execute(
        AuditEvent.__table__.insert(),
        {"action": "create", "resource_type": "payment_cycle", "resource_id": str(cycle.id),
         "outcome": "allowed", "username": "askes pay", "details": {"source": "cli"}},
    )  # fmt: skip
    session.commit()
    detail = cycle_detail(session, cycle.id)
    click.echo(
        f"payment cycle {cycle.id} {cycle.status}: {cycle.claim_count} claims, "
        f"{cycle.payee_count} payees, paid {cycle.paid_cents / 100:,.2f}"
    )
    for file in detail["files"]:
        amount = f"{file['payment_method']} {file['paid_cents'] / 100:,.2f}"
        click.echo(
            f"  {file['filename']}  payee {file['payee_npi']}  trace {file['trace_number']}  "
            f"{amount}  {file['claim_count']} claims"
        )
