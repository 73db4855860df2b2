"""Clinical and billing rules the generator follows for clean claims and breaks on purpose for
labelled ones: who may receive a procedure or diagnosis (age, sex), E/M levels to upcode,
procedure pairs to unbundle, revenue codes of institutional lines."""

import numpy as np

ANY_AGE = 200

# Who may receive a procedure: code -> (sex, or "" for either; min and max age in whole years).
PROCEDURE_LIMITS = {
    "59400": ("F", 12, 55), "59510": ("F", 12, 55), "58558": ("F", 12, ANY_AGE),
    "76830": ("F", 10, ANY_AGE), "76856": ("F", 10, ANY_AGE), "77067": ("F", 35, ANY_AGE),
    "42820": ("", 0, 11), "49505": ("", 5, ANY_AGE), "95810": ("", 6, ANY_AGE),
    "G0402": ("", 65, ANY_AGE), "G0438": ("", 65, ANY_AGE), "G0439": ("", 65, ANY_AGE),
}  # fmt: skip
# Preventive visits by age: (lowest age, new-patient code, established-patient code).
PREVENTIVE_BY_AGE = (
    (0, "99381", "99391"), (1, "99382", "99392"), (5, "99383", "99393"), (12, "99384", "99394"),
    (18, "99385", "99395"), (40, "99386", "99396"), (65, "99387", "99397"),
)  # fmt: skip


def _preventive_limits() -> dict:
    highs = [low - 1 for low, _, _ in PREVENTIVE_BY_AGE[1:]] + [ANY_AGE]
    limits = {}
    for (low, new, established), high in zip(PREVENTIVE_BY_AGE, highs, strict=True):
        limits[new] = limits[established] = ("", low, high)
    return limits


PROCEDURE_LIMITS |= _preventive_limits()

# Who may carry a diagnosis: ICD-10-CM code prefix -> (sex, min age, max age).
DIAGNOSIS_LIMITS = {
    "O": ("F", 12, 55), "Z3A": ("F", 12, 55), "Z33": ("F", 12, 55), "Z34": ("F", 12, 55),
    "Z36": ("F", 12, 55), "Z37": ("F", 12, 55), "Z39": ("F", 12, 55),
    "P": ("", 0, 0), "Z38": ("", 0, 0), "Z0011": ("", 0, 0), "Z0012": ("", 0, 17),
    "Z0000": ("", 18, ANY_AGE), "Z0001": ("", 18, ANY_AGE),
    "C60": ("M", 0, ANY_AGE), "C61": ("M", 0, ANY_AGE), "C62": ("M", 0, ANY_AGE),
    "C63": ("M", 0, ANY_AGE), "D29": ("M", 0, ANY_AGE), "Z125": ("M", 0, ANY_AGE),
    "N7": ("F", 0, ANY_AGE), "Z124": ("F", 0, ANY_AGE), "Z014": ("F", 0, ANY_AGE),
    "D25": ("F", 0, ANY_AGE), "D26": ("F", 0, ANY_AGE), "D27": ("F", 0, ANY_AGE),
    "D28": ("F", 0, ANY_AGE),
}  # fmt: skip
DIAGNOSIS_LIMITS |= {f"N{n}": ("M", 0, ANY_AGE) for n in range(40, 54)}
DIAGNOSIS_LIMITS |= {f"N{n}": ("F", 0, ANY_AGE) for n in range(80, 99)}
DIAGNOSIS_LIMITS |= {f"C{n}": ("F", 0, ANY_AGE) for n in range(51, 59)}
# Diagnosis pools are built per sex and age band; band edges fall on the limits above.
AGE_BANDS = np.array([0, 1, 12, 18, 56, 65])

