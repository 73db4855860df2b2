import { SimpleGrid, Text } from '@mantine/core';

import { formatMoney } from '@/lib/format';

import type { Adjudication } from '../api/get-claim';

type Amounts = Adjudication;

const FIELDS: [keyof Amounts, string][] = [
  ['billed_cents', 'Billed'],
  ['allowed_cents', 'Allowed'],
  ['contractual_adjustment_cents', 'Contractual adjustment'],
  ['noncovered_cents', 'Not covered'],
  ['paid_cents', 'Plan paid'],
  ['patient_responsibility_cents', 'Patient responsibility'],
  ['deductible_cents', 'of which deductible'],
  ['coinsurance_cents', 'of which coinsurance'],
  ['copay_cents', 'of which copay'],
];
// A secondary claim (coordination of benefits): what the primary payer paid, and the share of the
// allowed amount it covered, adjusted here under OA-23.
const SECONDARY: [keyof Amounts, string][] = [
  ['other_payer_paid_cents', 'Other payer paid'],
  ['prior_payer_cents', "Prior payer's share (OA-23)"],
];

function fieldsOf(amounts: Amounts) {
  return amounts.other_payer_paid_cents == null ? FIELDS : [...FIELDS, ...SECONDARY];
}

/** The claim's money as a definition list: labels a screen reader reads with their values; a
 * secondary claim adds what the other payer paid. */
export function ClaimMoney({ amounts }: { amounts: Amounts }) {
  return (
    <SimpleGrid cols={{ base: 2, sm: 3, md: 5 }} component="dl" spacing="xs" m={0}>
      {fieldsOf(amounts).map(([field, label]) => (
        <div key={field}>
          <Text component="dt" size="sm">
            {label}
          </Text>
          <Text component="dd" fw={600} m={0}>
            {formatMoney(amounts[field] as number | undefined)}
          </Text>
        </div>
      ))}
    </SimpleGrid>
  );
}
