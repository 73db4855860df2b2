"""Webhook subscriptions: a provider organization's staff for its claims, a caller with
data:all for every claim; their deliveries, and replaying one."""

from flask import abort, current_app
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from backend.api import ROW_ID, PageArgs, page_schema, paginate
from backend.audit.service import audited
from backend.auth.permissions import WEBHOOKS_MANAGE
from backend.auth.principal import current_principal, permission_required
from backend.auth.token_cache import credentials_changed
from backend.db import Session
from backend.webhooks.models import EVENTS, WebhookDelivery, WebhookSubscription
from backend.webhooks.service import enqueue_delivery, url_problem

blp = Blueprint("webhooks", __name__, url_prefix="/api/v1/webhooks", description="Webhooks")


class SubscriptionSchema(Schema):
    id = fields.Integer(dump_only=True)
    url = fields.String(required=True, validate=validate.Length(min=8, max=2000))
    secret = fields.String(
        required=True,
        load_only=True,
        validate=validate.Length(min=16, max=200),
        metadata={"description": "signs deliveries (Askes-Signature)"},
    )
    events = fields.List(fields.String(validate=validate.OneOf(EVENTS)), required=True,
                         validate=validate.Length(min=1, max=len(EVENTS)))  # fmt: skip
    provider_id = fields.Integer(dump_only=True, allow_none=True)
    is_active = fields.Boolean(dump_only=True)
    consecutive_failures = fields.Integer(dump_only=True)
    disabled_at = fields.DateTime(dump_only=True, allow_none=True)
    created_at = fields.DateTime(dump_only=True)


class DeliverySchema(Schema):
    id = fields.Integer()
    subscription_id = fields.Integer()
    event = fields.String()
    payload = fields.Dict()
    status = fields.String()
    attempts = fields.Integer()
    last_status_code = fields.Integer(allow_none=True)
    last_error = fields.String(allow_none=True)
    last_attempt_at = fields.DateTime(allow_none=True)
    delivered_at = fields.DateTime(allow_none=True)


class DeliveryQuerySchema(Schema):
    subscription_id = fields.Integer(validate=ROW_ID)
    status = fields.String(validate=validate.OneOf(("pending", "delivered", "failed")))


def _own_subscriptions():
    """The caller's subscriptions (an admin's: everyone's)."""
    principal = current_principal()
    statement = select(WebhookSubscription.id)
    if principal.scope(Session()).everything:
        return statement
    return statement.where(WebhookSubscription.owner_user_id == principal.user.id)


@blp.route("")
class Subscriptions(MethodView):
    @blp.response(200, page_schema(SubscriptionSchema))
    @audited("search", "webhook")
    @permission_required(WEBHOOKS_MANAGE)
    @blp.arguments(PageArgs, location="query", as_kwargs=True)
    def get(self, page, page_size):
        """List your webhook subscriptions"""
        statement = select(WebhookSubscription).where(
            WebhookSubscription.id.in_(_own_subscriptions())
        )
        return paginate(statement.order_by(WebhookSubscription.id), page, page_size)

    @blp.response(201, SubscriptionSchema)
    @audited("create", "webhook")
    @permission_required(WEBHOOKS_MANAGE)
    @blp.arguments(SubscriptionSchema)
    def post(self, subscription):
        """Subscribe a URL to claim events (your organization's claims; all with data:all)"""
        principal = current_principal()
        scope = principal.scope(Session())
        if not scope.everything and principal.user.provider_id is None:
            abort(403, "only a provider organization or a caller with data:all may subscribe")
        settings = current_app.config["ASKES"]
        if problem := url_problem(subscription["url"], settings.webhook_allow_private):
            abort(422, problem)
        row = WebhookSubscription(
            owner_user_id=principal.user.id,
            provider_id=None if scope.everything else principal.user.provider_id,
            url=subscription["url"], secret=subscription["secret"],
            events=sorted(set(subscription["events"])), is_active=True, consecutive_failures=0,
        )  # fmt: skip
        Session.add(row)
        Session.commit()
        credentials_changed()  # every process reads the listened events again
        return row


@blp.route("/deliveries")
class Deliveries(MethodView):
    @blp.response(200, page_schema(DeliverySchema))
    @audited("search", "webhook_delivery")
    @permission_required(WEBHOOKS_MANAGE)
    @blp.arguments(DeliveryQuerySchema, location="query")
    @blp.arguments(PageArgs, location="query", as_kwargs=True)
    def get(self, query, page, page_size):
        """Deliveries to your subscriptions: attempts and last status"""
        statement = select(WebhookDelivery).where(
            WebhookDelivery.subscription_id.in_(_own_subscriptions())
        )
        for name in ("subscription_id", "status"):
            if name in query:
                statement = statement.where(getattr(WebhookDelivery, name) == query[name])
        return paginate(statement.order_by(WebhookDelivery.id.desc()), page, page_size)


@blp.route("/deliveries/<int:delivery_id>/replay")
class Replay(MethodView):
    @blp.response(202, DeliverySchema)
    @audited("replay", "webhook_delivery", "delivery_id")
    @permission_required(WEBHOOKS_MANAGE)
    def post(self, delivery_id):
        """Send a delivery again (a failed one, or one the receiver lost); re-enables its
        subscription"""
        delivery = Session.scalar(
            select(WebhookDelivery).where(
                WebhookDelivery.id == delivery_id,
                WebhookDelivery.subscription_id.in_(_own_subscriptions()),
            )
        ) or abort(404, "no such delivery")
        subscription = Session.get(WebhookSubscription, delivery.subscription_id)
        subscription.is_active, subscription.disabled_at = True, None
        subscription.consecutive_failures = 0
        delivery.status = "pending"
        Session.commit()
        credentials_changed()  # the subscription may listen again
        enqueue_delivery(delivery.id)
        return delivery
