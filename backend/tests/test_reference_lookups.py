"""Code look-ups for claim entry: known codes with their descriptions, prefix and word search,
bounded results."""

import pytest

from backend.reference.loaders import load_reference


@pytest.fixture
def loaded(world, connection):
    load_reference(connection)  # the demo fee schedule, code lists and ICD-10-CM
    return world


def _items(client, path, **params):
    response = client.get(f"/api/v1/reference/{path}", query_string=params)
    assert response.status_code == 200, response.json
    return response.json


def test_procedures_by_code_prefix_and_by_words(loaded, as_user):
    client = as_user("provider_a")
    found = _items(client, "procedures", q="9921")
    codes = [item["code"] for item in found["items"]]
    assert "99213" in codes and all(code.startswith("9921") for code in codes)
    assert all(item["description"] for item in found["items"])
    office = _items(client, "procedures", q="office vis")
    assert "99213" in [item["code"] for item in office["items"]]


def test_diagnoses_are_billable_icd10cm_codes_with_descriptions(loaded, as_user):
    client = as_user("member")
    found = _items(client, "diagnoses", q="E11.9")
    assert found["items"][0] == {
        "code": "E119", "formatted": "E11.9",
        "description": "Type 2 diabetes mellitus without complications",
    }  # fmt: skip
    category = _items(client, "diagnoses", q="E11", limit=10)
    assert "E11" not in [item["code"] for item in category["items"]]  # a category, not billable
    assert category["truncated"] is True and len(category["items"]) == 10
    words = _items(client, "diagnoses", q="essential hypert")
    assert "I10" in [item["code"] for item in words["items"]]


def test_code_lists_with_descriptions(loaded, as_user):
    client = as_user("insurer")
    places = {i["code"]: i for i in _items(client, "places-of-service")["items"]}
    assert places["11"]["description"] == "Office" and places["21"]["is_facility"] is True
    modifiers = {i["code"]: i for i in _items(client, "modifiers")["items"]}
    assert modifiers["50"]["pricing_rule"] == "bilateral"
    carc = {i["code"]: i["description"] for i in _items(client, "carc")["items"]}
    assert carc["1"] == "Deductible Amount" and carc["45"]
    rarc = _items(client, "rarc", q="M20")["items"]
    assert rarc[0] == {"code": "M20", "description": "Missing/incomplete/invalid HCPCS."}


def test_search_text_is_matched_literally(loaded, as_user):
    client = as_user("provider_a")
    assert _items(client, "diagnoses", q="(")["items"] == []
    assert _items(client, "carc", q="%")["items"] == []


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 101}, {"q": "x" * 101}])
def test_bounds_are_checked(world, as_user, params):
    response = as_user("provider_a").get("/api/v1/reference/diagnoses", query_string=params)
    assert response.status_code == 422