# E/M and therapy levels billed higher than the visit supports -> the level they become.
UPCODE = {
    "99211": "99215", "99212": "99215", "99213": "99215", "99214": "99215",
    "99202": "99205", "99203": "99205", "99204": "99205",
    "99281": "99285", "99282": "99285", "99283": "99285", "99284": "99285",
    "99221": "99223", "99222": "99223", "99231": "99233", "99232": "99233",
    "90832": "90837", "90834": "90837", "97161": "97163", "97162": "97163", "99495": "99496",
}  # fmt: skip

# Unbundling: codes billed together that one comprehensive code covers, by provider kind.
UNBUNDLING = (
    ("93000", ("93005", "93010"), ("primary_care", "cardiology", "urgent_care")),
    ("45380", ("45380", "45378"), ("surgery_center",)),
    ("43239", ("43239", "43235"), ("surgery_center",)),
    ("29880", ("29880", "29881"), ("orthopedics",)),
    ("74178", ("74176", "74177"), ("imaging_center",)),
    ("70553", ("70551", "70553"), ("imaging_center",)),
    ("98940", ("98940", "97140"), ("physical_therapy",)),
    ("90471", ("90471", "96372"), ("pediatrics", "primary_care")),
    ("99285", ("99285", "99284"), ("emergency_medicine",)),
)

# Impossible combinations: (name, who it applies to, what is billed). Sex "M"/"F" or "";
# ages in whole years. A procedure variant replaces line 1; a diagnosis variant the primary.
IMPOSSIBLE = (
    ("female procedure for a male", "M", 0, ANY_AGE, "procedure", ("59400", "58558", "76830")),
    ("pregnancy diagnosis for a male", "M", 0, ANY_AGE, "diagnosis", ("O",)),
    ("prostate diagnosis for a female", "F", 0, ANY_AGE, "diagnosis", ("N40", "C61")),
    ("newborn diagnosis for an adult", "", 18, ANY_AGE, "diagnosis", ("P07", "Z38")),
    ("infant preventive visit for an adult", "", 18, ANY_AGE, "procedure", ("99391", "99381")),
    ("child-only procedure for an adult", "", 18, ANY_AGE, "procedure", ("42820",)),
    ("senior preventive visit for a child", "", 0, 17, "procedure", ("99397", "G0439")),
)

# Revenue codes of institutional lines by procedure category; room and board has no HCPCS.
REVENUE_CODES = {
    "em_emergency": "0450", "em_hospital": "0450", "em_office": "0510", "radiology": "0320",
    "breast_bone_imaging": "0403", "lab": "0300", "pathology": "0310", "cardiology": "0730",
    "injection": "0260", "chemotherapy": "0335", "physical_medicine": "0420",
    "pulmonary": "0460", "vaccine": "0771",
}  # fmt: skip
SURGERY_REVENUE_CODE = "0360"
CLINIC_REVENUE_CODE = "0510"
ROOM_AND_BOARD = "0120"
ROOM_AND_BOARD_CENTS = 180_000  # allowed per day before the hospital's markup
OUTPATIENT_BILL_TYPE = "0131"
INPATIENT_BILL_TYPE = "0111"

# Claim volume of each provider kind by patient: (kind, sex or "", min age, max age, factor).
KIND_DEMOGRAPHICS = (
    ("pediatrics", "", 18, ANY_AGE, 0.0), ("pediatrics", "", 0, 17, 6.0),
    ("primary_care", "", 0, 17, 0.4), ("obgyn", "M", 0, ANY_AGE, 0.0),
    ("obgyn", "", 0, 11, 0.0), ("obgyn", "F", 12, 55, 2.0), ("cardiology", "", 0, 17, 0.05),
    ("cardiology", "", 50, ANY_AGE, 2.5), ("orthopedics", "", 40, ANY_AGE, 1.5),
    ("surgery_center", "", 0, 17, 0.2), ("surgery_center", "", 45, ANY_AGE, 1.8),
    ("hospital", "", 65, ANY_AGE, 1.6), ("laboratory", "", 0, 17, 0.3),
    ("behavioral_health", "", 0, 11, 0.3), ("emergency_medicine", "", 0, 4, 1.5),
)  # fmt: skip
