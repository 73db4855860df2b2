import { Badge } from '@mantine/core';

const DECISION_COLORS: Record<string, string> = { paid: '#1e6b30', denied: '#a61e1e', pended: '#8a4b00' };
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
      <Badge color={DECISION_COLORS[decision] ?? '#495057'} variant="filled">
        {decision}
      </Badge>
    );
  }
  return (
    <Badge color={status === 'rejected' ? '#a61e1e' : '#495057'} variant="filled">
      {STATUS_LABELS[status ?? ''] ?? status}
    </Badge>
  );
}
