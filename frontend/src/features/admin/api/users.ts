import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';

import { api, unwrap } from '@/lib/api-client';
import type { paths } from '@/lib/api-schema';

export type NewUser = NonNullable<paths['/api/v1/users']['post']['requestBody']>['content']['application/json'];
export type UserChange = NonNullable<paths['/api/v1/users/{user_id}']['patch']['requestBody']>['content']['application/json'];

export async function getUsers(page: number) {
  return unwrap(await api.GET('/api/v1/users', { params: { query: { page, page_size: 25 } } }));
}

export function useUsers(page: number) {
  return useQuery({ queryKey: ['users', page], queryFn: () => getUsers(page), placeholderData: keepPreviousData });
}

export async function createUser(body: NewUser) {
  return unwrap(await api.POST('/api/v1/users', { body }));
}

export function useCreateUser() {
  const client = useQueryClient();
  return useMutation({ mutationFn: createUser, onSuccess: () => client.invalidateQueries({ queryKey: ['users'] }) });
}

export async function updateUser({ userId, change }: { userId: number; change: UserChange }) {
  return unwrap(await api.PATCH('/api/v1/users/{user_id}', { params: { path: { user_id: userId } }, body: change }));
}

export function useUpdateUser() {
  const client = useQueryClient();
  return useMutation({ mutationFn: updateUser, onSuccess: () => client.invalidateQueries({ queryKey: ['users'] }) });
}
