// Reads X12 acknowledgments and remittances into plain records for display. Separators come
// from the ISA header (element separator at byte 3, segment terminator after ISA16).

export type Segment = { id: string; elements: string[] };

export function segments(text: string): Segment[] {
  const clean = text.replace(/^\s+/, '');
  if (!clean.startsWith('ISA') || clean.length < 106) return [];
  const elementSeparator = clean[3];
  const terminator = clean[105];
  return clean
    .split(terminator)
    .map((raw) => raw.replace(/[\r\n]/g, '').trim())
    .filter(Boolean)
    .map((raw) => {
      const [id, ...elements] = raw.split(elementSeparator);
      return { id, elements };
    });
}

const element = (segment: Segment, position: number) => segment.elements[position - 1] ?? '';

// X12 999 code lists (IK304 segment errors, IK403 element errors, IK501/AK901 acknowledgments).
const SEGMENT_ERRORS: Record<string, string> = {
  '1': 'unrecognized segment ID',
  '2': 'unexpected segment',
  '3': 'required segment missing',
  '4': 'loop occurs over maximum times',
  '5': 'segment exceeds maximum use',
  '6': 'segment not in defined transaction set',
  '7': 'segment not in proper sequence',
  '8': 'segment has data element errors',
  I4: 'implementation "not used" segment present',
  I6: 'implementation dependent segment missing',
  I7: 'implementation loop occurs under minimum times',
  I8: 'implementation segment below minimum use',
  I9: 'implementation dependent "not used" segment present',
};
const ELEMENT_ERRORS: Record<string, string> = {
  '1': 'required data element missing',
  '2': 'conditional required data element missing',
  '3': 'too many data elements',
  '4': 'data element too short',
  '5': 'data element too long',
  '6': 'invalid character in data element',
  '7': 'invalid code value',
  '8': 'invalid date',
  '9': 'invalid time',
  '10': 'exclusion condition violated',
  '12': 'too many repetitions',
  '13': 'too many components',
  I10: 'implementation "not used" data element present',
  I11: 'implementation too few repetitions',
  I12: 'implementation pattern match failure',
  I13: 'implementation dependent "not used" data element present',
  I6: 'code value not used in implementation',
  I9: 'implementation dependent data element missing',
};
const ACKNOWLEDGMENTS: Record<string, string> = {
  A: 'accepted',
  E: 'accepted, but errors were noted',
  M: 'rejected, message authentication code failed',
  P: 'partially accepted',
  R: 'rejected',
  W: 'rejected, assurance failed validity tests',
  X: 'rejected, content could not be analyzed',
};

export type ElementError = { position: string; reference: string; error: string; badValue: string };
export type SegmentError = { segment: string; position: string; loop: string; error: string; elements: ElementError[] };
export type TransactionAck = { transactionSet: string; controlNumber: string; result: string; segments: SegmentError[] };
export type FunctionalAck = { groupControlNumber: string; result: string; included: string; received: string; accepted: string; transactions: TransactionAck[] };

/** A 999: per transaction set, accepted or rejected, and which segment and element is wrong. */
export function readFunctionalAck(text: string): FunctionalAck {
  const ack: FunctionalAck = { groupControlNumber: '', result: '', included: '', received: '', accepted: '', transactions: [] };
  let transaction: TransactionAck | null = null;
  let segment: SegmentError | null = null;
  for (const seg of segments(text)) {
    if (seg.id === 'AK1') ack.groupControlNumber = element(seg, 2);
    if (seg.id === 'AK2') {
      transaction = { transactionSet: element(seg, 1), controlNumber: element(seg, 2), result: '', segments: [] };
      ack.transactions.push(transaction);
      segment = null;
    }
    if (seg.id === 'IK3' && transaction) {
      const code = element(seg, 4);
      segment = { segment: element(seg, 1), position: element(seg, 2), loop: element(seg, 3), error: SEGMENT_ERRORS[code] ?? `error ${code}`, elements: [] };
      transaction.segments.push(segment);
    }
    if (seg.id === 'IK4' && segment) {
      const code = element(seg, 3);
      segment.elements.push({ position: element(seg, 1), reference: element(seg, 2), error: ELEMENT_ERRORS[code] ?? `error ${code}`, badValue: element(seg, 4) });
    }
    if (seg.id === 'IK5' && transaction) transaction.result = ACKNOWLEDGMENTS[element(seg, 1)] ?? element(seg, 1);
    if (seg.id === 'AK9') {
      ack.result = ACKNOWLEDGMENTS[element(seg, 1)] ?? element(seg, 1);
      ack.included = element(seg, 2);
      ack.received = element(seg, 3);
      ack.accepted = element(seg, 4);
    }
  }
  return ack;
}

