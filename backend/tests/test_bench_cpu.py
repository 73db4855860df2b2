"""`askes bench api --cpu` (backend/reports/bench_cpu.py): its figures, not their values."""

from backend.reports.bench_cpu import cpu_per_request


def test_cpu_per_request_gives_every_figure_and_skips_what_is_missing(app, as_user, world):
    from backend.auth import permissions as p
    from backend.auth.tokens import issue_token
    from backend.db import Session

    token = issue_token(Session(), world.users["insurer"], "bench", [p.CLAIMS_READ]).plaintext
    Session.flush()
    endpoints = {"claims_list": ["/api/v1/claims", "/api/v1/claims?page=2"],
                 "nowhere": ["/api/v1/no-such-list"]}  # fmt: skip
    figures = cpu_per_request(app, token, endpoints, requests=3, rounds=2)
    assert figures["cpu_skipped"] == "nowhere"
    assert figures["claims_list_errors"] == 0
    assert figures["claims_list_statements"] >= 2  # the page and the audit event at least
    assert figures["claims_list_python_cpu_ms"] > 0
    assert figures["claims_list_cpu_ms"] >= figures["claims_list_python_cpu_ms"]
