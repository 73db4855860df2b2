import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';

import { api, unwrap } from '@/lib/api-client';

export async function getPaymentCycles(page: number) {
  return unwrap(await api.GET('/api/v1/payment-cycles', { params: { query: { page, page_size: 25 } } }));
}

export function usePaymentCycles(page: number) {
  return useQuery({ queryKey: ['payment-cycles', page], queryFn: () => getPaymentCycles(page), placeholderData: keepPreviousData });
}

export async function getPaymentCycle(cycleId: number) {
  return unwrap(await api.GET('/api/v1/payment-cycles/{cycle_id}', { params: { path: { cycle_id: cycleId } } }));
}

export function usePaymentCycle(cycleId: number) {
  return useQuery({ queryKey: ['payment-cycle', cycleId], queryFn: () => getPaymentCycle(cycleId) });
}

export async function runPaymentCycle() {
  return unwrap(await api.POST('/api/v1/payment-cycles', { body: { batch_id: null, payment_date: null } }));
}

export function useRunPaymentCycle() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: runPaymentCycle,
    onSuccess: () => {
      client.invalidateQueries({ queryKey: ['payment-cycles'] });
      client.invalidateQueries({ queryKey: ['remittances'] });
    },
  });
}
