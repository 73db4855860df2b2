"""Payment cycles: close one (every finalized claim not yet remitted, one 835 per payee), list
them with their totals, read one with its 835s."""

from flask import abort
from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select

from backend.api import PageArgs, page_schema, paginate
from backend.audit.service import audited
from backend.auth.permissions import PAYMENTS_RUN
from backend.auth.principal import current_principal, permission_required
from backend.db import Session
from backend.payments.models import PaymentCycle
from backend.payments.schemas import (
    PaymentCycleDetailSchema,
    PaymentCycleRequestSchema,
    PaymentCycleSchema,
)
from backend.payments.service import close_cycle, cycle_detail

blp = Blueprint(
    "payment_cycles", __name__, url_prefix="/api/v1/payment-cycles", description="Payment cycles"
)


@blp.route("")
class PaymentCycles(MethodView):
    @blp.response(200, page_schema(PaymentCycleSchema))
    @audited("search", "payment_cycle")
    @permission_required(PAYMENTS_RUN)
    @blp.arguments(PageArgs, location="query", as_kwargs=True)
    def get(self, page, page_size):
        """List payment cycles with their totals, newest first"""
        return paginate(select(PaymentCycle).order_by(PaymentCycle.id.desc()), page, page_size)

    @blp.response(201, PaymentCycleDetailSchema)
    @audited("create", "payment_cycle")
    @permission_required(PAYMENTS_RUN)
    @blp.arguments(PaymentCycleRequestSchema)
    def post(self, request_body):
        """Close a payment cycle: remit every finalized claim not yet remitted, one 835 per payee"""
        session = Session()
        cycle = close_cycle(
            session,
            request_body["payment_date"],
            request_body["batch_id"],
            current_principal().user.id,
        )
        session.commit()
        return cycle_detail(session, cycle.id), 201


@blp.route("/<int:cycle_id>")
class PaymentCycleById(MethodView):
    @blp.response(200, PaymentCycleDetailSchema)
    @audited("read", "payment_cycle", "cycle_id")
    @permission_required(PAYMENTS_RUN)
    def get(self, cycle_id):
        """Read a payment cycle: its totals and its 835s with payee, amount and trace number"""
        return cycle_detail(Session(), cycle_id) or abort(404, "no such payment cycle")
