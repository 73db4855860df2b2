// The code lists the API loads (CARC, RARC, procedures, diagnoses), for pickers and descriptions.
import { useQuery } from '@tanstack/react-query';

import { api, unwrap } from './api-client';

export type CodeListName = 'carc' | 'rarc' | 'procedures' | 'diagnoses' | 'modifiers' | 'places-of-service';

export async function getCodes(list: CodeListName, q = '', limit = 2000) {
  const path = `/api/v1/reference/${list}` as '/api/v1/reference/carc';
  return unwrap(await api.GET(path, { params: { query: { q, limit } } }));
}

/** A whole short list (CARC, RARC), cached for the session. */
export function useCodeList(list: CodeListName) {
  return useQuery({ queryKey: ['codes', list], queryFn: () => getCodes(list), staleTime: Infinity });
}

/** Code to description, for showing CARC/RARC next to amounts. */
export function useCodeDescriptions(list: 'carc' | 'rarc'): Record<string, string> {
  const codes = useCodeList(list);
  return Object.fromEntries((codes.data?.items ?? []).map((item) => [item.code ?? '', item.description ?? '']));
}
