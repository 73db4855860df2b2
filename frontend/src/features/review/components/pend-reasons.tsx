import { List, Paper, Text, Title } from '@mantine/core';

import type { QueueItem } from '../api/get-review-queue';

/** Why the claim pended, for the reviewer's workbench: the score against the threshold, the
 * features or rules that drove it (the claim's value and the typical one). Who holds the claim is
 * on the decision panel. */
export function PendReasons({ item }: { item: QueueItem }) {
  const reasons = item.risk_reasons ?? [];
  return (
    <Paper withBorder p="md" role="region" aria-label="Why it pended">
      <Title order={2} size="h4" mb="xs">
        Why it pended
      </Title>
      <Text size="sm">{item.pend_reason}</Text>
      <Text size="sm" c="dimmed">
        Scored by {item.risk_model_version ?? 'no model'}
        {item.days_in_queue ? `, ${item.days_in_queue} days in the queue` : ', pended today'}
      </Text>
      {reasons.length ? (
        <List size="sm" mt="xs" aria-label="What drove the score">
          {reasons.map((reason, index) => (
            <List.Item key={index}>
              {reason.line_number ? `Line ${reason.line_number}: ` : ''}
              {reason.detail}
            </List.Item>
          ))}
        </List>
      ) : (
        <Text size="sm" mt="xs">
          The model recorded no reasons for this claim.
        </Text>
      )}
    </Paper>
  );
}
