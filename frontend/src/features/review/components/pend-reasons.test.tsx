import { MantineProvider } from '@mantine/core';
import { render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';

import { PendReasons } from './pend-reasons';

const item = {
  id: 42,
  pend_reason: 'risk score 0.912 at or above the review threshold 0.500',
  risk_model_version: 'risk-mlp-2',
  days_in_queue: 3,
  risk_reasons: [
    { line_number: null, rule: 'bundled_pair', score: 0.4, detail: 'both codes of a bundled pair on the claim (1 yes, 0 no): 1 (typical 0)' },
    { line_number: 2, rule: 'charge_ratio', score: 0.3, detail: '99215 billed at 4.1 times its fee schedule amount' },
  ],
};

describe('why a claim pended', () => {
  it('lists the reasons that drove the score, with their lines', () => {
    render(
      <MantineProvider>
        <PendReasons item={item} />
      </MantineProvider>,
    );
    const region = screen.getByRole('region', { name: 'Why it pended' });
    expect(region).toHaveTextContent('risk score 0.912');
    expect(region).toHaveTextContent('Scored by risk-mlp-2, 3 days in the queue');
    const reasons = screen.getByRole('list', { name: 'What drove the score' });
    expect(reasons).toHaveTextContent('both codes of a bundled pair on the claim (1 yes, 0 no): 1 (typical 0)');
    expect(reasons).toHaveTextContent('Line 2: 99215 billed at 4.1 times');
  });
});
