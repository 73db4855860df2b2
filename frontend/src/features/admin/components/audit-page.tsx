import 'mantine-datatable/styles.css';

import { Button, Code, Group, Paper, TextInput } from '@mantine/core';
import { DataTable } from 'mantine-datatable';
import { useState, type FormEvent } from 'react';

import { Page } from '@/components/page';
import { pagedTable } from '@/components/paged-table';
import { ErrorMessage, isRefusal } from '@/components/query-state';
import { formatDateTime } from '@/lib/format';

import { useAuditEvents, type AuditQuery } from '../api/audit';

const FILTERS: [keyof AuditQuery, string][] = [
  ['username', 'Username'],
  ['action', 'Action'],
  ['resource_type', 'Resource type'],
  ['resource_id', 'Resource id'],
  ['outcome', 'Outcome'],
];

export default function AuditPage() {
  const [draft, setDraft] = useState<Record<string, string>>({});
  const [query, setQuery] = useState<AuditQuery>({ page: 1, page_size: 50 });
  const events = useAuditEvents(query);
  const apply = (event: FormEvent) => {
    event.preventDefault();
    const filters = Object.fromEntries(Object.entries(draft).filter(([, value]) => value));
    setQuery({ ...filters, page: 1, page_size: 50 } as AuditQuery);
  };
  if (isRefusal(events.error)) {
    return (
      <Page title="Audit log">
        <ErrorMessage error={events.error} />
      </Page>
    );
  }
  return (
    <Page title="Audit log">
      <Paper withBorder p="sm" component="form" onSubmit={apply} aria-label="Search the audit log">
        <Group align="end" wrap="wrap">
          {FILTERS.map(([name, label]) => (
            <TextInput key={name} label={label} w={160} value={draft[name] ?? ''} onChange={(event) => setDraft({ ...draft, [name]: event.currentTarget.value })} />
          ))}
          <TextInput type="datetime-local" label="Since" value={draft.since ?? ''} onChange={(event) => setDraft({ ...draft, since: event.currentTarget.value })} />
          <Button type="submit">Search</Button>
        </Group>
      </Paper>
      {events.error ? <ErrorMessage error={events.error} /> : null}
      <DataTable
        aria-label="Audit events"
        {...pagedTable(events, query.page ?? 1, (page) => setQuery({ ...query, page }), 50)}
        scrollAreaProps={{ viewportProps: { tabIndex: 0, 'aria-label': 'Audit events, scrollable' } }}
        noRecordsText="No events match"
        columns={[
          { accessor: 'occurred_at', title: 'When', render: (event) => formatDateTime(event.occurred_at) },
          { accessor: 'username', title: 'Who', render: (event) => `${event.username ?? '—'} (${event.role ?? ''})` },
          { accessor: 'action', title: 'Action' },
          { accessor: 'resource_type', title: 'Resource', render: (event) => `${event.resource_type} ${event.resource_id ?? ''}` },
          { accessor: 'outcome', title: 'Outcome' },
          { accessor: 'client_ip', title: 'Address' },
          { accessor: 'details', title: 'Details', render: (event) => (event.details ? <Code>{JSON.stringify(event.details).slice(0, 80)}</Code> : '—') },
        ]}
      />
    </Page>
  );
}
