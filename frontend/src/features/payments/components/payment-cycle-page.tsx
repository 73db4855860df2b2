import { Anchor, Paper, SimpleGrid, Stack, Table, Text } from '@mantine/core';
import { Link, useParams } from 'react-router';

import { Page } from '@/components/page';
import { QueryState } from '@/components/query-state';
import { formatDate, formatMoney } from '@/lib/format';

import { usePaymentCycle } from '../api/payment-cycles';

export default function PaymentCyclePage() {
  const cycleId = Number(useParams().cycleId);
  const cycle = usePaymentCycle(cycleId);
  return (
    <Page title={`Payment cycle #${cycleId}`}>
      <QueryState query={cycle} label="the payment cycle">
        {(data) => (
          <Stack>
            <Paper withBorder p="md">
              <SimpleGrid cols={{ base: 2, sm: 5 }} component="dl" m={0}>
                {(
                  [
                    ['Payment date', formatDate(data.payment_date)],
                    ['Claims', String(data.claim_count ?? 0)],
                    ['Payees', String(data.payee_count ?? 0)],
                    ['Billed', formatMoney(data.billed_cents)],
                    ['Paid', formatMoney(data.paid_cents)],
                  ] as [string, string][]
                ).map(([label, value]) => (
                  <div key={label}>
                    <Text component="dt" size="sm">
                      {label}
                    </Text>
                    <Text component="dd" m={0} fw={700}>
                      {value}
                    </Text>
                  </div>
                ))}
              </SimpleGrid>
            </Paper>
            <Table striped withTableBorder aria-label="835 files of this cycle">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Payee</Table.Th>
                  <Table.Th>Method</Table.Th>
                  <Table.Th>Trace number</Table.Th>
                  <Table.Th ta="right">Claims</Table.Th>
                  <Table.Th ta="right">Paid</Table.Th>
                  <Table.Th>835</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {(data.files ?? []).map((file) => (
                  <Table.Tr key={file.edi_document_id}>
                    <Table.Td>
                      {file.payee_name} ({file.payee_npi})
                    </Table.Td>
                    <Table.Td>{file.payment_method}</Table.Td>
                    <Table.Td>{file.trace_number}</Table.Td>
                    <Table.Td ta="right">{file.claim_count}</Table.Td>
                    <Table.Td ta="right">{formatMoney(file.paid_cents)}</Table.Td>
                    <Table.Td>
                      <Anchor component={Link} to={`/remittances/${file.edi_document_id}`}>
                        Read 835 #{file.edi_document_id}
                      </Anchor>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Stack>
        )}
      </QueryState>
    </Page>
  );
}
