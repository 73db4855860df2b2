"""What the generator knows about medicine: provider kinds, procedure categories and how common
each code is, which diagnoses go with which procedures, and who may receive what.

The fee schedule and ICD-10-CM tables decide which codes exist; this module only weighs and
pairs them, so a code missing from the loaded tables is simply never drawn.
"""

from dataclasses import dataclass, field

# Procedure categories by numeric CPT range (inclusive); HCPCS level II and exceptions by code.
CATEGORY_RANGES = (
    (10000, 19999, "surgery_skin"),
    (20000, 29999, "surgery_musculoskeletal"),
    (30000, 32999, "surgery_respiratory"),
    (33000, 37799, "surgery_cardiovascular"),
    (40000, 49999, "surgery_digestive"),
    (50000, 53899, "surgery_urinary"),
    (54000, 55999, "surgery_male"),
    (56000, 58999, "surgery_female"),
    (59000, 59899, "maternity"),
    (61000, 64999, "surgery_nervous"),
    (65000, 68999, "surgery_eye"),
    (69000, 69999, "ent"),
    (70000, 76999, "radiology"),
    (77000, 77099, "breast_bone_imaging"),
    (78000, 78450, "radiology"),
    (78451, 78499, "cardiology"),
    (78500, 79999, "radiology"),
    (80000, 87999, "lab"),
    (88000, 88399, "pathology"),
    (90460, 90749, "vaccine"),
    (90785, 90899, "psychiatry"),
    (92002, 92499, "ophthalmology"),
    (92502, 92700, "ent"),
    (92920, 93998, "cardiology"),
    (94002, 94799, "pulmonary"),
    (95004, 95199, "allergy"),
    (95800, 95811, "sleep"),
    (96105, 96171, "psychiatry"),
    (96360, 96379, "injection"),
    (96401, 96549, "chemotherapy"),
    (97010, 97799, "physical_medicine"),
    (97802, 97804, "nutrition"),
    (98925, 98942, "physical_medicine"),
    (99202, 99215, "em_office"),
    (99221, 99239, "em_hospital"),
    (99281, 99285, "em_emergency"),
    (99291, 99292, "em_hospital"),
    (99304, 99318, "em_nursing"),
    (99381, 99397, "em_preventive"),
    (99401, 99429, "counseling"),
    (99490, 99499, "care_management"),
)
CODE_CATEGORIES = {  # codes filed outside their range's category
    "36415": "lab",
    "G0008": "vaccine", "G0009": "vaccine", "G0402": "em_preventive", "G0438": "em_preventive",
    "G0439": "em_preventive", "G0442": "counseling", "G0444": "counseling",
    "G0283": "physical_medicine",
}  # fmt: skip

# Relative frequency of common codes (roughly their share of commercial claim lines); any other
# code drawn from its category gets DEFAULT_FREQUENCY, so a fuller fee schedule just adds a tail.
FREQUENCY = {
    "99213": 100, "99214": 90, "99212": 16, "99215": 15, "99203": 10, "99204": 10, "99202": 3,
    "99205": 3, "99211": 4, "36415": 60, "85025": 40, "80053": 35, "80061": 25, "83036": 20,
    "84443": 20, "81001": 15, "80048": 15, "87880": 6, "82947": 4, "85610": 4, "93000": 15,
    "71046": 10, "71045": 5, "73030": 4, "73562": 4, "72100": 4, "73610": 3, "73110": 3,
    "74177": 3, "70450": 3, "72148": 3, "73721": 2, "76700": 2, "76856": 2, "77067": 6,
    "77080": 3, "93306": 5, "93880": 2, "96372": 10, "90471": 10, "90472": 4, "G0008": 6,
    "90834": 10, "90837": 12, "90791": 3, "90832": 4, "97110": 30, "97140": 20, "97530": 12,
    "97112": 8, "97161": 2, "97162": 3, "99283": 5, "99284": 6, "99285": 5, "99282": 2,
    "99232": 8, "99233": 5, "99231": 4, "99223": 3, "99222": 2, "99238": 3, "99395": 5,
    "99396": 6, "99397": 3, "99394": 2, "99393": 2, "99392": 2, "99391": 3, "G0439": 3,
    "11721": 4, "17000": 3, "17110": 2, "11102": 2, "20610": 4, "45378": 2, "45380": 2,
    "43239": 2, "66984": 2, "92014": 4, "92012": 3, "88305": 8, "99406": 3, "G2211": 12,
    "96127": 4, "98940": 6, "99490": 3,
}  # fmt: skip
DEFAULT_FREQUENCY = 1.0

# Clinical lab fee schedule amounts (cents) for lab codes the PFS does not price (status X);
# used only to set billed charges. Other zero-RVU codes are never drawn.
LAB_FEES = {
    "36415": 300, "80048": 846, "80053": 1056, "80061": 1339, "81001": 317, "82947": 393,
    "83036": 971, "84443": 1680, "85025": 777, "85610": 429, "87880": 1653,
}  # fmt: skip
DRAWN_STATUSES = frozenset("ANRT")  # active, non-covered by Medicare (preventive), restricted

