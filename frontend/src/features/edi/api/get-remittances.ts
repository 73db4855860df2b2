import { keepPreviousData, useQuery } from '@tanstack/react-query';

import { api, unwrap } from '@/lib/api-client';

export async function getRemittances(page: number) {
  return unwrap(await api.GET('/api/v1/edi/remittances', { params: { query: { page, page_size: 25 } } }));
}

export function useRemittances(page: number) {
  return useQuery({ queryKey: ['remittances', page], queryFn: () => getRemittances(page), placeholderData: keepPreviousData });
}

export async function getRemittanceText(documentId: number): Promise<string> {
  const result = await api.GET('/api/v1/edi/remittances/{document_id}', {
    params: { path: { document_id: documentId } },
    parseAs: 'text',
  });
  return result.data as unknown as string;
}

export function useRemittanceText(documentId: number) {
  return useQuery({ queryKey: ['remittance', documentId], queryFn: () => getRemittanceText(documentId) });
}
