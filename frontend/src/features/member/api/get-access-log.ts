import { keepPreviousData, useQuery } from '@tanstack/react-query';

import { api, unwrap } from '@/lib/api-client';

/** Who has looked at a member's records and claims (the audit trail's rows about them). */
export async function getAccessLog(memberId: number, page: number) {
  return unwrap(
    await api.GET('/api/v1/members/{member_id}/access-log', {
      params: { path: { member_id: memberId }, query: { page, page_size: PAGE_SIZE } },
    }),
  );
}

export const PAGE_SIZE = 25;

export function useAccessLog(memberId: number | null | undefined, page: number) {
  return useQuery({
    queryKey: ['access-log', memberId, page],
    queryFn: () => getAccessLog(memberId!, page),
    enabled: memberId != null,
    placeholderData: keepPreviousData,
  });
}
