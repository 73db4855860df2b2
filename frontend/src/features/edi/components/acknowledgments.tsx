import { Alert, Code, List, Paper, Spoiler, Stack, Table, Text, Title } from '@mantine/core';

import { QueryState } from '@/components/query-state';

import { useAcknowledgment } from '../api/get-edi-file';
import { readClaimAck, readFunctionalAck } from '../x12';

/** The file's 999 and 277CA in words: what was accepted, and which segment and element is wrong. */
export function Acknowledgments({ fileId }: { fileId: number }) {
  const ack999 = useAcknowledgment(fileId, '999');
  const ack277 = useAcknowledgment(fileId, '277ca');
  return (
    <Stack>
      <Paper withBorder p="md">
        <Title order={2} size="h4" mb="sm">
          999 acknowledgment
        </Title>
        <QueryState query={ack999} label="the 999">
          {(text) => (text ? <FunctionalAckView text={text} /> : <Text>This file has no 999.</Text>)}
        </QueryState>
      </Paper>
      <Paper withBorder p="md">
        <Title order={2} size="h4" mb="sm">
          277CA claim acknowledgment
        </Title>
        <QueryState query={ack277} label="the 277CA">
          {(text) => (text ? <ClaimAckView text={text} /> : <Text>No claims of this file were staged, so there is no 277CA.</Text>)}
        </QueryState>
      </Paper>
    </Stack>
  );
}

function FunctionalAckView({ text }: { text: string }) {
  const ack = readFunctionalAck(text);
  const rejected = ack.result.startsWith('rejected');
  return (
    <Stack gap="xs">
      <Alert color={rejected ? 'red' : ack.result === 'accepted' ? 'green' : 'yellow'} title={`Functional group ${ack.result || 'unknown'}`}>
        {ack.accepted} of {ack.included} transaction sets accepted (group control number {ack.groupControlNumber}).
      </Alert>
      {ack.transactions.map((transaction) => (
        <div key={transaction.controlNumber}>
          <Text fw={600}>
            Transaction set {transaction.transactionSet} #{transaction.controlNumber}: {transaction.result}
          </Text>
          {transaction.segments.length ? (
            <List size="sm">
              {transaction.segments.map((segment, index) => (
                <List.Item key={index}>
                  Segment {segment.segment} at position {segment.position}
                  {segment.loop ? ` (loop ${segment.loop})` : ''}: {segment.error}
                  {segment.elements.length ? (
                    <List size="sm" withPadding>
                      {segment.elements.map((item, position) => (
                        <List.Item key={position}>
                          Element {segment.segment}
                          {item.position.split(':')[0].padStart(2, '0')}
                          {item.reference ? ` (data element ${item.reference})` : ''}: {item.error}
                          {item.badValue ? `; the value was "${item.badValue}"` : ''}
                        </List.Item>
                      ))}
                    </List>
                  ) : null}
                </List.Item>
              ))}
            </List>
          ) : null}
        </div>
      ))}
      <RawX12 text={text} />
    </Stack>
  );
}

function ClaimAckView({ text }: { text: string }) {
  const claims = readClaimAck(text);
  return (
    <Stack gap="xs">
      <Table striped withTableBorder aria-label="Claims in the 277CA">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Patient control number</Table.Th>
            <Table.Th>Payer claim id</Table.Th>
            <Table.Th>Status</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {claims.map((claim, index) => (
            <Table.Tr key={index}>
              <Table.Td>{claim.patientControlNumber}</Table.Td>
              <Table.Td>{claim.payerClaimId || '—'}</Table.Td>
              <Table.Td>{claim.statuses.join('; ')}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      <RawX12 text={text} />
    </Stack>
  );
}

export function RawX12({ text }: { text: string }) {
  return (
    <Spoiler maxHeight={0} showLabel="Show the X12 text" hideLabel="Hide the X12 text">
      <Code block>{text.replace(/~\s*/g, '~\n')}</Code>
    </Spoiler>
  );
}
