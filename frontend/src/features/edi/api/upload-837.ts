import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';

import { uploadWithProgress, type Schemas } from '@/lib/api-client';

export type EdiFile = Schemas['EdiFile'];

export function upload837(file: File, onProgress: (fraction: number) => void) {
  const form = new FormData();
  form.append('file', file, file.name);
  return uploadWithProgress<EdiFile>('/api/v1/edi/files', form, onProgress);
}

/** The upload and its progress (0 to 1). */
export function useUpload837() {
  const [progress, setProgress] = useState(0);
  const mutation = useMutation({
    mutationFn: (file: File) => {
      setProgress(0);
      return upload837(file, setProgress);
    },
  });
  return { ...mutation, progress };
}
