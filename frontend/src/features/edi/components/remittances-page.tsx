import 'mantine-datatable/styles.css';

import { Anchor } from '@mantine/core';
import { DataTable } from 'mantine-datatable';
import { useState } from 'react';
import { Link } from 'react-router';

import { Page } from '@/components/page';
import { pagedTable } from '@/components/paged-table';
import { ErrorMessage } from '@/components/query-state';
import { formatDateTime } from '@/lib/format';

import { useRemittances } from '../api/get-remittances';

export default function RemittancesPage() {
  const [page, setPage] = useState(1);
  const remittances = useRemittances(page);
  return (
    <Page title="Remittances (835)">
      {remittances.error ? <ErrorMessage error={remittances.error} /> : null}
      <DataTable
        aria-label="Remittances"
        {...pagedTable(remittances, page, setPage, 25)}
        noRecordsText="No remittances yet"
        columns={[
          {
            accessor: 'id',
            title: 'Remittance',
            render: (row) => (
              <Anchor component={Link} to={`/remittances/${row.id}`}>
                835 #{row.id}
              </Anchor>
            ),
          },
          { accessor: 'filename', title: 'File' },
          { accessor: 'batch_id', title: 'Batch' },
          { accessor: 'created_at', title: 'Written', render: (row) => formatDateTime(row.created_at) },
        ]}
      />
    </Page>
  );
}
