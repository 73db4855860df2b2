import 'mantine-datatable/styles.css';

import { zodResolver } from '@hookform/resolvers/zod';
import { Button, Group, NumberInput, Paper, PasswordInput, Select, Stack, Switch, TextInput, Title } from '@mantine/core';
import { DataTable } from 'mantine-datatable';
import { useState } from 'react';
import { Controller, useForm } from 'react-hook-form';
import { z } from 'zod';

import { Page } from '@/components/page';
import { pagedTable } from '@/components/paged-table';
import { ErrorMessage, isRefusal } from '@/components/query-state';
import { formatDateTime } from '@/lib/format';

import { useCreateUser, useUpdateUser, useUsers } from '../api/users';

const ROLES = ['admin', 'insurer', 'provider', 'member'];

const userSchema = z.object({
  username: z.string().regex(/^[A-Za-z0-9._@-]{2,60}$/, '2 to 60 letters, digits or . _ @ -'),
  display_name: z.string(),
  password: z.string().min(8, 'At least 8 characters'),
  role_name: z.string().min(1, 'Choose a role'),
  provider_id: z.number().int().nullable(),
  member_id: z.number().int().nullable(),
});

export default function UsersPage() {
  const [page, setPage] = useState(1);
  const users = useUsers(page);
  const update = useUpdateUser();
  if (isRefusal(users.error)) {
    return (
      <Page title="Users">
        <ErrorMessage error={users.error} />
      </Page>
    );
  }
  return (
    <Page title="Users">
      <NewUserForm />
      {users.error ? <ErrorMessage error={users.error} /> : null}
      {update.error ? <ErrorMessage error={update.error} /> : null}
      <DataTable
        aria-label="Users"
        {...pagedTable(users, page, setPage, 25)}
        noRecordsText="No users"
        columns={[
          { accessor: 'username', title: 'Username' },
          { accessor: 'display_name', title: 'Name' },
          {
            accessor: 'role_name',
            title: 'Role',
            render: (user) => (
              <Select
                aria-label={`Role of ${user.username}`}
                data={ROLES}
                value={user.role_name ?? null}
                allowDeselect={false}
                w={130}
                onChange={(role) => role && update.mutate({ userId: user.id!, change: { role_name: role } })}
              />
            ),
          },
          { accessor: 'provider_id', title: 'Provider / member', render: (user) => (user.provider_id ? `provider org #${user.provider_id}` : user.member_id ? `member #${user.member_id}` : '—') },
          { accessor: 'last_login_at', title: 'Last login', render: (user) => formatDateTime(user.last_login_at) },
          {
            accessor: 'is_active',
            title: 'Active',
            render: (user) => (
              <Switch
                aria-label={`${user.username} may log in`}
                checked={Boolean(user.is_active)}
                onChange={(event) => update.mutate({ userId: user.id!, change: { is_active: event.currentTarget.checked } })}
              />
            ),
          },
        ]}
      />
    </Page>
  );
}

function NewUserForm() {
  const create = useCreateUser();
  const form = useForm({
    resolver: zodResolver(userSchema),
    defaultValues: { username: '', display_name: '', password: '', role_name: 'provider', provider_id: null, member_id: null },
  });
  const role = form.watch('role_name');
  const errors = form.formState.errors;
  const submit = form.handleSubmit((values) => create.mutate(values, { onSuccess: () => form.reset() }));
  return (
    <Paper withBorder p="md">
      <form onSubmit={submit} noValidate aria-label="Create a user">
        <Stack>
          <Title order={2} size="h4">
            Create a user
          </Title>
          <Group align="start" grow wrap="wrap">
            <TextInput label="Username" {...form.register('username')} error={errors.username?.message} />
            <TextInput label="Display name" {...form.register('display_name')} />
            <PasswordInput label="Initial password" {...form.register('password')} error={errors.password?.message} />
            <Controller
              control={form.control}
              name="role_name"
              render={({ field }) => <Select label="Role" data={ROLES} value={field.value} onChange={(value) => field.onChange(value ?? '')} error={errors.role_name?.message} />}
            />
            {role === 'provider' ? (
              <Controller
                control={form.control}
                name="provider_id"
                render={({ field }) => <NumberInput label="Provider organization id" value={field.value ?? ''} onChange={(value) => field.onChange(value === '' ? null : Number(value))} />}
              />
            ) : null}
            {role === 'member' ? (
              <Controller
                control={form.control}
                name="member_id"
                render={({ field }) => <NumberInput label="Member id" value={field.value ?? ''} onChange={(value) => field.onChange(value === '' ? null : Number(value))} />}
              />
            ) : null}
          </Group>
          {create.error ? <ErrorMessage error={create.error} /> : null}
          <Group>
            <Button type="submit" loading={create.isPending}>
              Create user
            </Button>
          </Group>
        </Stack>
      </form>
    </Paper>
  );
}
