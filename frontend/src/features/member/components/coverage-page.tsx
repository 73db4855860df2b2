import { Paper, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';

import { Page } from '@/components/page';
import { QueryState } from '@/components/query-state';
import { useMe } from '@/lib/auth';
import { formatDate, formatMoney } from '@/lib/format';

import { useMember } from '../api/get-household';
import { AccumulatorBars } from './accumulator-bars';

type Member = NonNullable<ReturnType<typeof useMember>['data']>;

export default function CoveragePage() {
  const me = useMe().data;
  const member = useMember(me?.member_id);
  return (
    <Page title="My coverage">
      <QueryState query={member} label="your coverage">
        {(data) => <Coverage member={data} />}
      </QueryState>
    </Page>
  );
}

function Coverage({ member }: { member: Member }) {
  const spans = member.coverage_spans ?? [];
  return (
    <Stack>
      <Paper withBorder p="md" maw={480} aria-label="Coverage card" role="region">
        <Title order={2} size="h4">
          {member.first_name} {member.last_name}
        </Title>
        <SimpleGrid cols={2} component="dl" m={0} mt="sm" spacing="xs">
          <Text component="dt">Member number</Text>
          <Text component="dd" m={0} fw={600}>
            {member.member_number}
          </Text>
          <Text component="dt">Group</Text>
          <Text component="dd" m={0} fw={600}>
            {spans[0]?.group_number ?? '—'}
          </Text>
          <Text component="dt">Covered since</Text>
          <Text component="dd" m={0} fw={600}>
            {formatDate(spans[0]?.effective_date)}
          </Text>
        </SimpleGrid>
      </Paper>
      <Title order={2} size="h4">
        Coverage periods
      </Title>
      <Table withTableBorder aria-label="Coverage periods">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Plan</Table.Th>
            <Table.Th>Group</Table.Th>
            <Table.Th>From</Table.Th>
            <Table.Th>To</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {spans.map((span) => (
            <Table.Tr key={span.id}>
              <Table.Td>#{span.plan_id}</Table.Td>
              <Table.Td>{span.group_number ?? '—'}</Table.Td>
              <Table.Td>{formatDate(span.effective_date)}</Table.Td>
              <Table.Td>{span.termination_date ? formatDate(span.termination_date) : 'open'}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      <AccumulatorBars memberId={member.id!} />
      <Title order={2} size="h4">
        Spent by plan year
      </Title>
      <Table withTableBorder aria-label="Deductible and out-of-pocket spent">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Plan year</Table.Th>
            <Table.Th>Network</Table.Th>
            <Table.Th ta="right">Deductible met</Table.Th>
            <Table.Th ta="right">Out-of-pocket spent</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {(member.accumulators ?? []).map((row) => (
            <Table.Tr key={`${row.plan_year}-${row.network}-${row.plan_id}`}>
              <Table.Td>{row.plan_year}</Table.Td>
              <Table.Td>{row.network}</Table.Td>
              <Table.Td ta="right">{formatMoney(row.deductible_cents)}</Table.Td>
              <Table.Td ta="right">{formatMoney(row.oop_cents)}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Stack>
  );
}
