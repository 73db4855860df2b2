"""The cycle collector is paused while a file is read and always resumes as it was: overlapping
pauses (two files in two threads) resume it once, after the last; a collector the process had
turned off stays off; an intake that fails resumes it too."""

from __future__ import annotations

import gc
import threading

import pytest
from sqlalchemy import select

from backend.claims.models import StagedClaim
from backend.edi import service
from backend.edi.drop_folder import EVERYONE
from backend.intake.bulk import cycle_collector_paused
from backend.tests.test_edi_scale import _file


@pytest.fixture(autouse=True)
def collector_running():
    gc.enable()
    yield
    gc.enable()


def test_overlapping_pauses_resume_after_the_last():
    first_in, second_in, first_out = threading.Event(), threading.Event(), threading.Event()
    seen = {}

    def first():
        with cycle_collector_paused():
            first_in.set()
            second_in.wait(5)
        first_out.set()

    def second():
        first_in.wait(5)
        with cycle_collector_paused():
            second_in.set()
            first_out.wait(5)
            seen["after the first ended"] = gc.isenabled()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert seen == {"after the first ended": False}
    assert gc.isenabled()


def test_a_collector_turned_off_stays_off():
    gc.disable()
    with cycle_collector_paused():
        assert not gc.isenabled()
    assert not gc.isenabled()


def test_the_collector_resumes_when_the_block_fails():
    with pytest.raises(RuntimeError), cycle_collector_paused():
        assert not gc.isenabled()
        raise RuntimeError("unreadable")
    assert gc.isenabled()


def test_an_837_is_staged_and_the_collector_resumes(world, db, monkeypatch, tmp_path):
    monkeypatch.setenv("ASKES_EDI_DIR", str(tmp_path))
    edi_file = service.submit(db, _file(world, 3, 7), "edi-folder", "bulk.837", None, EVERYONE)
    staged = db.scalars(select(StagedClaim.id).where(StagedClaim.source_file_id == edi_file.id))
    assert len(staged.all()) == 3
    assert gc.isenabled()
