import { useCall } from '../lib/api';
import { InterfaceList } from '../components/interface-list';
import { ErrorNotice } from '../components/error-notice';

/** BootServerScreen: where PXE is served from. Starts with the interface picker's data. */
export function BootServerScreen() {
  const nics = useCall('system.interfaces', {});
  return (
    <section aria-labelledby="nics-title" className="panel">
      <div className="panel-head">
        <h2 id="nics-title">Network interfaces</h2>
        <button type="button" onClick={nics.reload} disabled={nics.loading}>
          Refresh
        </button>
      </div>
      <p className="lead">
        Clients boot over the interface you serve on. Choose the wired port that is plugged into the
        lab network.
      </p>
      {nics.error !== undefined && <ErrorNotice error={nics.error} />}
      {nics.data !== undefined && <InterfaceList nics={nics.data} />}
    </section>
  );
}
