import { describe, expect, it } from 'vitest';

import { claimFormSchema, emptyLine, toClaimBody } from './claim-form-schema';

const valid = {
  claim_type: 'professional' as const,
  patient_control_number: 'PCN1',
  subscriber_member_number: 'M1',
  billing_provider_npi: '1234567890',
  diagnosis_codes: 'j20.9, e11.9',
  place_of_service: '11',
  bill_type: '',
  lines: [
    { ...emptyLine(), procedure_code: '99213', charge: '150.00', service_date: '2026-01-02' },
    { ...emptyLine(), procedure_code: '36415', charge: '20.5', modifiers: '25 59', diagnosis_pointers: '1,2', service_date: '2026-01-02' },
  ],
};

describe('the new-claim form', () => {
  it('turns dollars into cents and totals the lines', () => {
    const body = toClaimBody(claimFormSchema.parse(valid));
    expect(body.total_charge_cents).toBe(17050);
    expect(body.lines.map((line) => line.charge_cents)).toEqual([15000, 2050]);
    expect(body.diagnosis_codes).toEqual(['J209', 'E119']);
    expect(body.lines[1]).toMatchObject({ line_number: 2, modifiers: ['25', '59'], diagnosis_pointers: [1, 2], units: 1 });
  });

  it('asks for a procedure on a professional line and a type of bill on an institutional claim', () => {
    const missing = claimFormSchema.safeParse({ ...valid, lines: [{ ...emptyLine(), charge: '1' }] });
    expect(missing.success).toBe(false);
    expect(missing.error?.issues.map((issue) => issue.path.join('.'))).toContain('lines.0.procedure_code');
    const institutional = claimFormSchema.safeParse({ ...valid, claim_type: 'institutional' });
    expect(institutional.error?.issues.map((issue) => issue.path.join('.'))).toEqual(
      expect.arrayContaining(['bill_type', 'lines.0.revenue_code']),
    );
  });

  it('refuses an amount that is not dollars and cents', () => {
    const result = claimFormSchema.safeParse({ ...valid, lines: [{ ...valid.lines[0], charge: '12.345' }] });
    expect(result.success).toBe(false);
  });
});
