"""Coding knowledge the risk features use, the kind a payer holds as reference data: level
families of E/M and therapy codes (a level's place in its family), and procedure pairs one
comprehensive code covers (a stand-in for the NCCI procedure-to-procedure edits)."""

from __future__ import annotations

import numpy as np

# Families of levelled codes, lowest level first.
LEVEL_FAMILIES = (
    ("99202", "99203", "99204", "99205"),  # office, new patient
    ("99211", "99212", "99213", "99214", "99215"),  # office, established
    ("99281", "99282", "99283", "99284", "99285"),  # emergency department
    ("99221", "99222", "99223"),  # hospital, initial
    ("99231", "99232", "99233"),  # hospital, subsequent
    ("90832", "90834", "90837"),  # psychotherapy
    ("97161", "97162", "97163"),  # physical therapy evaluation
    ("99495", "99496"),  # transitional care
)
# (column 1, column 2): billed on one claim, column 2 is included in column 1's payment.
BUNDLED_PAIRS = (
    ("93005", "93010"), ("45380", "45378"), ("43239", "43235"), ("29880", "29881"),
    ("74176", "74177"), ("70553", "70551"), ("98940", "97140"), ("90471", "96372"),
    ("99285", "99284"),
)  # fmt: skip


def code_key(codes: np.ndarray) -> np.ndarray:
    """uint64 key of fixed-width byte codes (up to 8 bytes), in the same order as the codes:
    sorting and searching integers is several times faster than byte strings."""
    codes = np.ascontiguousarray(codes)
    width = codes.dtype.itemsize
    padded = np.zeros((len(codes), 8), np.uint8)
    padded[:, :width] = codes.view(np.uint8).reshape(len(codes), width)
    return padded.view(">u8").reshape(-1).astype(np.uint64)


def _levels():
    codes, levels = [], []
    for family in LEVEL_FAMILIES:
        codes += family
        levels += [position / (len(family) - 1) for position in range(len(family))]
    order = np.argsort(np.array(codes, "S5"))
    return np.array(codes, "S5")[order], np.array(levels)[order]


LEVEL_CODES, LEVEL_OF_CODE = _levels()  # sorted codes, level in [0, 1] (1 = top)
LEVEL_KEYS = code_key(LEVEL_CODES)
PAIR_CODES = np.unique(np.array(BUNDLED_PAIRS, "S5"))  # sorted codes of any pair
PAIR_KEYS = code_key(PAIR_CODES)
PAIR_INDEX = np.searchsorted(PAIR_CODES, np.array(BUNDLED_PAIRS, "S5"))  # (pairs, 2)
