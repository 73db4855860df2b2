import { Paper, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { useParams } from 'react-router';

import { Page } from '@/components/page';
import { QueryState } from '@/components/query-state';
import { formatDate, formatMoney, x12AmountToCents } from '@/lib/format';

import { useRemittanceText } from '../api/get-remittances';
import { readRemittance } from '../x12';
import { RawX12 } from './acknowledgments';

const money = (amount: string) => formatMoney(x12AmountToCents(amount));

export default function RemittancePage() {
  const documentId = Number(useParams().documentId);
  const text = useRemittanceText(documentId);
  return (
    <Page title={`Remittance 835 #${documentId}`}>
      <QueryState query={text} label="the remittance">
        {(body) => <RemittanceView text={body} />}
      </QueryState>
    </Page>
  );
}

function RemittanceView({ text }: { text: string }) {
  const remittance = readRemittance(text);
  const facts: [string, string][] = [
    ['Payment', money(remittance.paymentAmount)],
    ['Method', remittance.method],
    ['Payment date', formatDate(remittance.paymentDate)],
    ['Trace number', remittance.trace],
    ['Payer', remittance.payer],
    ['Payee', remittance.payee],
  ];
  return (
    <Stack>
      <Paper withBorder p="md">
        <SimpleGrid cols={{ base: 1, sm: 3 }} component="dl" m={0} spacing="xs">
          {facts.map(([label, value]) => (
            <div key={label}>
              <Text component="dt" size="sm">
                {label}
              </Text>
              <Text component="dd" m={0} fw={600}>
                {value || '—'}
              </Text>
            </div>
          ))}
        </SimpleGrid>
      </Paper>
      <Title order={2} size="h4">
        Claims paid in this remittance
      </Title>
      <Table.ScrollContainer minWidth={700}>
        <Table striped withTableBorder aria-label="Claims in this remittance">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Patient control number</Table.Th>
              <Table.Th>Status</Table.Th>
              <Table.Th ta="right">Billed</Table.Th>
              <Table.Th ta="right">Paid</Table.Th>
              <Table.Th ta="right">Patient owes</Table.Th>
              <Table.Th>Adjustments</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {remittance.claims.map((claim, index) => (
              <Table.Tr key={index}>
                <Table.Td>{claim.patientControlNumber}</Table.Td>
                <Table.Td>{claim.status}</Table.Td>
                <Table.Td ta="right">{money(claim.charge)}</Table.Td>
                <Table.Td ta="right">{money(claim.paid)}</Table.Td>
                <Table.Td ta="right">{money(claim.patientResponsibility)}</Table.Td>
                <Table.Td>
                  {[...claim.adjustments, ...claim.services.flatMap((service) => service.adjustments)]
                    .map((adjustment) => `${adjustment.group}-${adjustment.carc} ${money(adjustment.amount)}`)
                    .join(', ') || '—'}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      <RawX12 text={text} />
    </Stack>
  );
}
