import type { ApiError } from '../../src-shared/contract/result';

/** ErrorNotice shows a service's one-sentence error where the action failed. */
export function ErrorNotice({ error }: { error: ApiError }) {
  return (
    <div className="notice notice-error" role="alert">
      {error.message}
    </div>
  );
}
