import { Badge, Paper, SimpleGrid, Table, Text, Title } from '@mantine/core';

import { Page } from '@/components/page';
import { QueryState } from '@/components/query-state';

import { useSystemStatus } from '../api/status';

export default function StatusPage() {
  const status = useSystemStatus();
  return (
    <Page title="System status">
      <QueryState query={status} label="the system status">
        {({ readiness, queues, liveWorkers }) => (
          <SimpleGrid cols={{ base: 1, md: 2 }}>
            <Paper withBorder p="md">
              <Title order={2} size="h4" mb="sm">
                Ready checks: {readiness.status.replace('_', ' ')}
              </Title>
              <Table aria-label="Ready checks">
                <Table.Tbody>
                  {Object.entries(readiness.checks).map(([name, check]) => (
                    <Table.Tr key={name}>
                      <Table.Th scope="row">{name}</Table.Th>
                      <Table.Td>
                        <Badge color={check.ok ? '#1e6b30' : '#a61e1e'}>{check.ok ? 'ok' : 'failing'}</Badge>
                      </Table.Td>
                      <Table.Td>{check.error ?? (check.live != null ? `${check.live} live` : '')}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Paper>
            <Paper withBorder p="md">
              <Title order={2} size="h4" mb="sm">
                Queues and workers
              </Title>
              <Text mb="xs">Live workers: {liveWorkers ?? 'unknown'}</Text>
              <Table aria-label="Queue depths">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Queue</Table.Th>
                    <Table.Th ta="right">Jobs waiting</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {Object.entries(queues).map(([name, depth]) => (
                    <Table.Tr key={name}>
                      <Table.Td>{name}</Table.Td>
                      <Table.Td ta="right">{depth}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Paper>
          </SimpleGrid>
        )}
      </QueryState>
    </Page>
  );
}
