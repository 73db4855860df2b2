import { MantineProvider } from '@mantine/core';
import { render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';

import { ApiError } from '@/lib/api-client';

import { LabelledProgress } from './labelled-progress';
import { ErrorMessage } from './query-state';

describe('accessible pieces', () => {
  it('a progress bar is named and speaks its money, not a percentage', () => {
    render(
      <MantineProvider>
        <LabelledProgress label="Deductible" value={45000} max={150000} text="$450 of $1,500 met" />
      </MantineProvider>,
    );
    const bar = screen.getByRole('progressbar', { name: 'Deductible' });
    expect(bar).toHaveAttribute('aria-valuetext', '$450 of $1,500 met');
    expect(bar).toHaveAttribute('aria-valuenow', '45000');
  });

  it('the API error shape becomes a sentence naming each field', () => {
    const error = new ApiError(422, { message: 'the request is not valid', details: { json: { lines: { 0: { charge_cents: ['Not a valid integer.'] } } } } });
    render(
      <MantineProvider>
        <ErrorMessage error={error} />
      </MantineProvider>,
    );
    expect(screen.getByRole('alert')).toHaveTextContent('the request is not valid: json.lines.0.charge_cents Not a valid integer.');
  });

  it('a refusal says so and shows the status', () => {
    render(
      <MantineProvider>
        <ErrorMessage error={new ApiError(403, { message: 'forbidden' })} />
      </MantineProvider>,
    );
    expect(screen.getByRole('alert')).toHaveTextContent('You do not have access to this page. (The server answered 403: forbidden)');
  });
});
