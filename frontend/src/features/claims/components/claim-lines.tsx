import { Code, Spoiler, Table, Text } from '@mantine/core';

import { formatDate, formatMoney } from '@/lib/format';

import { adjudicationOf, type ClaimDetail } from '../api/get-claim';

// X12 claim adjustment group codes: who bears an adjustment.
export const GROUP_CODES: Record<string, string> = {
  CO: 'contractual obligation (the provider writes it off)',
  PR: 'patient responsibility',
  OA: 'other adjustment',
  PI: 'payer-initiated reduction',
  CR: 'correction or reversal',
};

export type CodeDescriptions = Record<string, string>;

/** Each line as billed, next to its adjudication: money, CARC/RARC and the price trace. */
export function ClaimLines({ claim, carcs = {}, rarcs = {} }: { claim: ClaimDetail; carcs?: CodeDescriptions; rarcs?: CodeDescriptions }) {
  const adjudicated = new Map((adjudicationOf(claim)?.lines ?? []).map((line) => [line.line_number, line]));
  return (
    <Table.ScrollContainer minWidth={800}>
      <Table striped withTableBorder aria-label="Service lines" verticalSpacing="xs">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Line</Table.Th>
            <Table.Th>Service</Table.Th>
            <Table.Th>Date</Table.Th>
            <Table.Th ta="right">Billed</Table.Th>
            <Table.Th ta="right">Allowed</Table.Th>
            <Table.Th ta="right">Paid</Table.Th>
            <Table.Th ta="right">Patient owes</Table.Th>
            <Table.Th>Adjustments (CARC / RARC)</Table.Th>
            <Table.Th>Price trace</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {(claim.lines ?? []).map((line) => {
            const result = adjudicated.get(line.line_number);
            return (
              <Table.Tr key={line.line_number}>
                <Table.Td>{line.line_number}</Table.Td>
                <Table.Td>
                  {line.procedure_code ?? line.revenue_code}
                  {line.modifiers?.length ? `-${line.modifiers.join('-')}` : ''} × {line.units}
                </Table.Td>
                <Table.Td>{formatDate(line.service_from)}</Table.Td>
                <Table.Td ta="right">{formatMoney(line.charge_cents)}</Table.Td>
                <Table.Td ta="right">{formatMoney(result?.allowed_cents)}</Table.Td>
                <Table.Td ta="right">{formatMoney(result?.paid_cents)}</Table.Td>
                <Table.Td ta="right">{formatMoney(result?.patient_responsibility_cents)}</Table.Td>
                <Table.Td>
                  {(result?.adjustments ?? []).map((adjustment, index) => (
                    <Text size="sm" key={index}>
                      {adjustment.group}-{adjustment.carc} {formatMoney(adjustment.amount_cents)}:{' '}
                      {carcs[adjustment.carc ?? ''] ?? GROUP_CODES[adjustment.group ?? ''] ?? ''}
                    </Text>
                  ))}
                  {(result?.rarc_codes ?? []).map((rarc) => (
                    <Text size="sm" key={rarc}>
                      {rarc}
                      {rarcs[rarc] ? `: ${rarcs[rarc]}` : ''}
                    </Text>
                  ))}
                  {!result ? '—' : null}
                </Table.Td>
                <Table.Td>
                  {result?.pricing_trace && Object.keys(result.pricing_trace).length ? (
                    <Spoiler maxHeight={40} showLabel="Show trace" hideLabel="Hide trace">
                      <PriceTrace trace={result.pricing_trace} />
                    </Spoiler>
                  ) : (
                    '—'
                  )}
                </Table.Td>
              </Table.Tr>
            );
          })}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

function PriceTrace({ trace }: { trace: Record<string, unknown> }) {
  return (
    <dl style={{ margin: 0, fontSize: 12 }}>
      {Object.entries(trace).map(([step, value]) => (
        <div key={step}>
          <dt style={{ fontWeight: 600, display: 'inline' }}>{step.replaceAll('_', ' ')}: </dt>
          <dd style={{ display: 'inline', margin: 0 }}>
            {typeof value === 'object' ? <Code>{JSON.stringify(value)}</Code> : String(value)}
          </dd>
        </div>
      ))}
    </dl>
  );
}
