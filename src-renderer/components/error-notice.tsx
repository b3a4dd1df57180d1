import type { ApiError } from '../../src-shared/contract/result';

/** ErrorNotice shows a service's one-sentence error where the action failed. */
export function ErrorNotice({ error }: { error: ApiError }) {
  return (
    <div className="notice notice-error" role="alert">
      {/* Services start sentences with a label that may be lower case ("the network config …"). */}
      {error.message.charAt(0).toUpperCase() + error.message.slice(1)}
    </div>
  );
}
