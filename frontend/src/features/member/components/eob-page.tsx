import { Alert, Box, List, Paper, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { useParams } from 'react-router';

import { Page } from '@/components/page';
import { QueryState } from '@/components/query-state';
import { formatDate, formatMoney } from '@/lib/format';

import { useEob, type Eob, type EobAmounts } from '../api/get-eob';

export default function EobPage() {
  const claimId = Number(useParams().claimId);
  const eob = useEob(claimId);
  return (
    <Page title="Explanation of benefits">
      <Text>This is not a bill. It explains what your plan did with claim #{claimId}.</Text>
      <QueryState query={eob} label="the explanation of benefits">
        {(data) => <EobView eob={data} />}
      </QueryState>
    </Page>
  );
}

const SUMMARY: [keyof EobAmounts, string, string][] = [
  ['billed_cents', 'Billed', 'what the provider charged'],
  ['plan_discount_cents', 'Plan discount', 'the network rate: the provider may not bill you for it'],
  ['not_covered_cents', 'Not covered', 'services your plan does not cover'],
  ['plan_paid_cents', 'Plan paid', 'paid to the provider'],
  ['you_owe_cents', 'You owe', 'the provider may bill you this'],
];
// A secondary claim: what the member's other plan paid first (CARC 23).
const OTHER_PLAN: [keyof EobAmounts, string, string] = [
  'paid_by_other_plan_cents',
  'Paid by your other plan',
  'your other coverage paid this first',
];

function summaryOf(totals: EobAmounts) {
  if (totals.paid_by_other_plan_cents == null) return SUMMARY;
  return [...SUMMARY.slice(0, 3), OTHER_PLAN, ...SUMMARY.slice(3)];
}

function EobView({ eob }: { eob: Eob }) {
  const totals = eob.totals as EobAmounts | null | undefined;
  const patient = eob.patient as { first_name?: string; last_name?: string } | null | undefined;
  return (
    <Stack>
      <Text>
        {patient ? `${patient.first_name} ${patient.last_name} · ` : ''}
        {eob.provider?.name} · service on {formatDate(eob.service_from)} · {eob.decision}
      </Text>
      {eob.message ? <Alert color={eob.final ? 'blue' : 'yellow'}>{eob.message}</Alert> : null}
      {eob.other_plan_message ? <Alert color="blue">{eob.other_plan_message}</Alert> : null}
      {totals ? (
        <SimpleGrid cols={{ base: 1, xs: 2, md: summaryOf(totals).length }} component="dl" m={0}>
          {summaryOf(totals).map(([field, label, explanation]) => (
            <Paper key={field} withBorder p="sm">
              <Text component="dt" fw={600}>
                {label}
              </Text>
              <Text component="dd" m={0} size="xl" fw={700} data-amount={field}>
                {formatMoney(totals[field] as number)}
              </Text>
              <Text component="dd" m={0} size="sm">
                {explanation}
              </Text>
            </Paper>
          ))}
        </SimpleGrid>
      ) : null}
      {totals ? (
        <Paper withBorder p="md">
          <Title order={2} size="h4">
            Why you owe {formatMoney(totals.you_owe_cents)}
          </Title>
          <List>
            {(eob.you_owe_reasons ?? []).map((reason, index) => (
              <List.Item key={index}>
                {formatMoney(reason.amount_cents)}: {reason.explanation}
              </List.Item>
            ))}
            {!eob.you_owe_reasons?.length ? <List.Item>Nothing: your plan covered it in full.</List.Item> : null}
          </List>
        </Paper>
      ) : null}
      <Title order={2} size="h4">
        Each service
      </Title>
      {/* A region of its own that the keyboard can reach: on a phone the table scrolls sideways. */}
      <Box tabIndex={0} role="region" aria-label="Services, scrolls sideways" style={{ overflowX: 'auto' }}>
        <Table striped withTableBorder miw={600} aria-label="Services on this claim">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Service</Table.Th>
              <Table.Th ta="right">Billed</Table.Th>
              <Table.Th ta="right">Plan paid</Table.Th>
              <Table.Th ta="right">You owe</Table.Th>
              <Table.Th>Why</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {(eob.lines ?? []).map((line) => (
              <Table.Tr key={line.line_number}>
                <Table.Td>
                  {line.procedure_code ?? line.revenue_code} {line.procedure_description}
                </Table.Td>
                <Table.Td ta="right">{formatMoney(line.billed_cents)}</Table.Td>
                <Table.Td ta="right">{formatMoney(line.plan_paid_cents)}</Table.Td>
                <Table.Td ta="right">{formatMoney(line.you_owe_cents)}</Table.Td>
                <Table.Td>
                  {[...(line.adjustments ?? []).map((item) => `${item.description} (${item.group}-${item.carc})`), ...(line.remarks ?? []).map((item) => `${item.description} (${item.code})`)].join('; ') || '—'}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Box>
    </Stack>
  );
}
