"""Every role against every endpoint: allowed, 403 (permission missing), or 404 (out of scope).

`test_the_matrix_covers_every_api_endpoint` fails when an endpoint is added without a row here.
Rows on an id that does not exist (`999999999`) show the permission check alone: 403 for a role
without the permission, 404 for one with it; the scoped 404s are the rows on the world's objects.
"""

import pytest

from backend.auth.tokens import issue_token
from backend.batches.service import create_batch
from backend.tests import factories as f

ROLES = ("admin", "insurer", "provider_a", "member")
MISSING = 999_999_999
PUBLIC = {("/api/v1/auth/login", "POST")}  # tested in test_auth.py
ANONYMOUS = {("/api/v1/auth/logout", "post"): 204}  # logging out without a session: nothing to do


def claim_url(world, name):
    return f"/api/v1/claims/{world.claims[name].id}"


# (endpoint, method, expected status per role in ROLES order)
MATRIX = [
    ("/api/v1/auth/me", "get", (200, 200, 200, 200)),
    ("/api/v1/auth/logout", "post", (204, 204, 204, 204)),
    ("/api/v1/claims", "get", (200, 200, 200, 200)),
    ("/api/v1/claims", "post", (422, 403, 422, 403)),  # 422: allowed, the empty body refused
    ("claim:a_subscriber", "get", (200, 200, 200, 200)),
    ("claim:a_child", "get", (200, 200, 200, 200)),  # billed by A's practitioner; S's minor child
    ("claim:b_spouse", "get", (200, 200, 404, 404)),  # adult dependent: not the subscriber's
    ("claim:b_other", "get", (200, 200, 404, 404)),
    ("/api/v1/members", "get", (200, 200, 403, 200)),
    ("member:subscriber", "get", (200, 200, 403, 200)),
    ("member:child", "get", (200, 200, 403, 200)),
    ("member:spouse", "get", (200, 200, 403, 404)),
    ("member:other_member", "get", (200, 200, 403, 404)),
    ("/api/v1/providers", "get", (200, 200, 200, 200)),
    ("provider:provider_b", "get", (200, 200, 200, 200)),
    ("/api/v1/batches", "post", (202, 202, 403, 403)),
    ("batch:empty", "get", (200, 200, 403, 403)),
    ("/api/v1/edi/files", "post", (422, 422, 422, 403)),  # 422: allowed, the junk refused
    (f"/api/v1/edi/files/{MISSING}", "get", (404, 404, 404, 403)),
    (f"/api/v1/edi/files/{MISSING}/999", "get", (404, 404, 404, 403)),
    (f"/api/v1/edi/files/{MISSING}/ta1", "get", (404, 404, 404, 403)),
    (f"/api/v1/edi/files/{MISSING}/277ca", "get", (404, 404, 404, 403)),
    ("/api/v1/edi/remittances", "get", (200, 200, 200, 200)),
    ("/api/v1/edi/remittances", "post", (201, 201, 403, 403)),
    (f"/api/v1/edi/remittances/{MISSING}", "get", (404, 404, 404, 404)),
    ("/api/v1/payment-cycles", "get", (200, 200, 403, 403)),
    ("/api/v1/payment-cycles", "post", (201, 201, 403, 403)),
    (f"/api/v1/payment-cycles/{MISSING}", "get", (404, 404, 403, 403)),
    ("eob:a_subscriber", "get", (200, 200, 403, 200)),
    ("eob:a_child", "get", (200, 200, 403, 200)),  # the subscriber's minor child
    ("eob:b_spouse", "get", (200, 200, 403, 404)),  # adult dependent: not the subscriber's
    ("eob:b_other", "get", (200, 200, 403, 404)),
    (f"/api/v1/claims/{MISSING}/eob", "get", (404, 404, 403, 404)),
    ("accumulators:subscriber", "get", (200, 200, 403, 200)),
    ("accumulators:child", "get", (200, 200, 403, 200)),
    ("access_log:subscriber", "get", (200, 200, 403, 200)),
    ("access_log:child", "get", (200, 200, 403, 200)),  # the subscriber's minor child
    ("access_log:spouse", "get", (200, 200, 403, 404)),  # adult dependent: not the subscriber's
    ("accumulators:spouse", "get", (200, 200, 403, 404)),
    ("accumulators:other_member", "get", (200, 200, 403, 404)),
    ("/api/v1/users", "get", (200, 403, 403, 403)),
    ("/api/v1/users", "post", (201, 403, 403, 403)),
    ("user:insurer", "get", (200, 403, 403, 403)),
    ("user:insurer", "patch", (200, 403, 403, 403)),
    ("/api/v1/tokens", "get", (200, 403, 403, 403)),
    ("/api/v1/tokens", "post", (201, 403, 403, 403)),
    ("token:insurer", "delete", (204, 403, 403, 403)),
    ("/api/v1/audit", "get", (200, 403, 403, 403)),
    ("/api/v1/review/claims", "get", (200, 200, 403, 403)),
    ("/api/v1/review/decisions", "post", (422, 422, 403, 403)),  # 422: allowed, empty refused
    (f"/api/v1/review/claims/{MISSING}", "get", (404, 404, 403, 403)),
    (f"/api/v1/review/claims/{MISSING}/assign", "post", (404, 404, 403, 403)),
    (f"/api/v1/review/claims/{MISSING}/assign", "delete", (404, 404, 403, 403)),
    (f"/api/v1/claims/{MISSING}/decision", "post", (404, 404, 403, 403)),
    (f"/api/v1/claims/{MISSING}/decision/approval", "post", (404, 404, 403, 403)),
    # a claim that is not pended: the reviewer's scope sees it, the decision is refused (409)
    ("decision:a_subscriber", "post", (409, 409, 403, 403)),
    ("assign:a_subscriber", "post", (409, 409, 403, 403)),
    ("/api/v1/claims/validate", "post", (422, 403, 422, 403)),  # 422: allowed, no body
    *((f"/api/v1/reports/{name}", "get", (200, 200, 403, 403)) for name in (
        "claims-received", "decisions", "auto-adjudication", "denials", "pend-queue",
        "days-to-payment", "paid-by-provider", "batch-throughput",
    )),
    *((f"/api/v1/reference/{name}", "get", (200, 200, 200, 200)) for name in (
        "procedures", "diagnoses", "places-of-service", "modifiers", "carc", "rarc",
    )),
    ("/api/v1/webhooks", "get", (200, 403, 200, 403)),
    ("/api/v1/webhooks", "post", (422, 403, 422, 403)),  # 422: allowed, the empty body refused
    ("/api/v1/webhooks/deliveries", "get", (200, 403, 200, 403)),
    (f"/api/v1/webhooks/deliveries/{MISSING}/replay", "post", (404, 403, 404, 403)),
]  # fmt: skip


