import { MantineProvider, createTheme } from '@mantine/core';
import { ModalsProvider } from '@mantine/modals';
import { Notifications } from '@mantine/notifications';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import type { ReactNode } from 'react';

import { ApiError, setSessionExpiredHandler } from '@/lib/api-client';

export const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 15_000,
      refetchOnWindowFocus: false,
      // 4xx answers are final (not found, refused, invalid): retrying them only delays the message.
      retry: (count, error) => !(error instanceof ApiError && error.status < 500) && count < 2,
    },
  },
});

// Darker primary shades than Mantine's default blue, so white button text meets contrast (axe).
const theme = createTheme({ primaryColor: 'indigo', primaryShade: 8, defaultRadius: 'sm' });

export function AppProviders({ children }: { children: ReactNode }) {
  return (
    <MantineProvider theme={theme}>
      <QueryClientProvider client={queryClient}>
        <ModalsProvider modalProps={{ closeButtonProps: { 'aria-label': 'Close' } }}>
          <Notifications />
          {children}
        </ModalsProvider>
      </QueryClientProvider>
    </MantineProvider>
  );
}

let expired = false;

/** A 401 on any call after login: the session expired; forget the user (the layout then sends
 * them to the login page, which says why). */
setSessionExpiredHandler(() => {
  expired = true;
  queryClient.setQueryData(['me'], null);
  queryClient.removeQueries({ predicate: (query) => query.queryKey[0] !== 'me' });
});

/** Whether the session ended under the user (once: the flag is cleared when read). */
export function takeSessionExpired(): boolean {
  const was = expired;
  expired = false;
  return was;
}