const CLAIM_STATUS_CATEGORIES: Record<string, string> = {
  A1: 'received',
  A2: 'accepted into adjudication',
  A3: 'returned as unprocessable',
  A4: 'not found',
  A6: 'rejected for missing information',
  A7: 'rejected for invalid information',
  A8: 'rejected for relational field in error',
};

export type ClaimStatusAck = { patientControlNumber: string; payerClaimId: string; statuses: string[]; amount: string };

/** A 277CA: each claim (by patient control number) with its status category and codes. */
export function readClaimAck(text: string): ClaimStatusAck[] {
  const claims: ClaimStatusAck[] = [];
  let current: ClaimStatusAck | null = null;
  for (const seg of segments(text)) {
    if (seg.id === 'TRN' && element(seg, 1) === '2') {
      current = { patientControlNumber: element(seg, 2), payerClaimId: '', statuses: [], amount: '' };
      claims.push(current);
    }
    if (seg.id === 'REF' && current && element(seg, 1) === '1K') current.payerClaimId = element(seg, 2);
    if (seg.id === 'STC' && current) {
      for (const composite of [element(seg, 1), element(seg, 10), element(seg, 11)].filter(Boolean)) {
        const [category, status, entity] = composite.split(/[:>^]/);
        const described = CLAIM_STATUS_CATEGORIES[category] ?? category;
        current.statuses.push(`${category} ${described}; status code ${status}${entity ? ` (entity ${entity})` : ''}`);
      }
      current.amount = element(seg, 4);
    }
  }
  return claims;
}

export type RemittanceClaim = {
  patientControlNumber: string;
  status: string;
  charge: string;
  paid: string;
  patientResponsibility: string;
  payerClaimId: string;
  adjustments: { group: string; carc: string; amount: string }[];
  services: { procedure: string; charge: string; paid: string; adjustments: { group: string; carc: string; amount: string }[] }[];
};
export type Remittance = { paymentAmount: string; method: string; paymentDate: string; trace: string; payer: string; payee: string; claims: RemittanceClaim[] };

const CLAIM_STATUS: Record<string, string> = {
  '1': 'processed as primary',
  '2': 'processed as secondary',
  '3': 'processed as tertiary',
  '4': 'denied',
  '19': 'processed as primary, forwarded',
  '22': 'reversal of previous payment',
  '23': 'not our claim, forwarded',
};
const PAYMENT_METHODS: Record<string, string> = { ACH: 'ACH transfer', CHK: 'check', NON: 'no payment', FWT: 'wire transfer', BOP: 'financial institution option' };

function adjustmentsOf(seg: Segment) {
  const found = [];
  for (let index = 2; index <= 17; index += 3) {
    const carc = element(seg, index);
    if (carc) found.push({ group: element(seg, 1), carc, amount: element(seg, index + 1) });
  }
  return found;
}

/** An 835: the payment (BPR/TRN), and each claim (CLP) with its adjustments and service lines. */
export function readRemittance(text: string): Remittance {
  const remittance: Remittance = { paymentAmount: '', method: '', paymentDate: '', trace: '', payer: '', payee: '', claims: [] };
  let claim: RemittanceClaim | null = null;
  let service: RemittanceClaim['services'][number] | null = null;
  for (const seg of segments(text)) {
    if (seg.id === 'BPR') {
      remittance.paymentAmount = element(seg, 2);
      remittance.method = PAYMENT_METHODS[element(seg, 4)] ?? element(seg, 4);
      const date = element(seg, 16);
      remittance.paymentDate = date.length === 8 ? `${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6)}` : date;
    }
    if (seg.id === 'TRN') remittance.trace = element(seg, 2);
    if (seg.id === 'N1' && element(seg, 1) === 'PR') remittance.payer = element(seg, 2);
    if (seg.id === 'N1' && element(seg, 1) === 'PE') remittance.payee = element(seg, 2);
    if (seg.id === 'CLP') {
      claim = {
        patientControlNumber: element(seg, 1),
        status: CLAIM_STATUS[element(seg, 2)] ?? element(seg, 2),
        charge: element(seg, 3),
        paid: element(seg, 4),
        patientResponsibility: element(seg, 5),
        payerClaimId: element(seg, 7),
        adjustments: [],
        services: [],
      };
      remittance.claims.push(claim);
      service = null;
    }
    if (seg.id === 'SVC' && claim) {
      service = { procedure: element(seg, 1).split(/[:>^]/).slice(1).join('-'), charge: element(seg, 2), paid: element(seg, 3), adjustments: [] };
      claim.services.push(service);
    }
    if (seg.id === 'CAS') (service ?? claim)?.adjustments.push(...adjustmentsOf(seg));
  }
  return remittance;
}