@pytest.fixture(autouse=True)
def edi_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("ASKES_EDI_DIR", str(tmp_path))


@pytest.fixture
def objects(world, db):
    """The world's objects by kind and name, with an empty batch and an insurer's token."""
    batch_id = create_batch(db.connection(), {"claim_ids": [-1]})
    token = issue_token(db, world.users["insurer"], "etl", ["claims:read"]).token
    return {
        "claim": world.claims,
        "user": world.users,
        "member": {n: getattr(world, n) for n in ("subscriber", "child", "spouse", "other_member")},
        "provider": {"provider_b": world.provider_b},
        "batch": {"empty": batch_id},
        "token": {"insurer": token.id},
    }


def resolve(objects, target: str) -> str:
    if target.startswith("/"):
        return target
    kind, name = target.split(":")
    if kind == "decision":
        return f"/api/v1/claims/{objects['claim'][name].id}/decision"
    if kind == "assign":
        return f"/api/v1/review/claims/{objects['claim'][name].id}/assign"
    if kind == "eob":
        return f"/api/v1/claims/{objects['claim'][name].id}/eob"
    if kind == "accumulators":
        return f"/api/v1/members/{objects['member'][name].id}/accumulators"
    if kind == "access_log":
        return f"/api/v1/members/{objects['member'][name].id}/access-log"
    found = objects[kind][name]
    plural = "batches" if kind == "batch" else f"{kind}s"
    return f"/api/v1/{plural}/{getattr(found, 'id', found)}"


