import { Alert, Button, Group, Paper, Stack, Text, Textarea, Title } from '@mantine/core';
import { useState } from 'react';

import { ErrorMessage } from '@/components/query-state';
import { useMe } from '@/lib/auth';
import { formatDateTime, formatMoney } from '@/lib/format';

import { useApproveDecision } from '../api/decide';
import type { QueueItem } from '../api/get-review-queue';

type Pending = NonNullable<QueueItem['awaiting_approval']>;

/** Four eyes: a decision above the threshold waits for a second reviewer, who approves (applies)
 * or rejects it. Its first reviewer sees it waiting, without the buttons (the server refuses
 * them too). */
export function ApprovalPanel({ claimId, pending }: { claimId: number; pending: Pending }) {
  const me = useMe().data;
  const approve = useApproveDecision();
  const [note, setNote] = useState('');
  const mine = me?.id != null && me.id === pending.decided_by_id;
  const send = (yes: boolean) => approve.mutate({ claimId, approval: { approve: yes, note } });
  return (
    <Paper withBorder p="md" role="region" aria-label="Second approval">
      <Stack>
        <Title order={2} size="h4">
          Awaiting a second reviewer
        </Title>
        <Text size="sm">
          {pending.action} by {pending.decided_by ?? 'another reviewer'} on {formatDateTime(pending.decided_at)}; the plan would pay{' '}
          {formatMoney(pending.paid_cents)}.
        </Text>
        {approve.error ? <ErrorMessage error={approve.error} /> : null}
        {approve.data ? (
          <Alert color={approve.data.status === 'final' ? 'green' : 'yellow'} role="status" title="Approval recorded">
            The decision is {approve.data.status?.replaceAll('_', ' ')}
            {approve.data.approved_by ? ` (by ${approve.data.approved_by})` : ''}.
          </Alert>
        ) : mine ? (
          <Text size="sm" role="status">
            You recorded this decision: another reviewer must approve or reject it.
          </Text>
        ) : (
          <>
            <Textarea label="Approval note" description="Kept in the audit trail" value={note} onChange={(event) => setNote(event.currentTarget.value)} />
            <Group>
              <Button onClick={() => send(true)} loading={approve.isPending && approve.variables?.approval.approve} disabled={!note || approve.isPending}>
                Approve the decision
              </Button>
              <Button color="red" variant="outline" onClick={() => send(false)} loading={approve.isPending && !approve.variables?.approval.approve} disabled={!note || approve.isPending}>
                Reject the decision
              </Button>
            </Group>
          </>
        )}
      </Stack>
    </Paper>
  );
}
