"""Code systems and the small translation tables between FHIR codes and canonical (X12) codes.

docs/claim-model.md lists every system; `ASKES` URIs are this platform's own, used only where
FHIR R4 has no standard home for a canonical field (so the mapping stays lossless).
"""

NPI = "http://hl7.org/fhir/sid/us-npi"
TIN = "urn:oid:2.16.840.1.113883.4.4"
V2_0203 = "http://terminology.hl7.org/CodeSystem/v2-0203"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
ICD10 = "http://hl7.org/fhir/sid/icd-10"
CPT = "http://www.ama-assn.org/go/cpt"
HCPCS = "https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets"
NDC = "http://hl7.org/fhir/sid/ndc"
POS = "https://www.cms.gov/Medicare/Coding/place-of-service-codes/Place_of_Service_Code_Set"
NUBC = "https://www.nubc.org/CodeSystem/"
REVENUE = NUBC + "RevenueCodes"
TYPE_OF_BILL = NUBC + "TypeOfBill"
ADMIT_TYPE = NUBC + "PriorityTypeOfAdmitOrVisit"
DISCHARGE = NUBC + "PatDischargeStatus"
CLAIM_TYPE = "http://terminology.hl7.org/CodeSystem/claim-type"
CARE_TEAM_ROLE = "http://terminology.hl7.org/CodeSystem/claimcareteamrole"
C4BB_CARE_TEAM_ROLE = "http://hl7.org/fhir/us/carin-bb/CodeSystem/C4BBClaimCareTeamRole"
C4BB_SUPPORTING_INFO = "http://hl7.org/fhir/us/carin-bb/CodeSystem/C4BBSupportingInfoType"
CLAIM_INFO_CATEGORY = "http://terminology.hl7.org/CodeSystem/claiminformationcategory"
DIAGNOSIS_TYPE = "http://terminology.hl7.org/CodeSystem/ex-diagnosistype"
RELATED_CLAIM = "http://terminology.hl7.org/CodeSystem/ex-relatedclaimrelationship"
SUBSCRIBER_RELATIONSHIP = "http://terminology.hl7.org/CodeSystem/subscriber-relationship"
PROCESS_PRIORITY = "http://terminology.hl7.org/CodeSystem/processpriority"
DATA_ABSENT = "http://terminology.hl7.org/CodeSystem/data-absent-reason"
UCUM = "http://unitsofmeasure.org"
ADJUDICATION = "http://terminology.hl7.org/CodeSystem/adjudication"
C4BB_ADJUDICATION = "http://hl7.org/fhir/us/carin-bb/CodeSystem/C4BBAdjudication"
C4BB_DISCRIMINATOR = "http://hl7.org/fhir/us/carin-bb/CodeSystem/C4BBAdjudicationDiscriminator"
C4BB_PAYER_STATUS = "http://hl7.org/fhir/us/carin-bb/CodeSystem/C4BBPayerAdjudicationStatus"
C4BB_IDENTIFIER_TYPE = "http://hl7.org/fhir/us/carin-bb/CodeSystem/C4BBIdentifierType"
C4BB_EOB_TYPE = "http://hl7.org/fhir/us/carin-bb/CodeSystem/C4BBInstitutionalClaimSubType"
CARC = "https://x12.org/codes/claim-adjustment-reason-codes"
RARC = "https://x12.org/codes/remittance-advice-remark-codes"
PAYMENT_TYPE = "http://terminology.hl7.org/CodeSystem/ex-paymenttype"
PAYEE_TYPE = "http://terminology.hl7.org/CodeSystem/payeetype"
COVERAGE_CLASS = "http://terminology.hl7.org/CodeSystem/coverage-class"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
ISSUE_TYPE = "http://hl7.org/fhir/issue-type"

ASKES = "https://askes.example.org/fhir"
PATIENT_CONTROL_NUMBER = f"{ASKES}/sid/patient-control-number"
CLAIM_ID = f"{ASKES}/sid/claim-id"
MEMBER_NUMBER = f"{ASKES}/sid/member-number"
PAYER_ID = f"{ASKES}/sid/payer"
EDIT = f"{ASKES}/CodeSystem/edit"
X12_RELATIONSHIP = f"{ASKES}/CodeSystem/x12-individual-relationship"
FREQUENCY_EXTENSION = f"{ASKES}/StructureDefinition/claim-frequency-code"
LINE_CONTROL_EXTENSION = f"{ASKES}/StructureDefinition/line-control-number"

PROFILE_EOB_PROFESSIONAL = (
    "http://hl7.org/fhir/us/carin-bb/StructureDefinition/"
    "C4BB-ExplanationOfBenefit-Professional-NonClinician"
)
PROFILE_EOB_INSTITUTIONAL = (
    "http://hl7.org/fhir/us/carin-bb/StructureDefinition/"
    "C4BB-ExplanationOfBenefit-Outpatient-Institutional"
)
PROFILE_EOB_INPATIENT = (
    "http://hl7.org/fhir/us/carin-bb/StructureDefinition/"
    "C4BB-ExplanationOfBenefit-Inpatient-Institutional"
)

# Coverage.relationship (subscriber-relationship) <-> X12 individual relationship code
RELATIONSHIP_TO_X12 = {
    "self": "18",
    "spouse": "01",
    "child": "19",
    "common": "53",
    "parent": "G8",
    "other": "G8",
    "injured": "G8",
}
X12_TO_RELATIONSHIP = {"18": "self", "01": "spouse", "19": "child", "53": "common", "G8": "other"}

GENDER_TO_SEX = {"female": "F", "male": "M", "other": "U", "unknown": "U"}
SEX_TO_GENDER = {"F": "female", "M": "male", "U": "unknown"}

# Claim.item.quantity unit (UCUM) <-> X12 unit basis (SV103 / SV204)
UCUM_TO_BASIS = {"min": "MJ", "d": "DA"}
BASIS_TO_UCUM = {"MJ": "min", "DA": "d"}

SUPPORTED_CLAIM_TYPES = ("professional", "institutional")
RENDERING_ROLES = ("primary", "performing")