def body_for(world, objects, url: str, method: str):
    if method == "post" and url.endswith("/users"):
        return {"username": "newclerk", "password": "long enough pw", "role_name": "insurer"}
    if method == "post" and url.endswith("/tokens"):
        return {"user_id": world.users["insurer"].id, "name": "etl", "scopes": ["claims:read"]}
    if method == "post" and url.endswith("/batches"):
        return {"claim_ids": [-1]}  # matches no claim: nothing is queued
    if method == "post" and url.endswith("/remittances"):
        return {"batch_id": objects["batch"]["empty"]}
    if method == "post" and url.endswith(("/claims", "/logout", "/payment-cycles")):
        return {}
    if method == "post" and url.endswith("/decision"):
        return {"action": "approve", "note": "rbac"}
    if method == "post" and url.endswith("/approval"):
        return {"approve": True, "note": "rbac"}
    if method == "post" and url.endswith("/review/decisions"):
        return {}
    if method == "patch":
        return {"display_name": "Renamed"}
    return None


def call(client, world, objects, target, method):
    url = resolve(objects, target)
    if url.endswith("/edi/files"):
        return client.post(url, data=b"not X12", content_type="application/edi-x12")
    return getattr(client, method)(url, json=body_for(world, objects, url, method))


@pytest.mark.parametrize("target,method,expected", MATRIX)
@pytest.mark.parametrize("role_index", range(len(ROLES)))
def test_rbac_matrix(world, objects, as_user, target, method, expected, role_index):
    response = call(as_user(ROLES[role_index]), world, objects, target, method)
    assert response.status_code == expected[role_index], (ROLES[role_index], response.json)
    if response.status_code >= 400:
        assert set(response.json) == {"code", "message", "details", "request_id"}
    if response.status_code == 403:
        assert response.json["message"].startswith("missing permission")


@pytest.mark.parametrize("target,method,expected", MATRIX)
def test_anonymous_gets_401(world, objects, client, target, method, expected):
    response = call(client, world, objects, target, method)
    if (target, method) in ANONYMOUS:
        assert response.status_code == ANONYMOUS[target, method]
        return
    assert response.status_code == 401
    assert response.json["code"] == "unauthorized"


