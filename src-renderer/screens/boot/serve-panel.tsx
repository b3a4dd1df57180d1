import { useState } from 'react';
import { call, CallError, useBridge, useCall } from '../../lib/api';
import { ErrorNotice } from '../../components/error-notice';
import { Busy } from '../../components/busy';
import type { ApiError } from '../../../src-shared/contract/result';
import type { BootStatus, DhcpModeName } from '../../../src-shared/contract/boot';
import type { NetworkInterface } from '../../../src-shared/contract/system';

const kindLabel: Record<NetworkInterface['kind'], string> = {
  wired: 'Wired',
  wireless: 'Wi-Fi',
  virtual: 'Virtual',
  vpn: 'VPN',
  loopback: 'Loopback',
};

/** firstIpv4 is the address a NIC would serve on, for the picker. */
function firstIpv4(n: NetworkInterface): string | null {
  const a = n.addresses.find((x) => x.family === 'IPv4');
  return a === undefined ? null : `${a.address}/${a.prefixLength}`;
}

/** preferred picks a wired, up interface with an IPv4 address, which is where PXE usually works. */
function preferred(nics: readonly NetworkInterface[]): string {
  return (
    nics.find((n) => n.kind === 'wired' && n.up && firstIpv4(n) !== null)?.name ??
    nics.find((n) => n.up && firstIpv4(n) !== null)?.name ??
    ''
  );
}

const dhcpModes: readonly { mode: DhcpModeName; label: string; hint: string }[] = [
  {
    mode: 'proxy',
    label: 'Proxy DHCP',
    hint: 'Beside your router: it keeps handing out addresses, LabBoot only tells PXE clients where to boot.',
  },
  {
    mode: 'full',
    label: 'Full DHCP',
    hint: 'On an isolated lab switch: LabBoot hands out addresses from a range on this interface’s subnet.',
  },
  {
    mode: 'off',
    label: 'DHCP off',
    hint: 'Your router already sends next-server and the boot file name; LabBoot serves only TFTP and HTTP.',
  },
];

function portValue(text: string): number | undefined {
  return text.trim() === '' ? undefined : Number(text);
}

/**
 * ServePanel: pick the interface (kind, address, MTU, warnings), one big Start/Stop button, and the
 * state of each serving part with its address, port and any failure in words.
 */
interface PortFieldProps {
  label: string;
  value: string;
  onChange: (value: string) => void;
  min: number;
  max: number;
  placeholder: string;
  disabled: boolean;
}

/** PortField is one labelled port number input of the Ports section. */
function PortField({ label, value, onChange, min, max, placeholder, disabled }: PortFieldProps) {
  return (
    <label className="field inline">
      <span>{label}</span>
      <input
        type="number"
        min={min}
        max={max}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        placeholder={placeholder}
        disabled={disabled}
      />
    </label>
  );
}

