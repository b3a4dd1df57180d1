import type { MultiSourceWarning } from '../../src-shared/contract/sources';

/**
 * MultiSourceBanner shows MAAS's caution (multisource.md §2.2) verbatim, names the sources in the
 * order they are consulted, and says why the image controls below are read-only.
 */
export function MultiSourceBanner({ warning }: { warning: MultiSourceWarning }) {
  return (
    <div className="notice notice-warn banner" role="status" data-testid="too-many-sources">
      <strong className="banner-title">Image management is read-only</strong>
      <p>{warning.text}</p>
      <p className="hint">
        Sources, in the order they are consulted (the first that lists an image supplies it):{' '}
        {warning.sources.map((name, i) => (
          <span key={name}>
            {i > 0 && ', '}
            <strong>{name}</strong>
          </span>
        ))}
        . Remove all but one on the <a href="#/sources">Sources</a> screen, or use{' '}
        <code>labboot sources</code>, to manage images here again.
      </p>
    </div>
  );
}
