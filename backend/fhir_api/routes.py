"""The FHIR R4 endpoints under /fhir.

A plain Flask Blueprint rather than flask-smorest: FHIR describes itself with the
CapabilityStatement at /fhir/metadata (not OpenAPI), its bodies are FHIR JSON rather than
marshmallow schemas, and every error must be an OperationOutcome, which the blueprint's own
error handlers guarantee. Views stay thin: authorize, call one function, answer.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from askes_fhir.capability import RESOURCES, capability_statement
from askes_fhir.structure import prepare
from flask import Blueprint, request
from flask.views import MethodView

from backend.auth.permissions import CLAIMS_SUBMIT
from backend.auth.principal import authorize
from backend.fhir_api import http, search, submission
from backend.fhir_api.audit import audit_fhir
from backend.fhir_api.http import fail, fhir_response
from backend.idempotency.keys import idempotent

blp = Blueprint("fhir", __name__, url_prefix="/fhir")
http.register_error_handlers(blp)
READ_ONLY = ("GET",)
# What Claims and Bundles arrive as, with the resources a Claim carries contained.
INTAKE_RESOURCES = ("Bundle", "Claim", "Patient", "Coverage", "Organization", "Practitioner",
                    "Location")  # fmt: skip


@blp.record_once
def _prepare_structure_checks(_state) -> None:
    """When the app is built (each web process), not on its first FHIR request."""
    prepare(INTAKE_RESOURCES)


def _software_version() -> str:
    try:
        return version("askes")
    except PackageNotFoundError:
        return "unknown"


def _json_body() -> bytes:
    content_type = request.content_type or ""
    if content_type and "json" not in content_type:
        fail(415, f"content type {content_type} is not supported; send application/fhir+json")
    return request.get_data(cache=False)


@blp.get("/metadata")
def metadata():
    """The CapabilityStatement (public, as FHIR requires)"""
    statement = capability_statement(
        http.base_url(), _software_version(), http.max_bundle_entries()
    )
    return fhir_response(statement)


class BundleEndpoint(MethodView):
    @idempotent
    @audit_fhir("create", "claim")
    def post(self):
        """Process a batch or transaction Bundle of Claims"""
        principal = authorize(CLAIMS_SUBMIT)
        return fhir_response(
            submission.process_bundle(_json_body(), request.content_type, principal)
        )


class TypeEndpoint(MethodView):
    @audit_fhir("search", None)
    def get(self, resource_type):
        """Search a resource type"""
        return fhir_response(search.search(resource_type, request.args))

    @idempotent
    @audit_fhir("create", "claim")
    def post(self, resource_type):
        """Create a Claim: staged as pending for the pipeline"""
        if resource_type not in RESOURCES:
            fail(404, f"resource type {resource_type} is not served here")
        if resource_type != "Claim":
            fail(405, f"{resource_type} is read-only here", "not-supported")
        principal = authorize(CLAIMS_SUBMIT)
        created = submission.create_claim(_json_body(), request.content_type, principal)
        location = f"{http.base_url()}/Claim/{created.claim_id}"
        return fhir_response(created.resource, 201, {"Location": location})


class InstanceEndpoint(MethodView):
    @audit_fhir("read", None, "resource_id")
    def get(self, resource_type, resource_id):
        """Read one resource"""
        return fhir_response(search.read(resource_type, resource_id))


class SubmitEndpoint(MethodView):
    @idempotent
    @audit_fhir("submit", "claim")
    def post(self):
        """Claim/$submit: stage the claim and adjudicate it now; answers a ClaimResponse"""
        principal = authorize(CLAIMS_SUBMIT)
        body = _json_body()
        return fhir_response(search.submit_and_respond(body, request.content_type, principal))


def _unsupported_method(allowed: tuple[str, ...]):
    def view(**_kwargs):
        raise http.FhirError(
            405,
            [
                http.Issue(
                    "not-supported",
                    f"{request.method} is not supported here; use {', '.join(allowed)}",
                )
            ],
            {"Allow": ", ".join(allowed)},
        )

    return view


OTHER_METHODS = ["PUT", "PATCH", "DELETE"]
blp.add_url_rule("", view_func=BundleEndpoint.as_view("bundle"))
blp.add_url_rule("/<resource_type>", view_func=TypeEndpoint.as_view("type"))
blp.add_url_rule("/<resource_type>/<resource_id>", view_func=InstanceEndpoint.as_view("instance"))
blp.add_url_rule("/Claim/$submit", view_func=SubmitEndpoint.as_view("submit"))
for rule, endpoint, allowed in (
    ("", "bundle_other", ("POST",)),
    ("/metadata", "metadata_other", READ_ONLY),
    ("/<resource_type>", "type_other", ("GET", "POST")),
    ("/<resource_type>/<resource_id>", "instance_other", READ_ONLY),
    ("/Claim/$submit", "submit_other", ("POST",)),
):
    methods = [m for m in ("GET", "POST", *OTHER_METHODS) if m not in allowed]
    blp.add_url_rule(rule, endpoint, _unsupported_method(allowed), methods=methods)


@blp.route("/<path:unknown>", methods=["GET", "POST", *OTHER_METHODS])
def not_found(unknown):
    fail(404, "no such FHIR endpoint; see /fhir/metadata for what is served")
