"""The 835 list: paginated with a total like the API's other lists, newest first, scoped to the
caller's payees. (Writing and reading an 835 is in test_edi_api.py.)"""

from backend.edi.models import EdiDocument


def _documents(db, provider, kinds):
    documents = [
        EdiDocument(
            kind=kind,
            payee_provider_id=provider.id,
            control_number=n,
            filename=f"{kind}_{n}.x12",
            body="ISA*~",
        )  # fmt: skip
        for n, kind in enumerate(kinds, start=1)
    ]
    db.add_all(documents)
    db.flush()
    return [document.id for document in documents]


def test_remittances_are_paginated_with_a_total(world, as_user, db):
    mine = _documents(db, world.provider_a, ["835", "999", "835", "835"])
    theirs = _documents(db, world.provider_b, ["835", "835"])
    remittances_a = [mine[0], mine[2], mine[3]]  # the 999 is an acknowledgment, not a remittance
    provider = as_user("provider_a")

    first = provider.get("/api/v1/edi/remittances?page_size=2").json
    assert (first["total"], first["page"], first["page_size"]) == (3, 1, 2)
    assert [item["id"] for item in first["items"]] == [mine[3], mine[2]]
    assert first["items"][0]["payee_provider_id"] == world.provider_a.id
    second = provider.get("/api/v1/edi/remittances?page_size=2&page=2").json
    assert (second["total"], [item["id"] for item in second["items"]]) == (3, [mine[0]])

    everything = as_user("insurer").get("/api/v1/edi/remittances?page_size=200").json
    listed = [item["id"] for item in everything["items"]]
    assert set(remittances_a + theirs) <= set(listed) and everything["total"] == len(listed)
    assert listed == sorted(listed, reverse=True)


def test_remittance_page_size_is_bounded(world, as_user):
    response = as_user("insurer").get("/api/v1/edi/remittances?page_size=201")
    assert response.status_code == 422 and "page_size" in response.json["details"]["query"]
