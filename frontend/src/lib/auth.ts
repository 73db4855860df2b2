import { useQuery } from '@tanstack/react-query';

import { ApiError, api, setCsrfToken, type Schemas } from '@/lib/api-client';

export type Me = Schemas['Me'];

/** Who is logged in, or null when nobody is (a 401 here is an answer, not an error). */
export async function getMe(): Promise<Me | null> {
  try {
    const { data } = await api.GET('/api/v1/auth/me');
    setCsrfToken(data?.csrf_token ?? null);
    return data ?? null;
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return null;
    throw error;
  }
}

export function useMe() {
  return useQuery({ queryKey: ['me'], queryFn: getMe, staleTime: Infinity });
}

export function can(me: Me | null | undefined, permission: string): boolean {
  return Boolean(me?.permissions?.includes(permission));
}
