/**
 * uploadImage streams a picked file to the browser console's upload endpoint. XMLHttpRequest,
 * not fetch: only it reports the bytes of a request body sent so far, and it sends a File from
 * disk without reading it into memory. The token travels in the Authorization header, as for
 * every call.
 */
import {
  IMAGE_UPLOAD_PATH,
  type CustomImageView,
  type ImageImportSettings,
} from '../../src-shared/contract/deploy';
import type { UploadProgress } from '../../src-shared/contract/bridge';
import type { CallResult } from '../../src-shared/contract/result';

/** uploadQuery is the endpoint's query: the import settings and the file name for messages. */
export function uploadQuery(settings: ImageImportSettings, fileName: string): string {
  const query = new URLSearchParams();
  query.set('name', settings.name);
  if (settings.kind !== undefined) query.set('kind', settings.kind);
  if (settings.arch !== undefined) query.set('arch', settings.arch);
  if (settings.firmware !== undefined) query.set('firmware', settings.firmware);
  query.set('file', fileName);
  return query.toString();
}

const offline = (why: string): CallResult<never> => ({
  ok: false,
  error: {
    code: 'offline',
    message: `The upload did not reach LabBoot (${why}); is the console still running?`,
  },
});

/** uploadImage sends `file` to the console at `base` and resolves with its CallResult. */
export function uploadImage(
  base: string,
  token: string,
  file: File,
  settings: ImageImportSettings,
  onProgress: UploadProgress,
): Promise<CallResult<CustomImageView>> {
  return new Promise((resolve) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `${base}${IMAGE_UPLOAD_PATH}?${uploadQuery(settings, file.name)}`);
    xhr.setRequestHeader('Authorization', `Bearer ${token}`);
    xhr.setRequestHeader('Content-Type', 'application/octet-stream');
    xhr.upload.onprogress = (e) => onProgress(e.loaded, e.lengthComputable ? e.total : file.size);
    xhr.onerror = () => resolve(offline('network error'));
    xhr.onabort = () => resolve(offline('cancelled'));
    xhr.onload = () => {
      try {
        resolve(JSON.parse(xhr.responseText) as CallResult<CustomImageView>);
      } catch {
        resolve(offline(`HTTP ${xhr.status} without a LabBoot answer`));
      }
    };
    xhr.send(file);
  });
}
