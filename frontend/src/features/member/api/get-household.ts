import { useQuery } from '@tanstack/react-query';

import { api, unwrap } from '@/lib/api-client';

/** The members the caller may see: for a member, themself and their minor dependents. */
export async function getHousehold() {
  return unwrap(await api.GET('/api/v1/members', { params: { query: { page_size: 50 } } }));
}

export function useHousehold() {
  return useQuery({ queryKey: ['household'], queryFn: getHousehold, staleTime: 5 * 60_000 });
}

export async function getMember(memberId: number) {
  return unwrap(await api.GET('/api/v1/members/{member_id}', { params: { path: { member_id: memberId } } }));
}

export function useMember(memberId: number | null | undefined) {
  return useQuery({ queryKey: ['member', memberId], queryFn: () => getMember(memberId!), enabled: memberId != null });
}
