import { Anchor, Paper, SimpleGrid, Text } from '@mantine/core';
import { Link, Navigate } from 'react-router';

import { Page } from '@/components/page';
import { useMe } from '@/lib/auth';

import { useClaimCounts, type ClaimCount } from '../api/get-claims';

const COUNTS: ClaimCount[] = [
  { label: 'Paid', query: { decision: 'paid' } },
  { label: 'Denied', query: { decision: 'denied' } },
  { label: 'Pended for review', query: { decision: 'pended' } },
  { label: 'Rejected by edits', query: { status: 'rejected' } },
  { label: 'Waiting for adjudication', query: { status: 'pending' } },
];

export default function HomePage() {
  const me = useMe().data;
  if (me?.member_id != null) return <Navigate to="/my/claims" replace />;
  if (!me?.permissions?.includes('claims:read')) {
    return (
      <Page title="Home">
        <Text>Use the menu to manage users, tokens and the system.</Text>
      </Page>
    );
  }
  return <ClaimCounts name={me.display_name || me.username || ''} />;
}

function ClaimCounts({ name }: { name: string }) {
  const results = useClaimCounts(COUNTS);
  return (
    <Page title={`Welcome, ${name}`}>
      <Text>Your claims by status:</Text>
      <SimpleGrid cols={{ base: 1, xs: 2, md: 5 }}>
        {COUNTS.map((count, index) => {
          const result = results[index];
          const search = new URLSearchParams(count.query as Record<string, string>).toString();
          return (
            <Paper key={count.label} withBorder p="md">
              <Text size="sm">{count.label}</Text>
              <Text size="xl" fw={700}>
                {result.error ? 'unavailable' : result.data ? result.data.total?.toLocaleString() : '…'}
              </Text>
              <Anchor component={Link} to={`/claims?${search}`} size="sm">
                See {count.label.toLowerCase()} claims
              </Anchor>
            </Paper>
          );
        })}
      </SimpleGrid>
    </Page>
  );
}
