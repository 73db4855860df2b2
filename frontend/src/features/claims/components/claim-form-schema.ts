import { z } from 'zod';

import { parseMoneyToCents } from '@/lib/format';

import type { ClaimBody } from '../api/submit-claim';

const money = z.string().refine((text) => parseMoneyToCents(text) != null, 'Enter an amount like 125.00');

export const lineSchema = z.object({
  procedure_code: z.string().trim().max(5, 'At most 5 characters'),
  revenue_code: z.string().trim().max(4, 'At most 4 characters'),
  modifiers: z.string().trim(),
  service_date: z.string().min(1, 'Enter the service date'),
  charge: money,
  units: z.string().regex(/^\d+(\.\d{1,3})?$/, 'Enter a number of units'),
  diagnosis_pointers: z.string().regex(/^(\d{1,2})(,\s*\d{1,2})*$/, 'Like 1 or 1,2'),
});

export const claimFormSchema = z
  .object({
    claim_type: z.enum(['professional', 'institutional']),
    patient_control_number: z.string().trim().min(1, 'Enter your patient control number').max(38),
    subscriber_member_number: z.string().trim().min(1, "Enter the member's number").max(80),
    billing_provider_npi: z.string().regex(/^\d{10}$/, 'Choose a billing NPI (10 digits)'),
    diagnosis_codes: z.string().trim().min(1, 'Enter at least one ICD-10 code'),
    place_of_service: z.string().trim().max(2),
    bill_type: z.string().trim().max(4),
    lines: z.array(lineSchema).min(1, 'Add at least one service line'),
  })
  .superRefine((claim, context) => {
    claim.lines.forEach((line, index) => {
      const code = claim.claim_type === 'professional' ? line.procedure_code : line.revenue_code;
      if (!code) {
        const field = claim.claim_type === 'professional' ? 'procedure_code' : 'revenue_code';
        context.addIssue({ code: 'custom', path: ['lines', index, field], message: 'Required' });
      }
    });
    if (claim.claim_type === 'institutional' && !claim.bill_type) {
      context.addIssue({ code: 'custom', path: ['bill_type'], message: 'Enter the type of bill, like 0131' });
    }
  });

export type ClaimFormValues = z.infer<typeof claimFormSchema>;

export const emptyLine = (): ClaimFormValues['lines'][number] => ({
  procedure_code: '',
  revenue_code: '',
  modifiers: '',
  service_date: new Date().toISOString().slice(0, 10),
  charge: '',
  units: '1',
  diagnosis_pointers: '1',
});

const list = (text: string) =>
  text
    .split(/[,\s]+/)
    .map((item) => item.trim().toUpperCase())
    .filter(Boolean);

/** The form's values as the API's claim (money in integer cents, codes upper-case). */
export function toClaimBody(values: ClaimFormValues): ClaimBody {
  const professional = values.claim_type === 'professional';
  const lines = values.lines.map((line, index) => ({
    line_number: index + 1,
    procedure_code: line.procedure_code ? line.procedure_code.toUpperCase() : null,
    revenue_code: professional ? null : line.revenue_code || null,
    modifiers: list(line.modifiers),
    service_from: line.service_date,
    service_to: line.service_date,
    charge_cents: parseMoneyToCents(line.charge) ?? 0,
    units: Number(line.units),
    unit_basis: 'UN',
    place_of_service: professional ? values.place_of_service || null : null,
    diagnosis_pointers: line.diagnosis_pointers.split(',').map((pointer) => Number(pointer.trim())),
  }));
  return {
    claim_type: values.claim_type,
    patient_control_number: values.patient_control_number,
    subscriber_member_number: values.subscriber_member_number,
    billing_provider_npi: values.billing_provider_npi,
    diagnosis_codes: list(values.diagnosis_codes).map((code) => code.replace('.', '')),
    place_of_service: professional ? values.place_of_service || null : null,
    bill_type: professional ? null : values.bill_type || null,
    total_charge_cents: lines.reduce((sum, line) => sum + line.charge_cents, 0),
    lines,
  } as ClaimBody;
}