# Diagnosis groups: ICD-10-CM code prefixes (one letter, or letter + first digit).
DX_GROUPS = {
    "infectious": ("A", "B"),
    "neoplasm": ("C", "D0", "D1", "D2", "D3", "D4"),
    "blood": ("D5", "D6", "D7", "D8"),
    "endocrine": ("E",),
    "mental": ("F",),
    "nervous": ("G",),
    "eye": ("H0", "H1", "H2", "H3", "H4", "H5"),
    "ear": ("H6", "H7", "H8", "H9"),
    "circulatory": ("I",),
    "respiratory": ("J",),
    "digestive": ("K",),
    "skin": ("L",),
    "musculoskeletal": ("M",),
    "genitourinary": ("N",),
    "pregnancy": ("O",),
    "perinatal": ("P",),
    "injury": ("S", "T"),
    "symptoms": ("R",),
    "screening": ("Z00", "Z01", "Z12", "Z13"),
    "immunization": ("Z23",),
    "factors": ("Z",),
}
COMMON_DX = (
    (
        "I10 E119 E785 E039 E669 J069 J209 J029 J449 J45909 M545 M5450 M25561 M17.11 K219 F419 F329"
        " F411 F17210 N390 R051 R0789 R109 R519 Z23 Z0000 Z0001 Z00129 Z00121 Z1231 Z1211 G4733"
        " H5213 H6121 L700 S8390XA S93401A E559 D649 I4891 I2510 N186 Z7901 C50911 O26851 Z3A20"
    )
    .replace(".", "")
    .split()
)
COMMON_DX_WEIGHT = 150.0

# Primary diagnosis groups of each procedure category (relative weights).
CATEGORY_DX = {
    "em_office": {"circulatory": 14, "endocrine": 12, "respiratory": 12, "musculoskeletal": 12,
                  "symptoms": 10, "mental": 6, "digestive": 5, "genitourinary": 4, "skin": 4,
                  "nervous": 3, "infectious": 3, "ear": 2, "eye": 1, "blood": 1, "injury": 4},
    "em_preventive": {"screening": 1},
    "em_emergency": {"injury": 30, "symptoms": 30, "respiratory": 10, "circulatory": 8,
                     "digestive": 8, "infectious": 4, "genitourinary": 4, "mental": 3},
    "em_hospital": {"circulatory": 25, "respiratory": 20, "infectious": 10, "digestive": 10,
                    "genitourinary": 8, "endocrine": 8, "injury": 8, "neoplasm": 5},
    "em_nursing": {"nervous": 3, "circulatory": 3, "mental": 2, "injury": 1},
    "care_management": {"circulatory": 3, "endocrine": 3, "respiratory": 1, "mental": 1},
    "counseling": {"mental": 3, "endocrine": 1},
    "psychiatry": {"mental": 1},
    "vaccine": {"immunization": 1},
    "injection": {"musculoskeletal": 3, "endocrine": 2, "infectious": 2, "respiratory": 2},
    "chemotherapy": {"neoplasm": 1},
    "lab": {"endocrine": 25, "circulatory": 15, "screening": 15, "symptoms": 15, "blood": 8,
            "genitourinary": 7, "infectious": 5, "digestive": 5},
    "pathology": {"neoplasm": 5, "digestive": 3, "skin": 3},
    "radiology": {"musculoskeletal": 30, "injury": 25, "symptoms": 20, "respiratory": 10,
                  "neoplasm": 5, "digestive": 5, "nervous": 5},
    "breast_bone_imaging": {"screening": 6, "musculoskeletal": 3, "neoplasm": 1},
    "cardiology": {"circulatory": 8, "symptoms": 3, "endocrine": 1},
    "pulmonary": {"respiratory": 1},
    "allergy": {"respiratory": 1},
    "sleep": {"nervous": 1},
    "ophthalmology": {"eye": 6, "endocrine": 1},
    "ent": {"ear": 3, "respiratory": 1},
    "physical_medicine": {"musculoskeletal": 3, "injury": 1, "nervous": 1},
    "nutrition": {"endocrine": 1},
    "surgery_skin": {"skin": 3, "neoplasm": 2, "injury": 1},
    "surgery_musculoskeletal": {"musculoskeletal": 3, "injury": 2},
    "surgery_respiratory": {"respiratory": 1},
    "surgery_cardiovascular": {"circulatory": 1},
    "surgery_digestive": {"digestive": 5, "symptoms": 1, "neoplasm": 1},
    "surgery_urinary": {"genitourinary": 2, "symptoms": 1},
    "surgery_male": {"genitourinary": 1},
    "surgery_female": {"genitourinary": 1},
    "maternity": {"pregnancy": 1},
    "surgery_nervous": {"musculoskeletal": 3, "nervous": 1},
    "surgery_eye": {"eye": 1},
}  # fmt: skip
SECONDARY_DX = {"circulatory": 5, "endocrine": 5, "factors": 4, "mental": 2, "musculoskeletal": 2,
                "respiratory": 1, "symptoms": 1}  # fmt: skip


