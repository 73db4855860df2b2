import { MantineProvider } from '@mantine/core';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { fireEvent, render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';

import { ApprovalPanel } from './approval-panel';

const pending = { id: 7, action: 'approve', decided_by_id: 3, decided_by: 'first.reviewer', decided_at: '2026-03-02T10:00:00Z', paid_cents: 1234567 };

function renderAs(userId: number) {
  const client = new QueryClient();
  client.setQueryData(['me'], { id: userId, username: 'someone', permissions: ['claims:review'] });
  return render(
    <MantineProvider>
      <QueryClientProvider client={client}>
        <ApprovalPanel claimId={42} pending={pending} />
      </QueryClientProvider>
    </MantineProvider>,
  );
}

describe('four-eyes approval panel', () => {
  it('offers a second reviewer approve and reject, once a note is written', () => {
    renderAs(4);
    const region = screen.getByRole('region', { name: 'Second approval' });
    expect(region).toHaveTextContent('approve by first.reviewer');
    expect(region).toHaveTextContent('$12,345.67');
    const approve = screen.getByRole('button', { name: 'Approve the decision' });
    const reject = screen.getByRole('button', { name: 'Reject the decision' });
    expect(approve).toBeDisabled();
    expect(reject).toBeDisabled();
    fireEvent.change(screen.getByLabelText(/Approval note/), { target: { value: 'checked the invoice' } });
    expect(approve).toBeEnabled();
    expect(reject).toBeEnabled();
  });

  it('shows the first reviewer the decision waiting, without the buttons', () => {
    renderAs(3);
    expect(screen.getByRole('status')).toHaveTextContent('another reviewer must approve or reject it');
    expect(screen.queryByRole('button', { name: 'Approve the decision' })).toBeNull();
  });
});
