import '@mantine/dropzone/styles.css';

import { Button, Group, Paper, Stack, Text } from '@mantine/core';
import { Dropzone } from '@mantine/dropzone';
import { Link } from 'react-router';

import { LabelledProgress } from '@/components/labelled-progress';
import { Page } from '@/components/page';
import { ErrorMessage } from '@/components/query-state';

import { useUpload837 } from '../api/upload-837';
import { Acknowledgments } from './acknowledgments';
import { FileSummary } from './file-summary';

export default function UploadPage() {
  const upload = useUpload837();
  return (
    <Page title="Upload an 837">
      <Dropzone
        onDrop={(files) => files[0] && upload.mutate(files[0])}
        multiple={false}
        loading={upload.isPending}
        aria-label="Drop an 837 file here or press to choose one"
      >
        <Stack align="center" py="xl" gap={4}>
          <Text size="lg">Drop an X12 837P or 837I file here, or click to choose one.</Text>
          <Text size="sm">The file is kept as received; its 999 and 277CA appear below.</Text>
        </Stack>
      </Dropzone>
      {upload.isPending ? (
        <LabelledProgress label="Upload progress" value={Math.round(upload.progress * 100)} max={100} text={`${Math.round(upload.progress * 100)}% sent`} animated />
      ) : null}
      {upload.error ? <ErrorMessage error={upload.error} /> : null}
      {upload.data ? (
        <Stack>
          <Paper withBorder p="md">
            <FileSummary file={upload.data} />
            <Group mt="sm">
              <Button component={Link} to={`/edi/files/${upload.data.id}`} variant="default">
                Open this file's page
              </Button>
            </Group>
          </Paper>
          <Acknowledgments fileId={upload.data.id!} />
        </Stack>
      ) : null}
    </Page>
  );
}