@dataclass(frozen=True)
class ProviderKind:
    """A kind of provider organization and the work its claims carry."""

    name: str
    org_taxonomy: str  # NUCC taxonomy of the billing organization
    practitioner_taxonomies: tuple[str, ...]  # empty: bills without practitioners
    share: float  # of organizations
    anchor: dict  # category of the first line -> weight
    ancillary: dict  # category of further lines -> weight
    places: dict = field(default_factory=dict)  # place of service -> weight (professional)
    institutional: bool = False
    markup: float = 2.2  # median billed / allowed


KINDS = (
    ProviderKind("primary_care", "261QP2300X", ("207Q00000X", "207R00000X", "363LF0000X"), 0.24,
                 {"em_office": 80, "em_preventive": 14, "care_management": 3, "counseling": 2},
                 {"lab": 40, "vaccine": 15, "injection": 10, "cardiology": 6, "em_office": 8,
                  "counseling": 5, "radiology": 3},
                 {"11": 90, "02": 3, "10": 3, "12": 1, "22": 3}),
    ProviderKind("pediatrics", "261QP2300X", ("208000000X",), 0.06,
                 {"em_office": 60, "em_preventive": 40},
                 {"vaccine": 50, "lab": 20, "counseling": 10, "ent": 5}, {"11": 97, "02": 3}),
    ProviderKind("cardiology", "193400000X", ("207RC0000X",), 0.06,
                 {"em_office": 70, "cardiology": 30}, {"cardiology": 60, "lab": 20},
                 {"11": 60, "22": 25, "21": 15}, markup=2.6),
    ProviderKind("orthopedics", "193400000X", ("207X00000X",), 0.06,
                 {"em_office": 60, "surgery_musculoskeletal": 40},
                 {"radiology": 50, "surgery_musculoskeletal": 30, "injection": 10},
                 {"11": 60, "22": 15, "24": 20, "21": 5}, markup=2.8),
    ProviderKind("obgyn", "193400000X", ("207V00000X",), 0.06,
                 {"em_office": 50, "em_preventive": 20, "maternity": 8, "surgery_female": 8,
                  "radiology": 10}, {"radiology": 30, "lab": 40, "pathology": 10},
                 {"11": 80, "21": 15, "22": 5}),
    ProviderKind("dermatology", "193400000X", ("207N00000X",), 0.05,
                 {"em_office": 60, "surgery_skin": 40}, {"surgery_skin": 60, "pathology": 40},
                 {"11": 100}),
    ProviderKind("behavioral_health", "261QM0801X", ("2084P0800X", "103T00000X", "1041C0700X"),
                 0.08, {"psychiatry": 100}, {"psychiatry": 80, "counseling": 20},
                 {"11": 60, "02": 20, "10": 20}, markup=1.8),
    ProviderKind("physical_therapy", "261QR0400X", ("225100000X",), 0.07,
                 {"physical_medicine": 100}, {"physical_medicine": 100}, {"11": 95, "12": 5},
                 markup=1.9),
    ProviderKind("emergency_medicine", "193200000X", ("207P00000X",), 0.04,
                 {"em_emergency": 90, "em_hospital": 10},
                 {"radiology": 25, "cardiology": 25, "surgery_skin": 15, "injection": 20,
                  "surgery_musculoskeletal": 10, "lab": 5}, {"23": 100}, markup=3.2),
    ProviderKind("imaging_center", "261QR0200X", ("2085R0202X",), 0.05,
                 {"radiology": 70, "breast_bone_imaging": 25, "cardiology": 5}, {"radiology": 100},
                 {"11": 50, "22": 50}, markup=2.5),
    ProviderKind("laboratory", "291U00000X", (), 0.04, {"lab": 100}, {"lab": 100}, {"81": 100},
                 markup=2.0),
    ProviderKind("urgent_care", "261QU0200X", ("207Q00000X",), 0.05, {"em_office": 100},
                 {"lab": 40, "radiology": 25, "injection": 15, "surgery_skin": 10, "vaccine": 10},
                 {"20": 100}),
    ProviderKind("surgery_center", "261QA1903X", ("208600000X",), 0.05,
                 {"surgery_digestive": 40, "surgery_musculoskeletal": 20, "surgery_skin": 10,
                  "surgery_nervous": 15, "surgery_eye": 10, "surgery_urinary": 5},
                 {"pathology": 50, "surgery_digestive": 30, "surgery_musculoskeletal": 20},
                 {"24": 60, "22": 30, "21": 10}, markup=3.0),
    ProviderKind("hospital", "282N00000X", (), 0.09,
                 {"em_emergency": 40, "radiology": 20, "lab": 15, "cardiology": 10,
                  "surgery_digestive": 10, "surgery_musculoskeletal": 5},
                 {"lab": 40, "radiology": 30, "injection": 15, "cardiology": 15},
                 institutional=True, markup=3.5),
)  # fmt: skip
KIND_INDEX = {kind.name: position for position, kind in enumerate(KINDS)}
