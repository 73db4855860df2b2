import 'mantine-datatable/styles.css';

import { Anchor, Button, Group, Paper, Select, TextInput } from '@mantine/core';
import { DataTable } from 'mantine-datatable';
import { useEffect, useState, type FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router';

import { Page } from '@/components/page';
import { pagedTable } from '@/components/paged-table';
import { ErrorMessage } from '@/components/query-state';
import { formatDate, formatDateTime, formatMoney } from '@/lib/format';

import { useClaims, type ClaimQuery } from '../api/get-claims';
import { ClaimStatus } from './claim-status';

const PAGE_SIZE = 25;
// The filters live in the URL (shareable, survive reload); only codes and dates, never PHI
// (the patient name filter is kept in component state, see below).
const TEXT_FILTERS = ['patient_control_number', 'service_from', 'service_to'] as const;
const CHOICE_FILTERS = {
  decision: ['paid', 'denied', 'pended'],
  status: ['pending', 'processing', 'processed', 'rejected'],
  claim_type: ['professional', 'institutional'],
  channel: ['portal', 'api', 'edi', 'fhir'],
} as const;

function queryFromParams(params: URLSearchParams): ClaimQuery {
  const query: Record<string, string | number> = { page: Number(params.get('page') || 1), page_size: PAGE_SIZE };
  for (const name of [...TEXT_FILTERS, ...Object.keys(CHOICE_FILTERS)]) {
    const value = params.get(name);
    if (value) query[name] = value;
  }
  return query as ClaimQuery;
}

export default function ClaimsListPage() {
  const [params, setParams] = useSearchParams();
  // The patient's name is PHI: it lives in this component's state only, never in the portal's
  // URL (history, bookmarks, Referer), which carries ids and codes alone. The API receives it as
  // a query parameter of its fetch, which the server never logs.
  const [patientName, setPatientName] = useState('');
  const [nameDraft, setNameDraft] = useState('');
  const fromUrl = queryFromParams(params);
  const query: ClaimQuery = patientName ? { ...fromUrl, patient_name: patientName } : fromUrl;
  const claims = useClaims(query);
  const [draft, setDraft] = useState(() => Object.fromEntries(params.entries()));
  useEffect(() => setDraft(Object.fromEntries(params.entries())), [params]);

  useEffect(() => {
    if (claims.data && !claims.isPlaceholderData && performance.getEntriesByName('claims-list-rendered').length === 0) {
      performance.mark('claims-list-rendered');
    }
  }, [claims.data, claims.isPlaceholderData]);

  const apply = (event: FormEvent) => {
    event.preventDefault();
    const next = new URLSearchParams();
    for (const [name, value] of Object.entries(draft)) if (value && name !== 'page') next.set(name, value);
    setPatientName(nameDraft.trim());
    setParams(next);
  };
  const setPage = (page: number) => {
    const next = new URLSearchParams(params);
    next.set('page', String(page));
    setParams(next);
  };

  return (
    <Page title="Claims">
      <Paper withBorder p="sm" component="form" onSubmit={apply} aria-label="Search claims">
        <Group align="end" wrap="wrap">
          <TextInput
            label="Patient name"
            description="Start of last or first name"
            value={nameDraft}
            onChange={(event) => setNameDraft(event.currentTarget.value)}
          />
          <TextInput
            label="Patient control number"
            value={draft.patient_control_number ?? ''}
            onChange={(event) => setDraft({ ...draft, patient_control_number: event.currentTarget.value })}
          />
          {Object.entries(CHOICE_FILTERS).map(([name, choices]) => (
            <Select
              key={name}
              label={name === 'claim_type' ? 'Claim type' : name[0].toUpperCase() + name.slice(1)}
              data={[...choices]}
              clearable
              value={draft[name] ?? null}
              onChange={(value) => setDraft({ ...draft, [name]: value ?? '' })}
              w={150}
            />
          ))}
          <TextInput
            type="date"
            label="Service from"
            value={draft.service_from ?? ''}
            onChange={(event) => setDraft({ ...draft, service_from: event.currentTarget.value })}
          />
          <TextInput
            type="date"
            label="Service to"
            value={draft.service_to ?? ''}
            onChange={(event) => setDraft({ ...draft, service_to: event.currentTarget.value })}
          />
          <Button type="submit">Search</Button>
          <Button
            variant="default"
            onClick={() => {
              setNameDraft('');
              setPatientName('');
              setParams(new URLSearchParams());
            }}
          >
            Clear
          </Button>
        </Group>
      </Paper>
      {claims.error ? <ErrorMessage error={claims.error} /> : null}
      <DataTable
        aria-label="Claims"
        {...pagedTable(claims, query.page ?? 1, setPage, PAGE_SIZE)}
        noRecordsText="No claims match these filters"
        columns={[
          {
            accessor: 'id',
            title: 'Claim',
            render: (claim) => (
              <Anchor component={Link} to={`/claims/${claim.id}`}>
                #{claim.id}
              </Anchor>
            ),
          },
          { accessor: 'patient_control_number', title: 'Patient control no.' },
          { accessor: 'claim_type', title: 'Type' },
          { accessor: 'channel', title: 'Channel' },
          { accessor: 'status', title: 'Status', render: (claim) => <ClaimStatus status={claim.status} decision={claim.decision} /> },
          { accessor: 'service_from', title: 'Service date', render: (claim) => formatDate(claim.service_from) },
          { accessor: 'total_charge_cents', title: 'Billed', textAlign: 'right', render: (claim) => formatMoney(claim.total_charge_cents) },
          { accessor: 'paid_cents', title: 'Paid', textAlign: 'right', render: (claim) => formatMoney(claim.paid_cents) },
          { accessor: 'received_at', title: 'Received', render: (claim) => formatDateTime(claim.received_at) },
        ]}
      />
    </Page>
  );
}
