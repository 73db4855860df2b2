import 'mantine-datatable/styles.css';

import { Anchor, Badge, Select } from '@mantine/core';
import { DataTable } from 'mantine-datatable';
import { useState } from 'react';
import { Link } from 'react-router';

import { Page } from '@/components/page';
import { pagedTable } from '@/components/paged-table';
import { ErrorMessage } from '@/components/query-state';
import { formatDate, formatMoney } from '@/lib/format';

import { useHousehold } from '../api/get-household';
import { useMyClaims } from '../api/get-my-claims';

export default function MyClaimsPage() {
  const [page, setPage] = useState(1);
  const [memberId, setMemberId] = useState<number | null>(null);
  const household = useHousehold();
  const claims = useMyClaims(page, memberId);
  const names = new Map((household.data?.items ?? []).map((member) => [member.id, `${member.first_name} ${member.last_name}`]));

  return (
    <Page title="My claims">
      <Select
        label="Whose claims"
        w={280}
        data={[{ value: '', label: 'Everyone in my household' }, ...[...names].map(([id, name]) => ({ value: String(id), label: name }))]}
        value={memberId == null ? '' : String(memberId)}
        onChange={(value) => {
          setPage(1);
          setMemberId(value ? Number(value) : null);
        }}
        allowDeselect={false}
      />
      {claims.error ? <ErrorMessage error={claims.error} /> : null}
      <DataTable
        aria-label="My claims"
        {...pagedTable(claims, page, setPage, 20)}
        noRecordsText="No claims yet"
        columns={[
          {
            accessor: 'service_from',
            title: 'Date of service',
            render: (claim) => (
              <Anchor component={Link} to={`/my/claims/${claim.id}`}>
                {formatDate(claim.service_from)} (claim #{claim.id})
              </Anchor>
            ),
          },
          { accessor: 'member_id', title: 'Patient', render: (claim) => names.get(claim.member_id ?? -1) ?? '—' },
          { accessor: 'decision', title: 'Status', render: (claim) => <Badge color="#495057">{claim.decision ?? 'in process'}</Badge> },
          { accessor: 'total_charge_cents', title: 'Billed', textAlign: 'right', render: (claim) => formatMoney(claim.total_charge_cents) },
          { accessor: 'paid_cents', title: 'Plan paid', textAlign: 'right', render: (claim) => formatMoney(claim.paid_cents) },
          { accessor: 'patient_responsibility_cents', title: 'You owe', textAlign: 'right', render: (claim) => formatMoney(claim.patient_responsibility_cents) },
        ]}
      />
    </Page>
  );
}
