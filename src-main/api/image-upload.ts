/**
 * The browser console's upload of a custom disk image (`POST /api/upload/custom-image?name=…`):
 * the request body, application/octet-stream of a declared Content-Length, streams chunk by chunk
 * into the same import as `labboot images import` (kind from magic bytes, sha256, full check), so
 * a multi-GB image is never held in memory. A body that stops early (the page closed, the upload
 * cancelled) leaves nothing stored. The token, Host and Origin checks happen before this runs.
 */
import type { IncomingMessage } from 'node:http';
import { z } from 'zod';
import { imageImportSettingsSchema, type CustomImageView } from '../../src-shared/contract/deploy';
import type { CallResult } from '../../src-shared/contract/result';
import { isUserError } from '../../src-shared/errors';
import type { ImportSettings, ImportSource } from '../deploy/image-import';
import { seeTheLog, type Logger } from '../logger';

/** Stores an upload as a custom image (DeployService.importStream). */
export type ImageUploader = (
  settings: ImportSettings,
  source: ImportSource,
) => Promise<CustomImageView>;

/** The largest upload taken: far above any compressed disk image of a home lab. */
export const maxUploadBytes = 256 * 1024 ** 3;

/** An answer to an upload: the HTTP status and a CallResult. */
export interface UploadAnswer {
  readonly status: number;
  readonly body: CallResult<CustomImageView>;
}

const refused = (status: number, code: string, message: string): UploadAnswer => ({
  status,
  body: { ok: false, error: { code, message } },
});

/**
 * receiveImageUpload checks an upload's headers and query, then streams its body to `upload`. It
 * never throws: bad input and import failures come back as an answer (which a client that went
 * away never reads).
 */
export async function receiveImageUpload(
  req: IncomingMessage,
  url: URL,
  upload: ImageUploader,
  log?: Logger,
): Promise<UploadAnswer> {
  if (req.method !== 'POST')
    return refused(405, 'method', 'Upload an image with POST and the file as the body.');
  if (!(req.headers['content-type'] ?? '').startsWith('application/octet-stream'))
    return refused(
      415,
      'content-type',
      'Send the image file as application/octet-stream, its bytes unchanged.',
    );
  // `file` only names the upload in error sentences; the rest are the import settings.
  const query = new URLSearchParams(url.searchParams);
  const file = query
    .get('file')
    ?.replace(/[^\w .+-]/g, '')
    .slice(0, 120);
  query.delete('file');
  const settings = imageImportSettingsSchema.safeParse(Object.fromEntries(query));
  if (!settings.success)
    return refused(
      400,
      'bad-input',
      `Invalid upload settings: ${z.prettifyError(settings.error).replaceAll('\n', ' ')}`,
    );
  const length = req.headers['content-length'];
  const size = length === undefined ? Number.NaN : Number(length);
  if (!Number.isSafeInteger(size) || size < 0)
    return refused(
      411,
      'length-required',
      'The upload must say its size (Content-Length); send the file itself as the body.',
    );
  if (size > maxUploadBytes)
    return refused(
      413,
      'too-large',
      `The file has ${size} bytes, more than the ${maxUploadBytes} an upload may have; import it with labboot images import on this computer instead.`,
    );
  const label = file === undefined || file === '' ? 'The uploaded file' : file;
  try {
    const image = await upload(settings.data, { label, size, chunks: req });
    return { status: 200, body: { ok: true, value: image } };
  } catch (error) {
    if (isUserError(error)) {
      if (req.destroyed || req.readableAborted)
        log?.warn('http-api', `the upload of ${label} stopped: ${error.message}`);
      return refused(error.code === 'disk-full' ? 507 : 422, error.code, error.message);
    }
    log?.error('http-api', `the upload of ${label} failed: ${String(error)}`);
    return refused(500, 'internal', `Internal error while storing the upload; ${seeTheLog(log)}.`);
  }
}
