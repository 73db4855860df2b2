import { useMutation, useQueryClient } from '@tanstack/react-query';

import { api, setCsrfToken } from '@/lib/api-client';

export type Credentials = { username: string; password: string };

export async function login(credentials: Credentials) {
  const { data } = await api.POST('/api/v1/auth/login', { body: credentials });
  setCsrfToken(data?.csrf_token ?? null);
  return data ?? null;
}

export function useLogin() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: login,
    onSuccess: (me) => {
      client.clear();
      client.setQueryData(['me'], me);
    },
  });
}

export async function logout() {
  await api.POST('/api/v1/auth/logout');
  setCsrfToken(null);
}

export function useLogout() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: logout,
    onSettled: () => {
      client.clear();
      client.setQueryData(['me'], null);
    },
  });
}
