"""ICD-10-CM diagnosis pools: billable codes by diagnosis group (catalog.DX_GROUPS) and patient
cell (sex x age band), so a drawn diagnosis suits the procedure and the patient.

Sex is coded 0 = female, 1 = male; a patient cell is sex * len(AGE_BANDS) + age band.
"""

from __future__ import annotations

import numpy as np
from sqlalchemy import text

from backend.synthetic import catalog, rules

BANDS = len(rules.AGE_BANDS)
CELLS = 2 * BANDS


def patient_cells(sex: np.ndarray, age: np.ndarray) -> np.ndarray:
    """Cell of each patient: sex (0 F, 1 M) and age in whole years."""
    band = np.searchsorted(rules.AGE_BANDS, age, side="right") - 1
    return (sex.astype(np.int64) * BANDS + band).astype(np.int16)


def cells_within(sex: str, low: int, high: int) -> np.ndarray:
    """bool (CELLS,): the cells whose whole age band lies in [low, high], of that sex if any."""
    band_low = rules.AGE_BANDS
    band_high = np.append(rules.AGE_BANDS[1:] - 1, rules.ANY_AGE)
    in_age = (band_low >= low) & (band_high <= high)
    female = in_age & (sex in ("", "F"))
    male = in_age & (sex in ("", "M"))
    return np.concatenate([female, male])


class DiagnosisPools:
    """All ICD-10-CM codes (D,), with lazily built draw pools of billable codes."""

    def __init__(self, codes: np.ndarray, billable: np.ndarray):
        self.codes = codes  # S7 (D,)
        self.billable = billable  # bool (D,)
        self.groups = list(catalog.DX_GROUPS)
        self.allowed = self._allowed_cells()  # bool (D, CELLS)
        common = np.isin(codes, np.array(catalog.COMMON_DX, dtype="S7"))
        self.weights = np.where(common, catalog.COMMON_DX_WEIGHT, 1.0)
        self._members = {}
        self._pools = {}

    @classmethod
    def load(cls, connection) -> DiagnosisPools:
        rows = connection.execute(
            text("SELECT code, is_billable FROM icd10cm_code ORDER BY code")
        ).all()
        if not rows:
            from backend.synthetic.reference import MissingReferenceData

            raise MissingReferenceData("icd10cm_code is empty: load the reference data first")
        codes, billable = zip(*rows, strict=True)
        return cls(np.array(codes, dtype="S7"), np.array(billable, dtype=bool))

    def group(self, name: str) -> int:
        return self.groups.index(name)

    def index(self, code: str) -> int:
        position = int(np.searchsorted(self.codes, code.encode()))
        found = position < len(self.codes) and self.codes[position] == code.encode()
        return position if found else -1

    def matching(self, prefixes) -> np.ndarray:
        """Indices of billable codes starting with any of the prefixes."""
        mask = np.zeros(len(self.codes), dtype=bool)
        for prefix in prefixes:
            mask |= np.strings.startswith(self.codes, prefix.encode())
        return np.flatnonzero(mask & self.billable)

    def draw(self, rng: np.random.Generator, group: np.ndarray, cell: np.ndarray) -> np.ndarray:
        """A billable code index for each (group, cell); -1 where the pool is empty."""
        drawn = np.full(len(group), -1, dtype=np.int32)
        key = group.astype(np.int64) * CELLS + cell
        for value in np.unique(key):
            rows = np.flatnonzero(key == value)
            members, cumulative = self._pool(int(value) // CELLS, int(value) % CELLS)
            if members.size:
                picks = np.searchsorted(cumulative, rng.random(rows.size) * cumulative[-1])
                drawn[rows] = members[np.minimum(picks, members.size - 1)]
        return drawn

    def non_billable_parent(self, code: np.ndarray) -> np.ndarray:
        """For each code index, its non-billable 3-character category (header code), or -1."""
        parents = self.codes[code].astype("S3").astype("S7")
        position = np.clip(np.searchsorted(self.codes, parents), 0, len(self.codes) - 1)
        found = (self.codes[position] == parents) & ~self.billable[position]
        return np.where(found, position, -1)

    def _pool(self, group: int, cell: int) -> tuple[np.ndarray, np.ndarray]:
        if (group, cell) not in self._pools:
            if group not in self._members:
                self._members[group] = self.matching(catalog.DX_GROUPS[self.groups[group]])
            members = self._members[group]
            members = members[self.allowed[members, cell]]
            self._pools[group, cell] = (members, np.cumsum(self.weights[members]))
        return self._pools[group, cell]

    def _allowed_cells(self) -> np.ndarray:
        allowed = np.ones((len(self.codes), CELLS), dtype=bool)
        for prefix, (sex, low, high) in rules.DIAGNOSIS_LIMITS.items():
            matches = np.strings.startswith(self.codes, prefix.encode())
            allowed[matches] &= cells_within(sex, low, high)
        return allowed
