import '@mantine/charts/styles.css';

import { BarChart, LineChart } from '@mantine/charts';
import { Group, Paper, SimpleGrid, Table, Text, TextInput, Title } from '@mantine/core';
import { useState, type ReactNode } from 'react';

import { Page } from '@/components/page';
import { QueryState } from '@/components/query-state';
import { formatMoney, formatPercent } from '@/lib/format';

import { useReport, type DateRange } from '../api/get-report';
import { ChartWithTable } from './chart-with-table';

// The charts are drawn for the eye; the Table tab beside each is the keyboard and screen reader
// version, so the SVG is kept out of the tab order.
const QUIET = { accessibilityLayer: false };
const COLORS = ['indigo.7', 'teal.8', 'orange.8', 'grape.7', 'red.8', 'cyan.8'];
type DayRow = Record<string, string | number> & { day: string };

function defaultRange(): DateRange {
  const to = new Date();
  const from = new Date(to.getTime() - 180 * 86_400_000);
  return { from: from.toISOString().slice(0, 10), to: to.toISOString().slice(0, 10) };
}

export default function ReportsPage() {
  const [range, setRange] = useState(defaultRange);
  return (
    <Page title="Dashboards">
      <Group>
        <TextInput type="date" label="From" value={range.from} onChange={(event) => setRange({ ...range, from: event.currentTarget.value })} />
        <TextInput type="date" label="To" value={range.to} onChange={(event) => setRange({ ...range, to: event.currentTarget.value })} />
      </Group>
      <SimpleGrid cols={{ base: 1, lg: 2 }}>
        <PerDay name="claims-received" title="Claims received per day, by channel" range={range} />
        <PerDay name="decisions" title="Decisions per day" range={range} />
        <AutoAdjudication range={range} />
        <Denials range={range} />
        <PendQueue range={range} />
        <DaysToPayment range={range} />
        <PaidByProvider range={range} />
      </SimpleGrid>
    </Page>
  );
}

function Card({ title, children }: { title: string; children: ReactNode }) {
  return (
    <Paper withBorder p="md" component="section" aria-label={title}>
      <Title order={2} size="h4" mb="xs">
        {title}
      </Title>
      {children}
    </Paper>
  );
}

function PerDay({ name, title, range }: { name: 'claims-received' | 'decisions'; title: string; range: DateRange }) {
  const report = useReport(name, range);
  return (
    <Card title={title}>
      <QueryState query={report} label={title}>
        {(data) => {
          const series = data.series ?? [];
          const rows = (data.data ?? []) as DayRow[];
          return (
            <ChartWithTable
              title={title}
              chart={<BarChart barChartProps={QUIET} h={220} data={rows} dataKey="day" type="stacked" series={series.map((item, index) => ({ name: item, color: COLORS[index % COLORS.length] }))} withLegend />}
              columns={['Day', ...series]}
              rows={rows.filter((row) => series.some((item) => Number(row[item]) > 0)).map((row) => [row.day, ...series.map((item) => row[item] ?? 0)])}
            />
          );
        }}
      </QueryState>
    </Card>
  );
}

function AutoAdjudication({ range }: { range: DateRange }) {
  const report = useReport('auto-adjudication', range);
  const title = 'Auto-adjudication rate';
  return (
    <Card title={title}>
      <QueryState query={report} label={title}>
        {(data) => {
          const rows = ((data.data ?? []) as DayRow[]).filter((row) => row.rate != null);
          return (
            <>
              <Text size="xl" fw={700}>
                {formatPercent(data.rate)} of finalized claims decided without a human
              </Text>
              <ChartWithTable
                title={title}
                chart={<LineChart lineChartProps={QUIET} h={200} data={rows.map((row) => ({ day: row.day, percent: Number(row.rate) * 100 }))} dataKey="day" series={[{ name: 'percent', color: 'indigo.7' }]} />}
                columns={['Day', 'Rate']}
                rows={rows.map((row) => [row.day, formatPercent(Number(row.rate))])}
              />
            </>
          );
        }}
      </QueryState>
    </Card>
  );
}

function Denials({ range }: { range: DateRange }) {
  const report = useReport('denials', range);
  return (
    <Card title="Denials and their reasons">
      <QueryState query={report} label="denials">
        {(data) => (
          <>
            <Text size="xl" fw={700}>
              Denial rate {formatPercent(data.rate)} ({data.denied?.toLocaleString()} of {data.finalized?.toLocaleString()})
            </Text>
            <Table aria-label="Top denial reasons (CARC)">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>CARC</Table.Th>
                  <Table.Th>Reason</Table.Th>
                  <Table.Th ta="right">Lines</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {(data.top_carc ?? []).map((row) => (
                  <Table.Tr key={row.carc}>
                    <Table.Td>{row.carc}</Table.Td>
                    <Table.Td>{row.description}</Table.Td>
                    <Table.Td ta="right">{row.lines?.toLocaleString()}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </>
        )}
      </QueryState>
    </Card>
  );
}

function PendQueue({ range }: { range: DateRange }) {
  const report = useReport('pend-queue', range);
  const title = 'Pend queue by days waiting';
  return (
    <Card title={title}>
      <QueryState query={report} label={title}>
        {(data) => (
          <>
            <Text fw={700}>
              {data.size?.toLocaleString()} claims waiting, the oldest {data.oldest_days ?? 0} days
            </Text>
            <ChartWithTable
              title={title}
              chart={<BarChart barChartProps={QUIET} h={200} data={(data.buckets ?? []).map((bucket) => ({ label: bucket.label ?? '', claims: bucket.claims ?? 0 }))} dataKey="label" series={[{ name: 'claims', color: 'orange.8' }]} />}
              columns={['Days waiting', 'Claims']}
              rows={(data.buckets ?? []).map((bucket) => [bucket.label ?? '', bucket.claims ?? 0])}
            />
          </>
        )}
      </QueryState>
    </Card>
  );
}

function DaysToPayment({ range }: { range: DateRange }) {
  const report = useReport('days-to-payment', range);
  const title = 'Days from receipt to payment';
  return (
    <Card title={title}>
      <QueryState query={report} label={title}>
        {(data) => (
          <>
            <Text fw={700}>
              Median {data.median_days ?? '—'} days, 90th percentile {data.p90_days ?? '—'} days ({data.paid_claims?.toLocaleString()} paid claims)
            </Text>
            <ChartWithTable
              title={title}
              chart={<BarChart barChartProps={QUIET} h={200} data={(data.histogram ?? []).map((row) => ({ days: String(row.days), claims: row.claims ?? 0 }))} dataKey="days" series={[{ name: 'claims', color: 'teal.8' }]} />}
              columns={['Days', 'Claims']}
              rows={(data.histogram ?? []).map((row) => [row.days ?? 0, row.claims ?? 0])}
            />
          </>
        )}
      </QueryState>
    </Card>
  );
}

function PaidByProvider({ range }: { range: DateRange }) {
  const report = useReport('paid-by-provider', range);
  return (
    <Card title="Paid by provider">
      <QueryState query={report} label="paid by provider">
        {(data) => (
          <Table aria-label="Paid by provider">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Provider</Table.Th>
                <Table.Th ta="right">Claims</Table.Th>
                <Table.Th ta="right">Paid</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {(data.providers ?? []).map((row) => (
                <Table.Tr key={row.billing_provider_id}>
                  <Table.Td>
                    {row.name} ({row.npi})
                  </Table.Td>
                  <Table.Td ta="right">{row.claims?.toLocaleString()}</Table.Td>
                  <Table.Td ta="right">{formatMoney(row.paid_cents)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
      </QueryState>
    </Card>
  );
}
