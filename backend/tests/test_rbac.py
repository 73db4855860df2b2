"""Every role against every endpoint: allowed, 403 (permission missing), or 404 (out of scope)."""

import pytest

ROLES = ("admin", "insurer", "provider_a", "member")


def claim_url(world, name):
    return f"/api/v1/claims/{world.claims[name].id}"


# (endpoint, method, expected status per role in ROLES order)
MATRIX = [
    ("/api/v1/claims", "get", (200, 200, 200, 200)),
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
    ("/api/v1/users", "get", (200, 403, 403, 403)),
    ("/api/v1/users", "post", (201, 403, 403, 403)),
    ("user:insurer", "get", (200, 403, 403, 403)),
    ("user:insurer", "patch", (200, 403, 403, 403)),
    ("/api/v1/tokens", "get", (200, 403, 403, 403)),
    ("/api/v1/tokens", "post", (201, 403, 403, 403)),
    ("/api/v1/audit", "get", (200, 403, 403, 403)),
]


def resolve(world, target: str) -> str:
    if target.startswith("/"):
        return target
    kind, name = target.split(":")
    if kind == "claim":
        return claim_url(world, name)
    if kind == "user":
        return f"/api/v1/users/{world.users[name].id}"
    return f"/api/v1/{kind}s/{getattr(world, name).id}"


def body_for(world, url: str, method: str):
    if method == "post" and url.endswith("/users"):
        return {"username": "newclerk", "password": "long enough pw", "role_name": "insurer"}
    if method == "post" and url.endswith("/tokens"):
        return {"user_id": world.users["insurer"].id, "name": "etl", "scopes": ["claims:read"]}
    if method == "patch":
        return {"display_name": "Renamed"}
    return None


@pytest.mark.parametrize("target,method,expected", MATRIX)
@pytest.mark.parametrize("role_index", range(len(ROLES)))
def test_rbac_matrix(world, as_user, target, method, expected, role_index):
    client = as_user(ROLES[role_index])
    url = resolve(world, target)
    response = getattr(client, method)(url, json=body_for(world, url, method))
    assert response.status_code == expected[role_index], (ROLES[role_index], url, response.json)
    if response.status_code >= 400:
        assert set(response.json) == {"code", "message", "details", "request_id"}


@pytest.mark.parametrize("target,method,expected", MATRIX)
def test_anonymous_gets_401(world, client, target, method, expected):
    url = resolve(world, target)
    response = getattr(client, method)(url, json=body_for(world, url, method))
    assert response.status_code == 401
    assert response.json["code"] == "unauthorized"


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
