import { Alert, List, Paper, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { useParams } from 'react-router';

import { Page } from '@/components/page';
import { QueryState } from '@/components/query-state';
import { formatDate, formatMoney } from '@/lib/format';

import { useMyClaim, type Adjudication } from '../api/get-my-claims';

type Claim = NonNullable<ReturnType<typeof useMyClaim>['data']>;

export default function EobPage() {
  const claimId = Number(useParams().claimId);
  const claim = useMyClaim(claimId);
  return (
    <Page title="Explanation of benefits">
      <Text>This is not a bill. It explains what your plan did with claim #{claimId}.</Text>
      <QueryState query={claim} label="the explanation of benefits">
        {(data) => <Eob claim={data} />}
      </QueryState>
    </Page>
  );
}

function Eob({ claim }: { claim: Claim }) {
  const money = claim.adjudication as Adjudication | null | undefined;
  if (!money) {
    return <Alert color="blue">Your plan has not finished processing this claim yet.</Alert>;
  }
  if (money.decision === 'pended') {
    return <Alert color="yellow">This claim is being reviewed by your plan. We will update this page when it is decided.</Alert>;
  }
  const summary: [string, number | undefined, string][] = [
    ['Billed by the provider', money.billed_cents, 'what the provider charged'],
    ['Plan discount', money.contractual_adjustment_cents, 'the network rate saves you this; the provider may not bill you for it'],
    ['Not covered', money.noncovered_cents, 'services your plan does not cover'],
    ['Plan paid', money.paid_cents, 'paid to the provider'],
    ['You owe', money.patient_responsibility_cents, 'the provider may bill you this'],
  ];
  const why: [string, number | undefined][] = [
    ['toward your deductible', money.deductible_cents],
    ['coinsurance (your share after the deductible)', money.coinsurance_cents],
    ['copay', money.copay_cents],
  ];
  return (
    <Stack>
      <Text>
        Service on {formatDate(claim.service_from)} · {money.network === 'in' ? 'in network' : `network: ${money.network}`} · decision: {money.decision}
      </Text>
      <SimpleGrid cols={{ base: 1, xs: 2, md: 5 }} component="dl" m={0}>
        {summary.map(([label, cents, explanation]) => (
          <Paper key={label} withBorder p="sm">
            <Text component="dt" fw={600}>
              {label}
            </Text>
            <Text component="dd" m={0} size="xl" fw={700} data-testid={`eob-${label}`}>
              {formatMoney(cents)}
            </Text>
            <Text size="sm">{explanation}</Text>
          </Paper>
        ))}
      </SimpleGrid>
      <Paper withBorder p="md">
        <Title order={2} size="h4">
          Why you owe {formatMoney(money.patient_responsibility_cents)}
        </Title>
        <List>
          {why
            .filter(([, cents]) => (cents ?? 0) > 0)
            .map(([label, cents]) => (
              <List.Item key={label}>
                {formatMoney(cents)} {label}
              </List.Item>
            ))}
          {(money.patient_responsibility_cents ?? 0) === 0 ? <List.Item>Nothing: your plan covered it in full.</List.Item> : null}
        </List>
      </Paper>
      <Title order={2} size="h4">
        Each service
      </Title>
      <Table.ScrollContainer minWidth={560}>
        <Table striped withTableBorder aria-label="Services on this claim">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Service</Table.Th>
              <Table.Th ta="right">Billed</Table.Th>
              <Table.Th ta="right">Plan paid</Table.Th>
              <Table.Th ta="right">You owe</Table.Th>
              <Table.Th>Notes</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {(money.lines ?? []).map((line) => {
              const billed = claim.lines?.find((item) => item.line_number === line.line_number);
              return (
                <Table.Tr key={line.line_number}>
                  <Table.Td>{billed?.procedure_code ?? billed?.revenue_code}</Table.Td>
                  <Table.Td ta="right">{formatMoney(line.billed_cents)}</Table.Td>
                  <Table.Td ta="right">{formatMoney(line.paid_cents)}</Table.Td>
                  <Table.Td ta="right">{formatMoney(line.patient_responsibility_cents)}</Table.Td>
                  <Table.Td>{(line.adjustments ?? []).map((adjustment) => `${adjustment.group}-${adjustment.carc}`).join(', ') || '—'}</Table.Td>
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
    </Stack>
  );
}
