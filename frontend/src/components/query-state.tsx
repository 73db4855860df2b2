// Loading, error and empty states shared by every screen, so each shows the API's error shape as
// a readable message the same way.
import { Alert, Center, Loader, Text } from '@mantine/core';
import type { ReactNode } from 'react';

import { ApiError } from '@/lib/api-client';

type QueryLike<T> = { isPending: boolean; error: unknown; data: T | undefined };

export function QueryState<T>({
  query,
  label,
  children,
}: {
  query: QueryLike<T>;
  label: string;
  children: (data: T) => ReactNode;
}) {
  if (query.error) return <ErrorMessage error={query.error} />;
  if (query.isPending || query.data === undefined) {
    return (
      <Center py="xl">
        <Loader aria-label={`Loading ${label}`} />
      </Center>
    );
  }
  return <>{children(query.data)}</>;
}

export function ErrorMessage({ error }: { error: unknown }) {
  if (error instanceof ApiError && (error.status === 403 || error.status === 404)) {
    return (
      <Alert color="red" title={error.status === 403 ? 'Not allowed' : 'Not found'} role="alert">
        {error.status === 403
          ? 'You do not have access to this page. '
          : 'There is nothing here that you may see. '}
        (The server answered {error.status}: {error.message})
      </Alert>
    );
  }
  const message = error instanceof Error ? error.message : String(error);
  return (
    <Alert color="red" title="Something went wrong" role="alert">
      {message}
      {error instanceof ApiError && error.body.request_id ? (
        <Text size="xs" mt="xs">
          Request id: {error.body.request_id}
        </Text>
      ) : null}
    </Alert>
  );
}

export function EmptyState({ children }: { children: ReactNode }) {
  return (
    <Text c="gray.7" py="md">
      {children}
    </Text>
  );
}

/** The server refused or hid the resource: show only the refusal, not an empty screen. */
export function isRefusal(error: unknown): boolean {
  return error instanceof ApiError && (error.status === 403 || error.status === 404);
}
