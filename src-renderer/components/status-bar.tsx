import { useCall } from '../lib/api';

/** StatusBar shows which LabBoot this is and where its data lives, from live data. */
export function StatusBar() {
  const info = useCall('system.info', {});
  const nics = useCall('system.interfaces', {});
  const wired = nics.data?.filter((n) => n.kind === 'wired' && n.up).length;
  return (
    <footer className="statusbar" aria-label="Status">
      {info.error !== undefined ? (
        <span role="alert">LabBoot is not reachable: {info.error.message}</span>
      ) : info.data === undefined ? (
        <span>Connecting…</span>
      ) : (
        <>
          <span>LabBoot {info.data.version}</span>
          <span>{info.data.frontDoor === 'electron' ? 'desktop' : 'browser console'}</span>
          <span title={info.data.databasePath}>Data: {info.data.dataDir}</span>
          {wired !== undefined && (
            <span>
              {wired} wired interface{wired === 1 ? '' : 's'} up
            </span>
          )}
        </>
      )}
    </footer>
  );
}
