import 'mantine-datatable/styles.css';

import { Anchor, Button, Group, Text } from '@mantine/core';
import { modals } from '@mantine/modals';
import { DataTable } from 'mantine-datatable';
import { useState } from 'react';
import { Link, useNavigate } from 'react-router';

import { Page } from '@/components/page';
import { pagedTable } from '@/components/paged-table';
import { ErrorMessage } from '@/components/query-state';
import { formatDate, formatDateTime, formatMoney } from '@/lib/format';

import { usePaymentCycles, useRunPaymentCycle } from '../api/payment-cycles';

export default function PaymentCyclesPage() {
  const [page, setPage] = useState(1);
  const cycles = usePaymentCycles(page);
  const run = useRunPaymentCycle();
  const navigate = useNavigate();
  const confirm = () =>
    modals.openConfirmModal({
      title: 'Close a payment cycle now?',
      children: <Text size="sm">Every finalized claim not yet remitted goes into one 835 per payee. Each claim is paid once.</Text>,
      labels: { confirm: 'Run the payment cycle', cancel: 'Cancel' },
      onConfirm: () => run.mutate(undefined, { onSuccess: (cycle) => cycle && navigate(`/payment-cycles/${cycle.id}`) }),
    });
  return (
    <Page
      title="Payment cycles"
      actions={
        <Group>
          <Button onClick={confirm} loading={run.isPending}>
            Run a payment cycle
          </Button>
        </Group>
      }
    >
      {run.error ? <ErrorMessage error={run.error} /> : null}
      {cycles.error ? <ErrorMessage error={cycles.error} /> : null}
      <DataTable
        aria-label="Payment cycles"
        {...pagedTable(cycles, page, setPage, 25)}
        noRecordsText="No payment cycles yet"
        columns={[
          {
            accessor: 'id',
            title: 'Cycle',
            render: (cycle) => (
              <Anchor component={Link} to={`/payment-cycles/${cycle.id}`}>
                Cycle #{cycle.id}
              </Anchor>
            ),
          },
          { accessor: 'payment_date', title: 'Payment date', render: (cycle) => formatDate(cycle.payment_date) },
          { accessor: 'status', title: 'Status' },
          { accessor: 'claim_count', title: 'Claims', textAlign: 'right' },
          { accessor: 'payee_count', title: 'Payees', textAlign: 'right' },
          { accessor: 'billed_cents', title: 'Billed', textAlign: 'right', render: (cycle) => formatMoney(cycle.billed_cents) },
          { accessor: 'paid_cents', title: 'Paid', textAlign: 'right', render: (cycle) => formatMoney(cycle.paid_cents) },
          { accessor: 'created_at', title: 'Closed', render: (cycle) => formatDateTime(cycle.created_at) },
        ]}
      />
    </Page>
  );
}
