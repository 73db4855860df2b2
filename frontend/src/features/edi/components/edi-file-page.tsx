import { Paper, Stack } from '@mantine/core';
import { useParams } from 'react-router';

import { Page } from '@/components/page';
import { QueryState } from '@/components/query-state';

import { useEdiFile } from '../api/get-edi-file';
import { Acknowledgments } from './acknowledgments';
import { FileSummary } from './file-summary';

export default function EdiFilePage() {
  const fileId = Number(useParams().fileId);
  const file = useEdiFile(fileId);
  return (
    <Page title={`837 file #${fileId}`}>
      <QueryState query={file} label="the file">
        {(data) => (
          <Stack>
            <Paper withBorder p="md">
              <FileSummary file={data} />
            </Paper>
            <Acknowledgments fileId={fileId} />
          </Stack>
        )}
      </QueryState>
    </Page>
  );
}
