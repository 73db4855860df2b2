import { Badge } from '@mantine/core';

const DECISION_COLORS: Record<string, string> = { paid: 'green.9', denied: 'red.9', pended: 'orange.9' };
const STATUS_LABELS: Record<string, string> = {
  pending: 'received, not yet adjudicated',
  processing: 'being adjudicated',
  processed: 'adjudicated',
  rejected: 'rejected by edits',
};

/** The state a user cares about: the decision once there is one, else where the claim stands. */
export function ClaimStatus({ status, decision }: { status?: string; decision?: string | null }) {
  if (decision) {
    return (
      <Badge color={DECISION_COLORS[decision] ?? 'gray.8'} variant="filled">
        {decision}
      </Badge>
    );
  }
  return (
    <Badge color={status === 'rejected' ? 'red.9' : 'gray.8'} variant="filled">
      {STATUS_LABELS[status ?? ''] ?? status}
    </Badge>
  );
}