export function ServePanel() {
  const bridge = useBridge();
  const nics = useCall('system.interfaces', {});
  const initial = useCall('boot.status', {});
  const [status, setStatus] = useState<BootStatus | undefined>();
  const [choice, setChoice] = useState<string | null>(null);
  const [modeChoice, setMode] = useState<DhcpModeName | null>(null);
  const [rangeChoice, setRange] = useState<string | null>(null);
  const [tftpPort, setTftpPort] = useState('');
  const [httpPort, setHttpPort] = useState('');
  const [dhcpPort, setDhcpPort] = useState('');
  const [busy, setBusy] = useState<'start' | 'stop' | null>(null);
  const [error, setError] = useState<ApiError | undefined>();

  const current = status ?? initial.data;
  const list = nics.data ?? [];
  // Preselect what the last successful start used, while that interface still exists.
  const last = current?.lastStart ?? null;
  const remembered =
    last?.interfaceName != null && list.some((n) => n.name === last.interfaceName)
      ? last.interfaceName
      : null;
  const selected = choice ?? remembered ?? preferred(list);
  const selectedNic = list.find((n) => n.name === selected);
  const mode: DhcpModeName = modeChoice ?? last?.dhcp ?? 'proxy';
  const range = rangeChoice ?? last?.range ?? '';
  const limitations = useCall('boot.limitations', { dhcp: mode }, mode);

  const act = async (what: 'start' | 'stop'): Promise<void> => {
    setError(undefined);
    setBusy(what);
    try {
      setStatus(
        what === 'start'
          ? await call(bridge, 'boot.start', {
              interfaceName: selected,
              dhcp: mode,
              ...(mode === 'full' && range.trim() !== '' ? { range: range.trim() } : {}),
              ...(portValue(dhcpPort) === undefined ? {} : { dhcpPort: portValue(dhcpPort) }),
              ...(portValue(tftpPort) === undefined ? {} : { tftpPort: portValue(tftpPort) }),
              ...(portValue(httpPort) === undefined ? {} : { httpPort: portValue(httpPort) }),
            })
          : await call(bridge, 'boot.stop', {}),
      );
    } catch (e) {
      if (e instanceof CallError) setError(e.error);
      else throw e;
    } finally {
      setBusy(null);
    }
  };

  const running = current?.running === true;
  return (
    <section aria-labelledby="serve-title" className="panel">
      <div className="panel-head">
        <h2 id="serve-title">Serve network boot</h2>
        <button type="button" onClick={nics.reload} disabled={nics.loading || running}>
          Refresh interfaces
        </button>
      </div>
      {nics.error !== undefined && <ErrorNotice error={nics.error} />}
      {initial.error !== undefined && <ErrorNotice error={initial.error} />}
      <fieldset className="nic-picker" disabled={running}>
        <legend>Interface</legend>
        {list.map((n) => {
          const ip = firstIpv4(n);
          return (
            <label
              key={n.name}
              className={`nic-option${selected === n.name ? ' nic-selected' : ''}`}
            >
              <input
                type="radio"
                name="nic"
                value={n.name}
                checked={selected === n.name}
                onChange={() => setChoice(n.name)}
              />
              <span className="nic-main">
                <code>{n.name}</code>{' '}
                <span className={`badge badge-${n.kind}`} title={n.kindReason}>
                  {kindLabel[n.kind]}
                </span>
                {!n.up && <span className="badge badge-warn">down</span>}
              </span>
              <span className="nic-detail hint">
                {ip ?? 'no IPv4 address'} · MTU {n.mtu ?? '—'}
              </span>
              {n.warning !== null && <span className="nic-warning">{n.warning}</span>}
            </label>
          );
        })}
      </fieldset>
      <fieldset className="nic-picker" disabled={running}>
        <legend>DHCP</legend>
        {dhcpModes.map((m) => (
          <label key={m.mode} className={`nic-option${mode === m.mode ? ' nic-selected' : ''}`}>
            <input
              type="radio"
              name="dhcp-mode"
              value={m.mode}
              checked={mode === m.mode}
              onChange={() => setMode(m.mode)}
            />
            <span className="nic-main">
              {m.label}
              {m.mode === 'proxy' && <span className="hint"> (default)</span>}
            </span>
            <span className="nic-detail hint">{m.hint}</span>
          </label>
        ))}
      </fieldset>
      {mode === 'full' && (
        <div className="toolbar">
          <label className="field inline">
            <span>DHCP range</span>
            <input
              type="text"
              value={range}
              onChange={(e) => setRange(e.target.value)}
              placeholder="e.g. 10.0.0.100-10.0.0.199"
              aria-describedby="range-hint"
              disabled={running}
            />
          </label>
          <span id="range-hint" className="hint">
            {`FIRST-LAST inside ${selected || 'the interface'}’s subnet${selectedNic && firstIpv4(selectedNic) !== null ? ` ${firstIpv4(selectedNic) ?? ''}` : ''}; empty picks the upper half. LabBoot first listens a few seconds for another DHCP server and refuses to run beside one.`}
          </span>
        </div>
      )}
      {(limitations.data ?? []).map((l) => (
        <div key={l.id} className="notice notice-warn" role="note">
          {l.message}
        </div>
      ))}
      <details className="advanced">
        <summary>Ports</summary>
        <div className="toolbar">
          <PortField
            label="TFTP port"
            value={tftpPort}
            onChange={setTftpPort}
            min={0}
            max={65535}
            placeholder="69"
            disabled={running}
          />
          <PortField
            label="HTTP port"
            value={httpPort}
            onChange={setHttpPort}
            min={0}
            max={65535}
            placeholder="5248"
            disabled={running}
          />
          <PortField
            label="DHCP port"
            value={dhcpPort}
            onChange={setDhcpPort}
            min={1}
            max={65534}
            placeholder="67"
            disabled={running}
          />
          <span className="hint">
            0 picks a free TFTP/HTTP port (for testing); firmware asks DHCP on 67 and TFTP on 69.
          </span>
        </div>
      </details>
      <div className="start-row">
        {running ? (
          <button
            type="button"
            className="big-button stop"
            onClick={() => void act('stop')}
            disabled={busy !== null}
          >
            {busy === 'stop' ? 'Stopping…' : 'Stop serving'}
          </button>
        ) : (
          <button
            type="button"
            className="big-button primary"
            onClick={() => void act('start')}
            disabled={busy !== null || selectedNic === undefined}
          >
            {busy === 'start' ? 'Starting…' : `Start serving on ${selected || '…'}`}
          </button>
        )}
        {busy === 'start' && (
          <Busy
            reason={
              mode === 'full'
                ? 'Listening for another DHCP server, then binding the DHCP, TFTP and HTTP ports…'
                : mode === 'proxy'
                  ? 'Binding the DHCP, TFTP and HTTP ports…'
                  : 'Binding the TFTP and HTTP ports…'
            }
          />
        )}
        {current !== undefined && (
          <span className="serve-state" role="status">
            {running
              ? `Serving on ${current.address ?? '?'}${current.interfaceName === null ? '' : ` (${current.interfaceName})`}${current.mtu === null ? '' : `, MTU ${current.mtu}`}${current.dhcp === null ? '' : `, DHCP ${current.dhcp}`}`
              : 'Not serving'}
          </span>
        )}
      </div>
      {error !== undefined && <ErrorNotice error={error} />}
      {current !== undefined &&
        current.warnings.map((w) => (
          <div key={w} className="notice notice-warn" role="status">
            {w}
          </div>
        ))}
      {current !== undefined && current.parts.length > 0 && (
        <table className="table compact parts">
          <caption className="visually-hidden">Serving parts</caption>
          <thead>
            <tr>
              <th scope="col">Part</th>
              <th scope="col">State</th>
              <th scope="col">Listening on</th>
              <th scope="col">Detail</th>
            </tr>
          </thead>
          <tbody>
            {current.parts.map((p) => (
              <tr key={p.name}>
                <th scope="row">{p.name.toUpperCase()}</th>
                <td>
                  <span
                    className={`badge ${p.state === 'running' ? 'badge-ok' : p.state === 'failed' ? 'badge-warn' : 'badge-muted'}`}
                  >
                    {p.state}
                  </span>
                </td>
                <td>
                  <code>
                    {p.address}
                    {p.port === null ? '' : `:${p.port}`}
                  </code>
                </td>
                <td>{p.detail ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
