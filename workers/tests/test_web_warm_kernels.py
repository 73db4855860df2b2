"""The web processes compile the risk kernels before their first request (backend/gunicorn_conf.py):
a claim submitted alone is adjudicated in its request and must not wait for a compilation."""

import subprocess
import sys

# In a process of its own: in the test run's process, other tests have compiled the kernels
# already, and the check would pass without the hook.
SERVE = """
import sys
from backend import gunicorn_conf
gunicorn_conf.post_worker_init(worker=None)
from workers.pipeline import risk_kernels, risk_model_kernels
bare = [name for module in (risk_kernels, risk_model_kernels)
        for name, value in vars(module).items()
        if hasattr(value, "signatures") and not name.startswith("_") and not value.signatures]
print(sorted(bare))
"""


def test_a_web_process_has_its_kernels_before_its_first_request(tmp_path):
    environment = {"ASKES_KERNEL_CACHE_DIR": str(tmp_path / "numba"), "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-c", SERVE], capture_output=True, text=True,
                          check=True, env=environment)  # fmt: skip
    assert done.stdout.split("\n")[-2] == "[]"  # every kernel a chunk calls is compiled
    assert list((tmp_path / "numba").rglob("*.nbi"))  # into the settings' cache directory
