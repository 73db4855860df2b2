import { MantineProvider } from '@mantine/core';
import { render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';

import { ClaimMoney } from './claim-money';

const primary = {
  billed_cents: 20000,
  allowed_cents: 12000,
  contractual_adjustment_cents: 8000,
  noncovered_cents: 0,
  paid_cents: 9000,
  patient_responsibility_cents: 3000,
  deductible_cents: 0,
  coinsurance_cents: 3000,
  copay_cents: 0,
};

function renderMoney(amounts: object) {
  return render(
    <MantineProvider>
      <ClaimMoney amounts={amounts} />
    </MantineProvider>,
  );
}

describe('claim money', () => {
  it('shows a primary claim without the other payer', () => {
    renderMoney(primary);
    expect(screen.getByText('Plan paid').nextSibling).toHaveTextContent('$90.00');
    expect(screen.queryByText('Other payer paid')).toBeNull();
  });

  it("shows a secondary claim's other payer and the prior payer's share", () => {
    renderMoney({ ...primary, paid_cents: 2000, other_payer_paid_cents: 7000, prior_payer_cents: 7000, patient_responsibility_cents: 3000 });
    expect(screen.getByText('Other payer paid').nextSibling).toHaveTextContent('$70.00');
    expect(screen.getByText("Prior payer's share (OA-23)").nextSibling).toHaveTextContent('$70.00');
  });
});
