"""X12 EDI: submit 837/834 files, read their status and acknowledgments, and 835 remittances."""

from flask import Response, abort, g, request
from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select

from backend.api import PageArgs, page_schema, paginate
from backend.audit.service import audited
from backend.auth.permissions import CLAIMS_READ, EDI_SUBMIT, PAYMENTS_RUN
from backend.auth.principal import current_principal, permission_required
from backend.db import Session
from backend.edi import service
from backend.edi.intake import reject_unread
from backend.edi.models import EdiDocument
from backend.edi.outbound import EdiFolders
from backend.edi.schemas import (
    EdiFileSchema,
    RemittanceListSchema,
    RemittanceRequestSchema,
    RemittanceSchema,
)
from backend.payments.models import Payment
from backend.payments.service import close_cycle

blp = Blueprint("edi", __name__, url_prefix="/api/v1/edi", description="X12 EDI gateway")
X12 = "application/edi-x12"
STATUS_CODE = {"rejected": 422, "duplicate": 200}


def _body() -> tuple[bytes, str | None]:
    upload = request.files.get("file")
    if upload is not None:
        return upload.read(), upload.filename
    return request.get_data(cache=False), request.headers.get("X-Filename")


@blp.route("/files")
class EdiFiles(MethodView):
    @blp.response(201, EdiFileSchema)
    @blp.alt_response(403, description="a claim bills for a provider you may not submit for")
    @blp.alt_response(413, description="larger than ASKES_EDI_MAX_BYTES (the file is kept)")
    @blp.alt_response(422, description="not X12, or rejected (see the TA1 / 999)")
    @audited("submit", "edi_file")
    @permission_required(EDI_SUBMIT)
    def post(self):
        """Submit an X12 837P, 837I or 834 file (raw body, or multipart field `file`)"""
        principal = current_principal()
        session = Session()
        body, filename = _body()
        limit = EdiFolders.from_environment().max_bytes
        if len(body) > limit:
            document = service.intake.receive(
                session, body, "edi-upload", filename, principal.user.id, g.get("request_id")
            )
            reject_unread(session, document, f"the file is larger than {limit} bytes")
            session.commit()
            abort(413, f"file {document.id} is larger than {limit} bytes; it was kept")
        edi_file = service.submit(
            session,
            body,
            "edi-upload",
            filename,
            principal.user.id,
            principal.scope(session),
            g.get("request_id"),
        )
        session.commit()
        _, document = service.file_in_scope(
            session, principal.scope(session), principal.user.id, edi_file.id
        )
        summary = service.file_summary(session, edi_file, document)
        if document.outcome and document.outcome.get("refusal") == "forbidden":
            abort(403, document.outcome["error"])
        if document.status == "rejected" and not summary["documents"]:
            abort(422, f"file {edi_file.id}: {document.outcome.get('error')}")
        return summary, 201


@blp.route("/files/<int:file_id>")
class EdiFileById(MethodView):
    @blp.response(200, EdiFileSchema)
    @audited("read", "edi_file", "file_id")
    @permission_required(EDI_SUBMIT)
    def get(self, file_id):
        """Status and counts of a submitted file, with its acknowledgments"""
        principal = current_principal()
        session = Session()
        found = service.file_in_scope(session, principal.scope(session), principal.user.id, file_id)
        if found is None:
            abort(404, "no such file")
        return service.file_summary(session, *found)


def _acknowledgment(file_id: int, kind: str) -> Response:
    principal = current_principal()
    session = Session()
    if service.file_in_scope(session, principal.scope(session), principal.user.id, file_id) is None:
        abort(404, "no such file")
    document = service.latest_document(session, file_id, kind)
    if document is None:
        abort(404, f"file {file_id} has no {kind}")
    return _x12(document)


def _x12(document: EdiDocument) -> Response:
    headers = {"Content-Disposition": f'attachment; filename="{document.filename}"'}
    return Response(document.body, mimetype=X12, headers=headers)


@blp.route("/files/<int:file_id>/999")
class FunctionalAck(MethodView):
    @blp.doc(responses={200: {"description": "the 999 (X12 text)"}})
    @audited("read", "edi_999", "file_id")
    @permission_required(EDI_SUBMIT)
    def get(self, file_id):
        """The 999 acknowledgment of a file"""
        return _acknowledgment(file_id, "999")


@blp.route("/files/<int:file_id>/ta1")
class InterchangeAck(MethodView):
    @blp.doc(responses={200: {"description": "the TA1 (X12 text)"}})
    @audited("read", "edi_ta1", "file_id")
    @permission_required(EDI_SUBMIT)
    def get(self, file_id):
        """The TA1 interchange acknowledgment of a file whose envelope was refused"""
        return _acknowledgment(file_id, "TA1")


@blp.route("/files/<int:file_id>/277ca")
class ClaimAck(MethodView):
    @blp.doc(responses={200: {"description": "the 277CA (X12 text)"}})
    @audited("read", "edi_277ca", "file_id")
    @permission_required(EDI_SUBMIT)
    def get(self, file_id):
        """The 277CA of a file's claims as they stand now (accepted, or rejected with reasons)"""
        principal = current_principal()
        session = Session()
        if (
            service.file_in_scope(session, principal.scope(session), principal.user.id, file_id)
            is None
        ):
            abort(404, "no such file")
        document = service.current_277ca(session, file_id)
        if document is None:
            abort(404, f"file {file_id} has no staged claims")
        session.commit()
        return _x12(document)


@blp.route("/remittances")
class Remittances(MethodView):
    @blp.response(200, page_schema(RemittanceSchema))
    @audited("search", "edi_835")
    @permission_required(CLAIMS_READ)
    @blp.arguments(PageArgs, location="query", as_kwargs=True)
    def get(self, page, page_size):
        """List the 835 remittances you may see, newest first"""
        scope = current_principal().scope(Session())
        statement = select(EdiDocument).where(EdiDocument.kind == "835")
        if not scope.everything:
            statement = statement.where(EdiDocument.payee_provider_id.in_(scope.provider_ids))
        return paginate(statement.order_by(EdiDocument.id.desc()), page, page_size)

    @blp.response(201, RemittanceListSchema)
    @audited("create", "edi_835")
    @permission_required(PAYMENTS_RUN)
    @blp.arguments(RemittanceRequestSchema)
    def post(self, request_body):
        """Close a payment cycle scoped to one batch (every batch without `batch_id`): the 835s
        of its claims not yet remitted, one per payee (see /api/v1/payment-cycles)"""
        session = Session()
        cycle = close_cycle(
            session,
            request_body["payment_date"],
            request_body["batch_id"],
            current_principal().user.id,
        )
        documents = session.scalars(
            select(EdiDocument)
            .join(Payment, Payment.edi_document_id == EdiDocument.id)
            .where(Payment.payment_cycle_id == cycle.id)
            .order_by(EdiDocument.id)
        ).all()
        session.commit()
        return {"items": documents}, 201


@blp.route("/remittances/<int:document_id>")
class RemittanceById(MethodView):
    @blp.doc(responses={200: {"description": "the 835 (X12 text)"}})
    @audited("read", "edi_835", "document_id")
    @permission_required(CLAIMS_READ)
    def get(self, document_id):
        """Download an 835"""
        principal = current_principal()
        scope = principal.scope(Session())
        document = Session.get(EdiDocument, document_id)
        if (
            document is None
            or document.kind != "835"
            or not (scope.everything or document.payee_provider_id in scope.provider_ids)
        ):
            abort(404, "no such remittance")
        return _x12(document)
