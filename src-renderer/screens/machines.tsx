import { useEffect, useMemo, useState } from 'react';
import { useBridge, useCall } from '../lib/api';
import { ErrorNotice } from '../components/error-notice';
import { Busy } from '../components/busy';
import { ProgressBar } from '../components/progress-bar';
import { formatBytes } from '../lib/format';
import { throttle } from '../lib/throttle';
import type { MachineView } from '../../src-shared/contract/deploy';
import {
  canRelease,
  formatTime,
  phaseText,
  stateSummary,
  writing,
  type StateTone,
} from './machines/machine-state';
import { DeployDialog } from './machines/deploy-dialog';
import { ReleaseDialog } from './machines/release-dialog';

/** Refetch at most this often while deploy reports and boot steps stream in. */
const REFRESH_MS = 500;
/** While a deploy runs, refetch this often too: `labboot serve` may run in another process. */
const POLL_MS = 5000;

const badgeClass: Record<StateTone, string> = {
  ok: 'badge badge-ok',
  warn: 'badge badge-warn',
  error: 'badge badge-error',
  muted: 'badge badge-muted',
  busy: 'badge badge-busy',
};

type Action = { kind: 'deploy' | 'release'; machine: MachineView };

/**
 * MachinesScreen lists every MAC LabBoot has seen or deployed with its deploy state (a progress
 * bar while deploying), last boot step and address, and Deploy / Release per machine. It follows
 * the deploy and boot events, refetching at most twice a second.
 */
export function MachinesScreen() {
  const bridge = useBridge();
  const machines = useCall('deploy.machines', {});
  const images = useCall('deploy.images', {});
  const [action, setAction] = useState<Action | undefined>();
  const [done, setDone] = useState<string | undefined>();
  const { reload } = machines;
  const reloadImages = images.reload;
  const refresh = useMemo(() => throttle(reload, REFRESH_MS), [reload]);
  useEffect(() => {
    const offDeploy = bridge.on('deploy.changed', (e) => {
      refresh.trigger();
      if (e.mac === null) reloadImages();
    });
    const offBoot = bridge.on('boot.serve', () => refresh.trigger());
    return () => {
      offDeploy();
      offBoot();
      refresh.cancel();
    };
  }, [bridge, refresh, reloadImages]);
  const deploying = machines.data?.some((m) => m.state === 'deploying') ?? false;
  useEffect(() => {
    if (!deploying) return;
    const timer = setInterval(reload, POLL_MS);
    return () => clearInterval(timer);
  }, [deploying, reload]);

  const list = machines.data;
  return (
    <>
      <p className="lead">
        Every machine LabBoot has seen boot. Deploy writes an uploaded disk image to a
        machine&apos;s disk at its next network boot; once deployed, LabBoot answers its network
        boots with &ldquo;boot your disk&rdquo;. Release returns it to RAM-only boots.
      </p>
      {machines.error !== undefined && <ErrorNotice error={machines.error} />}
      {images.error !== undefined && <ErrorNotice error={images.error} />}
      {done !== undefined && (
        <p className="notice notice-ok" role="status">
          {done}
        </p>
      )}
      {action?.kind === 'deploy' && (
        <DeployDialog
          machine={action.machine}
          images={images.data ?? []}
          onClose={() => setAction(undefined)}
          onDeployed={(m) => {
            setAction(undefined);
            setDone(
              `${m.mac} is marked for deploy of ${m.image ?? 'the image'}; power it on (network boot first) to start the installer.`,
            );
            reload();
          }}
        />
      )}
      {action?.kind === 'release' && (
        <ReleaseDialog
          machine={action.machine}
          onClose={() => setAction(undefined)}
          onReleased={(m) => {
            setAction(undefined);
            setDone(
              m.erasePending
                ? `Released ${m.mac}; its next network boot erases its disk, then boots RAM-only.`
                : `Released ${m.mac}; it boots RAM-only again.`,
            );
            reload();
          }}
        />
      )}
      <section aria-labelledby="machines-list-title" className="panel">
        <h2 id="machines-list-title">Machines</h2>
        {list === undefined && machines.loading && <Busy reason="Reading machines…" />}
        {list !== undefined && list.length === 0 && (
          <p className="hint">
            No machine has booted from LabBoot yet. Start the boot server on the{' '}
            <a href="#/boot">Boot server</a> screen and power a machine on with network boot first;
            it shows here after its first DHCP request.
          </p>
        )}
        {list !== undefined && list.length > 0 && (
          <table className="table machines-table" aria-label="Machines">
            <thead>
              <tr>
                <th scope="col">MAC</th>
                <th scope="col">State</th>
                <th scope="col">Last boot</th>
                <th scope="col">Last address</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.map((m) => (
                <MachineRow
                  key={m.mac}
                  machine={m}
                  onDeploy={() => {
                    setDone(undefined);
                    setAction({ kind: 'deploy', machine: m });
                  }}
                  onRelease={() => {
                    setDone(undefined);
                    setAction({ kind: 'release', machine: m });
                  }}
                />
              ))}
            </tbody>
          </table>
        )}
      </section>
    </>
  );
}

function MachineRow({
  machine: m,
  onDeploy,
  onRelease,
}: {
  machine: MachineView;
  onDeploy: () => void;
  onRelease: () => void;
}) {
  const summary = stateSummary(m);
  return (
    <tr>
      <th scope="row">
        <code>{m.mac}</code>
      </th>
      <td className="machine-state">
        <span className={badgeClass[summary.tone]}>{summary.label}</span>
        {m.state === 'deploying' ? (
          <>
            <ProgressBar
              label={`${m.image ?? 'Image'} → ${m.disk ?? 'auto'}`}
              done={m.bytes}
              total={m.total}
              detail={`${formatBytes(m.bytes)} of ${formatBytes(m.total)}`}
            />
            <div className="hint">{capitalised(phaseText(m.phase))}.</div>
          </>
        ) : (
          <div className={m.state === 'failed' ? 'machine-error' : 'hint'}>{summary.detail}</div>
        )}
      </td>
      <td className="machine-last">
        {m.lastPath === null ? (
          '—'
        ) : (
          <>
            <code className="machine-path">{m.lastPath}</code>
            {m.lastSeenAt !== null && <div className="hint">{formatTime(m.lastSeenAt)}</div>}
          </>
        )}
      </td>
      <td>{m.lastAddress === null ? '—' : <code>{m.lastAddress}</code>}</td>
      <td className="actions">
        <div className="button-row">
          <button
            type="button"
            aria-label={`Deploy to ${m.mac}`}
            disabled={writing(m)}
            title={writing(m) ? 'The installer is writing its disk now.' : undefined}
            onClick={onDeploy}
          >
            Deploy…
          </button>
          {canRelease(m) && (
            <button type="button" aria-label={`Release ${m.mac}`} onClick={onRelease}>
              Release…
            </button>
          )}
        </div>
      </td>
    </tr>
  );
}

function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
