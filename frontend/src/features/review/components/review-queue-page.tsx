import 'mantine-datatable/styles.css';

import { Alert, Anchor, Button, Group, NumberInput, Paper, Select, Text, TextInput } from '@mantine/core';
import { DataTable } from 'mantine-datatable';
import { useState } from 'react';
import { Link, useSearchParams } from 'react-router';

import { Page } from '@/components/page';
import { pagedTable } from '@/components/paged-table';
import { ErrorMessage } from '@/components/query-state';
import { useCodeList } from '@/lib/code-lists';
import { formatMoney } from '@/lib/format';

import { useDecideClaims } from '../api/decide';
import { useReviewQueue, type QueueItem, type QueueQuery } from '../api/get-review-queue';

const PAGE_SIZE = 25;
const SORTS = ['age', '-age', 'billed', '-billed', 'risk_score', '-risk_score', 'received_at', '-received_at'];

function queryFrom(params: URLSearchParams): QueueQuery {
  const query: Record<string, string | number> = { page: Number(params.get('page') || 1), page_size: PAGE_SIZE, sort: params.get('sort') || 'age' };
  for (const name of ['pend_reason', 'min_days', 'min_billed_cents']) {
    const value = params.get(name);
    if (value) query[name] = name === 'pend_reason' ? value : Number(value);
  }
  return query as QueueQuery;
}

export default function ReviewQueuePage() {
  const [params, setParams] = useSearchParams();
  const query = queryFrom(params);
  const queue = useReviewQueue(query);
  const [selected, setSelected] = useState<QueueItem[]>([]);
  const update = (name: string, value: string | null) => {
    const next = new URLSearchParams(params);
    if (value) next.set(name, value);
    else next.delete(name);
    if (name !== 'page') next.delete('page');
    setParams(next);
  };
  return (
    <Page title="Review queue">
      <Paper withBorder p="sm" aria-label="Filter the queue" role="search">
        <Group align="end" wrap="wrap">
          <TextInput label="Pend reason" defaultValue={params.get('pend_reason') ?? ''} onBlur={(event) => update('pend_reason', event.currentTarget.value)} />
          <NumberInput label="At least days in queue" min={0} defaultValue={params.get('min_days') ?? ''} onBlur={(event) => update('min_days', event.currentTarget.value)} />
          <NumberInput label="Billed at least ($)" min={0} defaultValue={params.get('min_billed_cents') ? Number(params.get('min_billed_cents')) / 100 : ''} onBlur={(event) => update('min_billed_cents', event.currentTarget.value ? String(Math.round(Number(event.currentTarget.value.replace(/[$,]/g, '')) * 100)) : null)} />
          <Select label="Sort by" data={SORTS} value={query.sort ?? 'age'} onChange={(value) => update('sort', value)} allowDeselect={false} />
        </Group>
      </Paper>
      <BulkActions selected={selected} onDone={() => setSelected([])} />
      {queue.error ? <ErrorMessage error={queue.error} /> : null}
      <DataTable
        aria-label="Pended claims"
        {...pagedTable(queue, query.page ?? 1, (page) => update('page', String(page)), PAGE_SIZE)}
        idAccessor="id"
        selectedRecords={selected}
        onSelectedRecordsChange={setSelected}
        getRecordSelectionCheckboxProps={(claim) => ({ 'aria-label': `Select claim ${claim.id}` })}
        allRecordsSelectionCheckboxProps={{ 'aria-label': 'Select every claim on this page' }}
        noRecordsText="The queue is empty"
        columns={[
          {
            accessor: 'id',
            title: 'Claim',
            render: (claim) => (
              <Anchor component={Link} to={`/review/${claim.id}`}>
                #{claim.id}
              </Anchor>
            ),
          },
          { accessor: 'days_in_queue', title: 'Days', textAlign: 'right' },
          { accessor: 'provider', title: 'Provider', render: (claim) => claim.provider?.name ?? claim.provider?.npi },
          { accessor: 'billed_cents', title: 'Billed', textAlign: 'right', render: (claim) => formatMoney(claim.billed_cents) },
          { accessor: 'allowed_cents', title: 'Allowed', textAlign: 'right', render: (claim) => formatMoney(claim.allowed_cents) },
          { accessor: 'risk_score', title: 'Risk', textAlign: 'right', render: (claim) => claim.risk_score?.toFixed(3) ?? '—' },
          {
            accessor: 'pend_reason',
            title: 'Why it pended',
            render: (claim) => (
              <Text size="sm">
                {claim.pend_reason}
                {(claim.risk_reasons ?? []).slice(0, 2).map((reason) => `; ${reason.detail}`)}
              </Text>
            ),
          },
          { accessor: 'assignment', title: 'Held by', render: (claim) => (claim.assignment as { reviewer?: string } | null)?.reviewer ?? '—' },
        ]}
      />
    </Page>
  );
}

function BulkActions({ selected, onDone }: { selected: QueueItem[]; onDone: () => void }) {
  const decide = useDecideClaims();
  const carcs = useCodeList('carc');
  const [carc, setCarc] = useState<string | null>(null);
  const [note, setNote] = useState('');
  if (!selected.length && !decide.data) return null;
  const run = (action: 'approve' | 'deny') =>
    decide.mutate(
      { action, claim_ids: selected.map((claim) => claim.id!), note, ...(action === 'deny' && carc ? { carc } : {}) },
      { onSuccess: onDone },
    );
  return (
    <Paper withBorder p="sm" role="region" aria-label="Decide the selected claims">
      {selected.length ? (
        <Group align="end" wrap="wrap">
          <Text fw={600}>{selected.length} selected</Text>
          <TextInput label="Note (required)" value={note} onChange={(event) => setNote(event.currentTarget.value)} />
          <Select label="Denial reason (CARC)" searchable clearable w={320} data={(carcs.data?.items ?? []).map((item) => ({ value: item.code ?? '', label: `${item.code} ${item.description}` }))} value={carc} onChange={setCarc} />
          <Button disabled={!note} onClick={() => run('approve')} loading={decide.isPending}>
            Approve selected
          </Button>
          <Button color="#a61e1e" disabled={!note || !carc} onClick={() => run('deny')} loading={decide.isPending}>
            Deny selected
          </Button>
        </Group>
      ) : null}
      {decide.error ? <ErrorMessage error={decide.error} /> : null}
      {decide.data ? (
        <Alert color="blue" mt="xs" role="status">
          {decide.data.decided} decided, {decide.data.awaiting_approval} awaiting a second reviewer, {decide.data.failed} failed.
        </Alert>
      ) : null}
    </Paper>
  );
}
