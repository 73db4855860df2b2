import 'mantine-datatable/styles.css';

import { zodResolver } from '@hookform/resolvers/zod';
import { Alert, Button, Checkbox, Code, CopyButton, Group, MultiSelect, Paper, Select, Stack, Text, TextInput, Title } from '@mantine/core';
import { modals } from '@mantine/modals';
import { DataTable } from 'mantine-datatable';
import { useState } from 'react';
import { Controller, useForm } from 'react-hook-form';
import { z } from 'zod';

import { Page } from '@/components/page';
import { ErrorMessage, isRefusal } from '@/components/query-state';
import { useMe } from '@/lib/auth';
import { formatDateTime } from '@/lib/format';

import { useCreateToken, useRevokeToken, useTokens } from '../api/tokens';
import { useUsers } from '../api/users';

const tokenSchema = z.object({
  user_id: z.string().min(1, 'Choose the user the token acts as'),
  name: z.string().trim().min(1, 'Say what the token is for').max(80),
  scopes: z.array(z.string()).min(1, 'Choose at least one scope'),
});

export default function TokensPage() {
  const [showRevoked, setShowRevoked] = useState(false);
  const tokens = useTokens(showRevoked);
  const revoke = useRevokeToken();
  const users = useUsers(1);
  const userNames = new Map((users.data?.items ?? []).map((user) => [user.id, user.username]));

  const confirmRevoke = (tokenId: number, name: string) =>
    modals.openConfirmModal({
      title: `Revoke the token "${name}"?`,
      children: <Text size="sm">Integrations using it will be refused from now on. This cannot be undone.</Text>,
      labels: { confirm: 'Revoke', cancel: 'Keep it' },
      confirmProps: { color: '#a61e1e' },
      onConfirm: () => revoke.mutate(tokenId),
    });

  if (isRefusal(tokens.error)) {
    return (
      <Page title="API tokens">
        <ErrorMessage error={tokens.error} />
      </Page>
    );
  }
  return (
    <Page title="API tokens">
      <NewTokenForm users={users.data?.items ?? []} />
      <Checkbox label="Show revoked tokens" checked={showRevoked} onChange={(event) => setShowRevoked(event.currentTarget.checked)} />
      {tokens.error ? <ErrorMessage error={tokens.error} /> : null}
      {revoke.error ? <ErrorMessage error={revoke.error} /> : null}
      <DataTable
        aria-label="API tokens"
        withTableBorder
        striped
        minHeight={160}
        fetching={tokens.isFetching}
        records={tokens.data?.items ?? []}
        noRecordsText="No tokens"
        columns={[
          { accessor: 'name', title: 'Name' },
          { accessor: 'prefix', title: 'Prefix', render: (token) => <Code>{token.prefix}</Code> },
          { accessor: 'user_id', title: 'User', render: (token) => userNames.get(token.user_id) ?? `#${token.user_id}` },
          { accessor: 'scopes', title: 'Scopes', render: (token) => token.scopes?.join(', ') },
          { accessor: 'last_used_at', title: 'Last used', render: (token) => formatDateTime(token.last_used_at) },
          {
            accessor: 'revoked_at',
            title: 'State',
            render: (token) =>
              token.revoked_at ? (
                `revoked ${formatDateTime(token.revoked_at)}`
              ) : (
                <Button size="xs" color="#a61e1e" variant="outline" onClick={() => confirmRevoke(token.id!, token.name ?? '')} aria-label={`Revoke ${token.name}`}>
                  Revoke
                </Button>
              ),
          },
        ]}
      />
    </Page>
  );
}

type User = { id?: number; username?: string };

function NewTokenForm({ users }: { users: User[] }) {
  const me = useMe().data;
  const create = useCreateToken();
  const form = useForm({ resolver: zodResolver(tokenSchema), defaultValues: { user_id: '', name: '', scopes: [] as string[] } });
  const submit = form.handleSubmit((values) =>
    create.mutate({ user_id: Number(values.user_id), name: values.name, scopes: values.scopes, expires_at: null }, { onSuccess: () => form.reset() }),
  );
  const errors = form.formState.errors;
  return (
    <Paper withBorder p="md">
      <form onSubmit={submit} noValidate aria-label="Create a token">
        <Stack>
          <Title order={2} size="h4">
            Create a token
          </Title>
          <Group align="start" grow wrap="wrap">
            <Controller
              control={form.control}
              name="user_id"
              render={({ field }) => (
                <Select
                  label="Acts as user"
                  searchable
                  data={users.map((user) => ({ value: String(user.id), label: user.username ?? '' }))}
                  value={field.value || null}
                  onChange={(value) => field.onChange(value ?? '')}
                  error={errors.user_id?.message}
                />
              )}
            />
            <TextInput label="Token name" {...form.register('name')} error={errors.name?.message} />
          </Group>
          <Controller
            control={form.control}
            name="scopes"
            render={({ field }) => (
              <MultiSelect label="Scopes" data={me?.permissions ?? []} value={field.value} onChange={field.onChange} error={errors.scopes?.message} searchable />
            )}
          />
          {create.error ? <ErrorMessage error={create.error} /> : null}
          <Group>
            <Button type="submit" loading={create.isPending}>
              Create token
            </Button>
          </Group>
        </Stack>
      </form>
      {create.data ? (
        <Alert color="green" mt="md" title="Token created: copy it now, it is shown this once" role="status">
          <Group>
            <Code data-testid="new-token" style={{ wordBreak: 'break-all' }}>
              {create.data.token}
            </Code>
            <CopyButton value={create.data.token ?? ''}>
              {({ copied, copy }) => (
                <Button size="xs" variant="default" onClick={copy}>
                  {copied ? 'Copied' : 'Copy'}
                </Button>
              )}
            </CopyButton>
          </Group>
        </Alert>
      ) : null}
    </Paper>
  );
}
