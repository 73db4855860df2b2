import { describe, expect, it } from 'vitest';

import { readClaimAck, readFunctionalAck, readRemittance } from './x12';

const ISA = 'ISA*00*          *00*          *ZZ*PAYER          *ZZ*SUBMITTER      *260101*1200*^*00501*000000001*0*T*:~';

describe('999', () => {
  it('names the rejected segment, the element and what is wrong', () => {
    const text = `${ISA}GS*FA*PAYER*SUB*20260101*1200*1*X*005010X231A1~ST*999*0001*005010X231A1~AK1*HC*17*005010X222A1~AK2*837*0001*005010X222A1~IK3*NM1*12*2010BA*8~IK4*9*67*7*XX~IK5*R*5~AK9*R*1*1*0~SE*8*0001~GE*1*1~IEA*1*000000001~`;
    const ack = readFunctionalAck(text);
    expect(ack.result).toBe('rejected');
    expect(ack.accepted).toBe('0');
    expect(ack.transactions[0].result).toBe('rejected');
    const segment = ack.transactions[0].segments[0];
    expect(segment).toMatchObject({ segment: 'NM1', position: '12', loop: '2010BA', error: 'segment has data element errors' });
    expect(segment.elements[0]).toEqual({ position: '9', reference: '67', error: 'invalid code value', badValue: 'XX' });
  });
});

describe('277CA', () => {
  it('lists each claim with its status category', () => {
    const text = `${ISA}ST*277*0001~TRN*2*PCN123~STC*A7:21*20260101*U*100~REF*1K*99~`;
    expect(readClaimAck(text)).toEqual([
      { patientControlNumber: 'PCN123', payerClaimId: '99', statuses: ['A7 rejected for invalid information; status code 21'], amount: '100' },
    ]);
  });
});

describe('835', () => {
  it('reads the payment, claims, service lines and their adjustments', () => {
    const text = `${ISA}BPR*I*83.31*C*ACH*CCP*01*999*DA*1*1234567890**01*999*DA*2*20260105~TRN*1*TRACE42*1~N1*PR*ASKES~N1*PE*CLINIC*XX*123~CLP*PCN1*1*170.5*83.31*20*12*CLAIM9~CAS*PR*3*20~SVC*HC:99213*150*73.06~CAS*CO*45*56.94~`;
    const remittance = readRemittance(text);
    expect(remittance).toMatchObject({ paymentAmount: '83.31', method: 'ACH transfer', paymentDate: '2026-01-05', trace: 'TRACE42', payer: 'ASKES', payee: 'CLINIC' });
    const claim = remittance.claims[0];
    expect(claim).toMatchObject({ patientControlNumber: 'PCN1', status: 'processed as primary', charge: '170.5', paid: '83.31', patientResponsibility: '20' });
    expect(claim.adjustments).toEqual([{ group: 'PR', carc: '3', amount: '20' }]);
    expect(claim.services[0]).toMatchObject({ procedure: '99213', paid: '73.06', adjustments: [{ group: 'CO', carc: '45', amount: '56.94' }] });
  });
});
