import { Alert, Button, Group, MultiSelect, Paper, SegmentedControl, Select, Stack, Table, Text, TextInput, Textarea, Title } from '@mantine/core';
import { useState } from 'react';

import { ErrorMessage } from '@/components/query-state';
import { useCodeList } from '@/lib/code-lists';
import { formatMoney, parseMoneyToCents } from '@/lib/format';

import { useDecideClaim, useTakeClaim, type DecisionRequest } from '../api/decide';
import type { Assignment } from '../api/get-review-queue';

type Line = { line_number?: number; allowed_cents?: number; billed_cents?: number; procedure?: string | null };
type Action = 'approve' | 'deny' | 'adjust';

/** Take the claim, then approve, deny (CARC, RARC) or adjust lines' allowed amounts, with a note. */
export function DecisionPanel({
  claimId,
  lines,
  onDecided,
  held,
  myId,
}: {
  claimId: number;
  lines: Line[];
  onDecided?: () => void;
  held?: Assignment | null;
  myId?: number;
}) {
  const take = useTakeClaim();
  const hold = take.data ?? held; // who holds the claim: as taken here, else as the queue says
  const mine = hold != null && (take.data != null || hold.reviewer_id === myId);
  const decide = useDecideClaim();
  const carcs = useCodeList('carc');
  const rarcs = useCodeList('rarc');
  const [action, setAction] = useState<Action>('approve');
  const [carc, setCarc] = useState<string | null>(null);
  const [rarc, setRarc] = useState<string[]>([]);
  const [note, setNote] = useState('');
  const [allowed, setAllowed] = useState<Record<number, string>>({});
  const carcOptions = (carcs.data?.items ?? []).map((item) => ({ value: item.code ?? '', label: `${item.code} ${item.description}` }));
  const rarcOptions = (rarcs.data?.items ?? []).map((item) => ({ value: item.code ?? '', label: `${item.code} ${item.description}`.slice(0, 120) }));

  const submit = () => {
    const decision: DecisionRequest = { action, note };
    if (action === 'deny') Object.assign(decision, { carc, rarc });
    if (action === 'adjust') {
      decision.lines = Object.entries(allowed)
        .filter(([, text]) => parseMoneyToCents(text) != null)
        .map(([lineNumber, text]) => ({ line_number: Number(lineNumber), allowed_cents: parseMoneyToCents(text)!, carc: carc ?? '45' }));
    }
    decide.mutate({ claimId, decision }, { onSuccess: () => onDecided?.() });
  };

  return (
    <Paper withBorder p="md" role="region" aria-label="Decide this claim">
      <Stack>
        <Group justify="space-between">
          <Title order={2} size="h4">
            Decide
          </Title>
          <Button variant="default" size="xs" onClick={() => take.mutate(claimId)} loading={take.isPending}>
            {mine ? 'Renew my hold' : 'Take this claim'}
          </Button>
        </Group>
        {hold ? (
          <Text size="sm">
            {mine ? 'You hold' : `${hold.reviewer ?? 'Another reviewer'} holds`} this claim until {new Date(hold.expires_at ?? '').toLocaleTimeString()}.
          </Text>
        ) : null}
        {take.error ? <ErrorMessage error={take.error} /> : null}
        <SegmentedControl
          aria-label="Decision"
          value={action}
          onChange={(value) => setAction(value as Action)}
          data={[
            { value: 'approve', label: 'Approve' },
            { value: 'deny', label: 'Deny' },
            { value: 'adjust', label: 'Adjust lines' },
          ]}
        />
        {action !== 'approve' ? (
          <Select label={action === 'deny' ? 'Denial reason (CARC)' : 'Adjustment reason (CARC)'} searchable data={carcOptions} value={carc} onChange={setCarc} />
        ) : null}
        {action === 'deny' ? <MultiSelect label="Remarks (RARC)" searchable data={rarcOptions} value={rarc} onChange={setRarc} /> : null}
        {action === 'adjust' ? (
          <Table aria-label="New allowed amounts">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Line</Table.Th>
                <Table.Th ta="right">Allowed now</Table.Th>
                <Table.Th>New allowed ($)</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {lines.map((line) => (
                <Table.Tr key={line.line_number}>
                  <Table.Td>
                    {line.line_number} {line.procedure}
                  </Table.Td>
                  <Table.Td ta="right">{formatMoney(line.allowed_cents)}</Table.Td>
                  <Table.Td>
                    <TextInput
                      aria-label={`New allowed amount for line ${line.line_number}`}
                      value={allowed[line.line_number!] ?? ''}
                      onChange={(event) => setAllowed({ ...allowed, [line.line_number!]: event.currentTarget.value })}
                    />
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        ) : null}
        <Textarea label="Note" description="Kept in the audit trail with the decision" value={note} onChange={(event) => setNote(event.currentTarget.value)} />
        {decide.error ? <ErrorMessage error={decide.error} /> : null}
        {decide.data ? (
          <Alert color={decide.data.status === 'awaiting_approval' ? 'yellow' : 'green'} role="status" title="Decision recorded">
            {decide.data.action} by {decide.data.decided_by}: {decide.data.status?.replaceAll('_', ' ')}
            {decide.data.paid_cents != null ? `, plan pays ${formatMoney(decide.data.paid_cents)}` : ''}
          </Alert>
        ) : (
          <Group>
            <Button onClick={submit} loading={decide.isPending} disabled={!note || (action === 'deny' && !carc)}>
              Record the decision
            </Button>
          </Group>
        )}
      </Stack>
    </Paper>
  );
}
