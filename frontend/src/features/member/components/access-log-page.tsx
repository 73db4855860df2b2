import 'mantine-datatable/styles.css';

import { Select, Stack, Text } from '@mantine/core';
import { DataTable } from 'mantine-datatable';
import { useState } from 'react';

import { Page } from '@/components/page';
import { pagedTable } from '@/components/paged-table';
import { ErrorMessage } from '@/components/query-state';
import { useMe } from '@/lib/auth';
import { formatDateTime } from '@/lib/format';

import { PAGE_SIZE, useAccessLog } from '../api/get-access-log';
import { useHousehold } from '../api/get-household';

const ACTIONS: Record<string, string> = {
  read: 'viewed',
  search: 'searched',
  decide: 'decided',
  approve_decision: 'approved a decision on',
  assign: 'assigned',
  release: 'released',
  submit: 'submitted',
};

const RESOURCES: Record<string, string> = {
  member: 'your member record',
  member_accumulators: 'your deductible and out-of-pocket',
  claim: 'claim',
  eob: 'explanation of benefits of claim',
};

export default function AccessLogPage() {
  const me = useMe().data;
  const household = useHousehold().data?.items ?? [];
  // Whose log is chosen in component state, not the URL: the portal's URLs carry no PHI.
  const [chosen, setChosen] = useState<string | null>(null);
  const memberId = chosen != null ? Number(chosen) : me?.member_id;
  const [page, setPage] = useState(1);
  const log = useAccessLog(memberId, page);
  return (
    <Page title="Who has looked at my records">
      <Stack>
        <Text>Every time someone opened your records or claims, the audit log kept who, when and what.</Text>
        {household.length > 1 ? (
          <Select
            label="Whose records"
            maw={320}
            allowDeselect={false}
            value={String(memberId ?? '')}
            onChange={(value) => {
              setChosen(value);
              setPage(1);
            }}
            data={household.map((member) => ({ value: String(member.id), label: `${member.first_name} ${member.last_name}` }))}
          />
        ) : null}
        {log.error ? <ErrorMessage error={log.error} /> : null}
        <DataTable
          aria-label="Who has looked at my records"
          {...pagedTable(log, page, setPage, PAGE_SIZE)}
          scrollAreaProps={{ viewportProps: { tabIndex: 0, 'aria-label': 'Access log, scrollable' } }}
          idAccessor={(row) => `${row.occurred_at}-${row.username}-${row.action}-${row.claim_id}`}
          noRecordsText="Nobody has looked at these records yet"
          columns={[
            { accessor: 'occurred_at', title: 'When', render: (row) => formatDateTime(row.occurred_at) },
            { accessor: 'username', title: 'Who', render: (row) => row.username ?? '—' },
            { accessor: 'role', title: 'Role', render: (row) => row.role ?? '—' },
            {
              accessor: 'action',
              title: 'What',
              render: (row) =>
                `${ACTIONS[row.action ?? ''] ?? row.action} ${RESOURCES[row.resource_type ?? ''] ?? row.resource_type}${row.claim_id != null ? ` #${row.claim_id}` : ''}`,
            },
            { accessor: 'outcome', title: 'Outcome' },
          ]}
        />
      </Stack>
    </Page>
  );
}
