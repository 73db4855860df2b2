"""The web processes compile the risk kernels before their first request (backend/gunicorn_conf.py):
a claim submitted alone is adjudicated in its request and must not wait for a compilation."""

import importlib

from workers.pipeline import risk_kernels, risk_model_kernels


def test_a_web_process_has_its_kernels_before_its_first_request(tmp_path, monkeypatch):
    monkeypatch.setenv("ASKES_KERNEL_CACHE_DIR", str(tmp_path / "numba"))
    conf = importlib.reload(importlib.import_module("backend.gunicorn_conf"))
    assert conf.settings.kernel_cache_dir == tmp_path / "numba"
    conf.post_worker_init(worker=None)
    kernels = {name: value for module in (risk_kernels, risk_model_kernels)
               for name, value in vars(module).items()
               if hasattr(value, "signatures") and not name.startswith("_")}  # fmt: skip
    assert kernels and all(
        kernel.signatures for kernel in kernels.values()
    )  # the ones a chunk calls