def test_the_matrix_covers_every_api_endpoint(app, world, objects):
    adapter = app.url_map.bind("localhost")
    covered = set()
    for target, method, _ in MATRIX:
        rule, _ = adapter.match(resolve(objects, target), method.upper(), return_rule=True)
        covered.add((rule.rule, method.upper()))
    endpoints = {
        (rule.rule, method)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert endpoints - PUBLIC == covered


def test_claim_lists_are_scoped(world, as_user):
    ids = {name: claim.id for name, claim in world.claims.items()}

    def listed(role):
        return {item["id"] for item in as_user(role).get("/api/v1/claims").json["items"]}

    assert listed("admin") >= set(ids.values())
    assert listed("provider_a") == {ids["a_subscriber"], ids["a_child"]}
    assert listed("provider_b") == {ids["b_spouse"], ids["b_other"]}
    assert listed("member") == {ids["a_subscriber"], ids["a_child"]}
    assert listed("other_member") == {ids["b_other"]}


def test_provider_b_cannot_read_provider_a_claim(world, as_user):
    response = as_user("provider_b").get(claim_url(world, "a_subscriber"))
    assert response.status_code == 404
    assert response.json["message"] == "no such claim"  # same answer as a claim that does not exist
    missing = as_user("provider_b").get("/api/v1/claims/999999999")
    assert missing.json["message"] == response.json["message"]


def test_member_cannot_read_another_members_claim(world, as_user):
    assert as_user("other_member").get(claim_url(world, "a_subscriber")).status_code == 404


def test_members_list_for_a_subscriber_is_self_and_minor_dependents(world, as_user):
    items = as_user("member").get("/api/v1/members").json["items"]
    assert {item["id"] for item in items} == {world.subscriber.id, world.child.id}


def test_claim_detail_carries_adjudication(world, as_user):
    body = as_user("provider_a").get(claim_url(world, "a_subscriber")).json
    assert body["status"] == "processed"
    assert body["decision"] == "paid"
    assert body["adjudication"]["paid_cents"] == 14_400
    assert body["adjudication"]["allowed_cents"] == 18_000
    assert [line["procedure_code"] for line in body["lines"]] == ["99213", "99213"]
    pending = as_user("provider_a").get(claim_url(world, "a_child")).json
    assert pending["status"] == "pending" and pending["adjudication"] is None


def test_claim_search_filters(world, as_user):
    client = as_user("insurer")
    pcn = world.claims["b_other"].patient_control_number
    found = client.get(f"/api/v1/claims?patient_control_number={pcn}").json
    assert found["total"] == 1 and found["items"][0]["id"] == world.claims["b_other"].id
    paid = client.get("/api/v1/claims?decision=paid").json
    assert world.claims["a_subscriber"].id in {item["id"] for item in paid["items"]}
    page = client.get("/api/v1/claims?page_size=1&page=2").json
    assert page["page"] == 2 and len(page["items"]) == 1 and page["total"] >= 4
    bad = client.get("/api/v1/claims?status=paid")
    assert bad.status_code == 422 and "status" in bad.json["details"]["query"]


def test_claim_list_totals_are_exact_up_to_the_cap_then_estimated(world, as_user, monkeypatch):
    from backend import api

    client = as_user("insurer")
    exact = client.get("/api/v1/claims").json
    assert exact["total"] == len(exact["items"]) >= 4 and exact["total_is_estimate"] is False
    filtered = client.get("/api/v1/claims?decision=paid").json
    assert (filtered["total"], filtered["total_is_estimate"]) == (1, False)
    monkeypatch.setattr(api, "COUNT_CAP", 2)
    # every claim, one channel's or one decision's: exact from the report rollups at any size
    rolled_up = client.get("/api/v1/claims?page_size=1").json
    assert (rolled_up["total"], rolled_up["total_is_estimate"]) == (exact["total"], False)
    # other filters are counted up to the cap, then estimated
    capped = client.get("/api/v1/claims?page_size=1&received_from=2000-01-01T00:00:00Z").json
    assert capped["total_is_estimate"] is True and capped["total"] >= 3
    assert len(capped["items"]) == 1
    still_exact = client.get("/api/v1/claims?decision=paid").json
    assert (still_exact["total"], still_exact["total_is_estimate"]) == (1, False)
    monkeypatch.setattr(api, "COUNT_CAP", 1)  # a provider's scope is an IN list: estimated too
    scoped = as_user("provider_a").get("/api/v1/claims?page_size=1")
    assert scoped.status_code == 200 and scoped.json["total_is_estimate"] is True


@pytest.mark.parametrize("role", ["insurer", "provider_a"])
@pytest.mark.parametrize(
    "filters",
    ["decision=paid", "decision=paid&channel=api", "decision=denied",
     "decision=paid&claim_type=professional", "decision=paid&status=processed", "channel=api"],
)  # fmt: skip
def test_claim_list_totals_equal_the_listed_claims(world, db, as_user, role, filters):
    """Totals counted on production alone (insurer, mirrored filters) or through staging equal
    the claims the list pages through."""
    f.make_adjudicated(db, world.claims["b_other"], decision="denied")
    f.make_adjudicated(db, world.claims["a_child"])
    body = as_user(role).get(f"/api/v1/claims?{filters}&page_size=200").json
    assert body["total"] == len(body["items"]) and body["total_is_estimate"] is False
    if "decision=paid" in filters:
        assert body["total"] >= 1


def test_claim_search_by_patient_name_is_a_prefix_within_scope(world, as_user, db):
    ids = {name: claim.id for name, claim in world.claims.items()}
    world.claims["b_spouse"].patient_first_name = "Pat"
    world.claims["b_spouse"].patient_last_name = "O'Family_x"
    db.flush()

    def found(role, name):
        response = as_user(role).get("/api/v1/claims", query_string={"patient_name": name})
        assert response.status_code == 200, response.json
        return {item["id"] for item in response.json["items"]}

    # members: Sam Family (subscriber), Kid Member (child), Pat Member (spouse), Olly Other;
    # the spouse's claim also carries a name of its own
    assert found("insurer", "fam") == {ids["a_subscriber"]}
    assert found("insurer", "MEMBER") == {ids["a_child"], ids["b_spouse"]}
    assert found("insurer", "kid mem") == {ids["a_child"]}
    assert found("insurer", "amily") == set()  # a prefix, not a substring
    assert found("insurer", "o'fam") == {ids["b_spouse"]}  # the name on the claim
    assert found("insurer", "o'family_") == {ids["b_spouse"]}
    assert found("insurer", "o'family%") == set()  # % is a character here, not a wildcard
    assert found("provider_a", "member") == {ids["a_child"]}  # scoped as the list is
    assert found("member", "pat") == set()  # an adult dependent: not the subscriber's
    assert as_user("insurer").get("/api/v1/claims?patient_name=").status_code == 422
