import { SimpleGrid, Text } from '@mantine/core';

import { formatDateTime } from '@/lib/format';

import type { EdiFile } from '../api/upload-837';

export function FileSummary({ file }: { file: EdiFile }) {
  const facts: [string, string | number | null | undefined][] = [
    ['File', `#${file.id} ${file.filename ?? ''}`],
    ['Result', file.status?.replaceAll('_', ' ')],
    ['Transaction', file.transaction],
    ['Transaction sets accepted', `${file.transaction_sets_accepted} of ${file.transaction_sets}`],
    ['Claims staged', `${file.claims_staged} of ${file.claims_received}`],
    ['Received', formatDateTime(file.received_at)],
  ];
  return (
    <SimpleGrid cols={{ base: 1, sm: 3 }} component="dl" m={0} spacing="xs">
      {facts.map(([label, value]) => (
        <div key={label}>
          <Text component="dt" size="sm">
            {label}
          </Text>
          <Text component="dd" m={0} fw={600}>
            {value ?? '—'}
          </Text>
        </div>
      ))}
    </SimpleGrid>
  );
}
