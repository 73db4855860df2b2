"""Reports for the payer's dashboards (`reports:read`): JSON shaped for charts, each over a
range of whole UTC days (see backend/reports/service.py and docs/reports.md)."""

from flask.views import MethodView
from flask_smorest import Blueprint

from backend.audit.service import audited
from backend.auth.permissions import REPORTS_READ
from backend.auth.principal import permission_required
from backend.reports import schemas, service

blp = Blueprint("reports", __name__, url_prefix="/api/v1/reports", description="Reports")


@blp.route("/claims-received")
class ClaimsReceived(MethodView):
    @blp.response(200, schemas.ReceivedReport)
    @audited("read", "report")
    @permission_required(REPORTS_READ)
    @blp.arguments(schemas.RangeArgs, location="query")
    def get(self, span):
        """Claims received per day, by channel"""
        return service.claims_received(span["start"], span["end"])


@blp.route("/decisions")
class Decisions(MethodView):
    @blp.response(200, schemas.DecisionsReport)
    @audited("read", "report")
    @permission_required(REPORTS_READ)
    @blp.arguments(schemas.RangeArgs, location="query")
    def get(self, span):
        """Claims per decision day: paid, denied, pended, rejected"""
        return service.decisions(span["start"], span["end"])


@blp.route("/auto-adjudication")
class AutoAdjudication(MethodView):
    @blp.response(200, schemas.AutoAdjudicationReport)
    @audited("read", "report")
    @permission_required(REPORTS_READ)
    @blp.arguments(schemas.RangeArgs, location="query")
    def get(self, span):
        """Share of finalized claims decided without a human, per day and overall"""
        return service.auto_adjudication(span["start"], span["end"])


@blp.route("/denials")
class Denials(MethodView):
    @blp.response(200, schemas.DenialsReport)
    @audited("read", "report")
    @permission_required(REPORTS_READ)
    @blp.arguments(schemas.TopArgs, location="query")
    def get(self, span):
        """Denial rate and the top CARCs of denied lines, with descriptions"""
        return service.denials(span["start"], span["end"], span["limit"])


@blp.route("/pend-queue")
class PendQueue(MethodView):
    @blp.response(200, schemas.PendQueueReport)
    @audited("read", "report")
    @permission_required(REPORTS_READ)
    def get(self):
        """The pend queue now: size and claims by days in the queue"""
        return service.pend_queue()


@blp.route("/days-to-payment")
class DaysToPayment(MethodView):
    @blp.response(200, schemas.DaysToPaymentReport)
    @audited("read", "report")
    @permission_required(REPORTS_READ)
    @blp.arguments(schemas.RangeArgs, location="query")
    def get(self, span):
        """Days from receipt to payment of the claims paid in the range: median, p90"""
        return service.days_to_payment(span["start"], span["end"])


@blp.route("/paid-by-provider")
class PaidByProvider(MethodView):
    @blp.response(200, schemas.PaidByProviderReport)
    @audited("read", "report")
    @permission_required(REPORTS_READ)
    @blp.arguments(schemas.TopArgs, location="query")
    def get(self, span):
        """The billing providers paid most in the range"""
        return service.paid_by_provider(span["start"], span["end"], span["limit"])


@blp.route("/batch-throughput")
class BatchThroughput(MethodView):
    @blp.response(200, schemas.BatchThroughputReport)
    @audited("read", "report")
    @permission_required(REPORTS_READ)
    @blp.arguments(schemas.TopArgs, location="query")
    def get(self, span):
        """Claims per second of the batches started in the range, newest first"""
        return service.batch_throughput(span["start"], span["end"], span["limit"])
