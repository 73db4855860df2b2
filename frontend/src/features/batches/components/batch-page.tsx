import { Badge, Group, Paper, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { useParams } from 'react-router';

import { LabelledProgress } from '@/components/labelled-progress';
import { Page } from '@/components/page';
import { QueryState } from '@/components/query-state';
import { formatMoney } from '@/lib/format';

import { useBatch, type Reconciliation } from '../api/batches';

type Batch = NonNullable<ReturnType<typeof useBatch>['data']>;

export default function BatchPage() {
  const batchId = Number(useParams().batchId);
  const batch = useBatch(batchId);
  return (
    <Page title={`Batch #${batchId}`}>
      <QueryState query={batch} label="the batch">
        {(data) => <BatchView batch={data} />}
      </QueryState>
    </Page>
  );
}

function BatchView({ batch }: { batch: Batch }) {
  const total = batch.claims_total ?? 0;
  const done = batch.claims_done ?? 0;
  const counts: [string, number | undefined][] = [
    ['Paid', batch.claims_paid],
    ['Denied', batch.claims_denied],
    ['Pended', batch.claims_pended],
    ['Failed', batch.claims_failed],
    ['Skipped', batch.claims_skipped],
    ['Lines', batch.lines_done],
  ];
  const reconciliation = batch.reconciliation as Reconciliation | null | undefined;
  return (
    <Stack>
      <Group>
        <Badge color={batch.status === 'failed' ? '#a61e1e' : batch.status === 'done' ? '#1e6b30' : '#364fc7'}>{batch.status}</Badge>
        <Text>
          {done.toLocaleString()} of {total.toLocaleString()} claims · {batch.elapsed_seconds?.toFixed(1)} s
          {batch.claims_per_second ? ` · ${Math.round(batch.claims_per_second).toLocaleString()} claims/s` : ''}
        </Text>
      </Group>
      <LabelledProgress label="Batch progress" value={done} max={total} text={`${done} of ${total} claims`} animated={batch.status === 'running'} />
      {batch.error ? <Text c="#a61e1e">{batch.error}</Text> : null}
      <SimpleGrid cols={{ base: 2, sm: 6 }} component="dl" m={0}>
        {counts.map(([label, value]) => (
          <Paper withBorder p="sm" key={label}>
            <Text component="dt" size="sm">
              {label}
            </Text>
            <Text component="dd" m={0} fw={700}>
              {(value ?? 0).toLocaleString()}
            </Text>
          </Paper>
        ))}
      </SimpleGrid>
      {reconciliation ? (
        <Paper withBorder p="md">
          <Title order={2} size="h4" mb="sm">
            Reconciliation: {reconciliation.balanced ? 'balanced' : 'NOT balanced'}
          </Title>
          <Table aria-label="Reconciliation">
            <Table.Tbody>
              {(
                [
                  ['Claims in', reconciliation.claims_in?.toLocaleString()],
                  ['Completed (paid + denied + pended)', reconciliation.completed?.toLocaleString()],
                  ['Unprocessed', reconciliation.unprocessed?.toLocaleString()],
                  ['Claims balance', reconciliation.claims_balance ? 'yes' : 'no'],
                  ['Billed', formatMoney(reconciliation.billed_cents)],
                  ['Allowed', formatMoney(reconciliation.allowed_cents)],
                  ['Contractual adjustment', formatMoney(reconciliation.contractual_adjustment_cents)],
                  ['Not covered', formatMoney(reconciliation.noncovered_cents)],
                  ['Billed = allowed + contractual + not covered', reconciliation.billed_balance ? 'yes' : 'no'],
                  ['Paid', formatMoney(reconciliation.paid_cents)],
                  ['Patient responsibility', formatMoney(reconciliation.patient_responsibility_cents)],
                  ['Allowed = paid + patient responsibility', reconciliation.allowed_balance ? 'yes' : 'no'],
                ] as [string, string | undefined][]
              ).map(([label, value]) => (
                <Table.Tr key={label}>
                  <Table.Th scope="row">{label}</Table.Th>
                  <Table.Td ta="right">{value ?? '—'}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Paper>
      ) : null}
      {batch.stage_seconds && Object.keys(batch.stage_seconds).length ? (
        <Paper withBorder p="md">
          <Title order={2} size="h4" mb="sm">
            Seconds per stage
          </Title>
          <Table aria-label="Seconds per stage">
            <Table.Tbody>
              {Object.entries(batch.stage_seconds).map(([stage, seconds]) => (
                <Table.Tr key={stage}>
                  <Table.Th scope="row">{stage}</Table.Th>
                  <Table.Td ta="right">{Number(seconds).toFixed(2)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Paper>
      ) : null}
    </Stack>
  );
}
