import { useState, type FormEvent } from 'react';
import { call, CallError, useBridge, useCall, useEvent } from '../../lib/api';
import { ErrorNotice } from '../../components/error-notice';
import { Busy } from '../../components/busy';
import type { ApiError } from '../../../src-shared/contract/result';
import type { LeaseView, ReservationView } from '../../../src-shared/contract/machines';

const stateLabel = { offered: 'offered', bound: 'leased', declined: 'declined' } as const;

function expiry(l: LeaseView): string {
  const at = new Date(l.expiresAt);
  return `${at.toLocaleDateString()} ${at.toLocaleTimeString()}`;
}

/** state says what the row means now: an expired lease or offer no longer holds its address. */
function state(l: LeaseView): string {
  return l.expired ? `${stateLabel[l.state]}, ended` : stateLabel[l.state];
}

function where(r: ReservationView): string {
  if (r.unused) return 'not on the served subnet: unused';
  if (r.inPool === null) return '—';
  return r.inPool ? 'in the DHCP range' : 'outside the range';
}

/**
 * MachinesPanel lists what full DHCP gave whom (MAC, IP, hostname, expiry) and the static
 * reservations: a MAC that always gets one address. Reservations are checked against the subnet
 * and range of the current or last full-DHCP start; a refusal says what to do.
 */
export function MachinesPanel() {
  const bridge = useBridge();
  const machines = useCall('machines.list', {});
  useEvent('machines.changed', () => machines.reload());
  const [error, setError] = useState<ApiError | undefined>();
  const [mac, setMac] = useState('');
  const [ip, setIp] = useState('');
  const [done, setDone] = useState<string | null>(null);

  const run = async (fn: () => Promise<string>): Promise<boolean> => {
    setError(undefined);
    setDone(null);
    try {
      setDone(await fn());
      machines.reload();
      return true;
    } catch (e) {
      if (e instanceof CallError) setError(e.error);
      else throw e;
      return false;
    }
  };
  const reserve = (m: string, address: string): Promise<boolean> =>
    run(async () => {
      const r = await call(bridge, 'machines.reserve', { mac: m, ip: address });
      return `Reserved ${r.ip} for ${r.mac}${r.inPool === false ? '; it is outside the DHCP range, so make sure no other host uses it' : ''}.`;
    });
  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    if (await reserve(mac.trim(), ip.trim())) {
      setMac('');
      setIp('');
    }
  };

  const view = machines.data;
  return (
    <section aria-labelledby="machines-title" className="panel">
      <h2 id="machines-title">Machines and leases</h2>
      <p className="hint">
        To deploy an image to a machine&apos;s disk or release it, see the{' '}
        <a href="#/machines">Machines</a> screen.
      </p>
      {machines.error !== undefined && <ErrorNotice error={machines.error} />}
      {view === undefined && machines.loading && <Busy reason="Reading leases…" />}
      {view !== undefined &&
        (view.setup === null ? (
          <p className="notice notice-warn">{view.setupProblem}</p>
        ) : (
          <p className="hint">
            Full DHCP on <strong>{view.setup.interfaceName}</strong> ({view.setup.address}), subnet{' '}
            {view.setup.subnet}, range {view.setup.range}.
          </p>
        ))}
      <h3 className="subhead">Leases</h3>
      {view !== undefined && view.leases.length === 0 && (
        <p className="hint">No leases yet: full DHCP has not given any machine an address.</p>
      )}
      {view !== undefined && view.leases.length > 0 && (
        <table className="table compact" aria-label="DHCP leases">
          <thead>
            <tr>
              <th scope="col">MAC</th>
              <th scope="col">IP</th>
              <th scope="col">Hostname</th>
              <th scope="col">State</th>
              <th scope="col">Expires</th>
              <th scope="col">Interface</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {view.leases.map((l) => (
              <tr key={`${l.interfaceName}|${l.ip}`}>
                <th scope="row">
                  <code>{l.mac}</code>
                </th>
                <td>
                  <code>{l.ip}</code>
                </td>
                <td>{l.hostname ?? '—'}</td>
                <td>
                  {state(l)}
                  {l.reserved && (
                    <>
                      {' '}
                      <span className="badge badge-ok">reserved</span>
                    </>
                  )}
                </td>
                <td>{expiry(l)}</td>
                <td>{l.interfaceName}</td>
                <td className="actions">
                  {!l.reserved && l.state !== 'declined' && (
                    <button
                      type="button"
                      aria-label={`Reserve ${l.ip} for ${l.mac}`}
                      onClick={() => void reserve(l.mac, l.ip)}
                    >
                      Reserve
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h3 className="subhead">Reservations</h3>
      {error !== undefined && <ErrorNotice error={error} />}
      {done !== null && (
        <p className="notice notice-ok" role="status">
          {done}
        </p>
      )}
      {view !== undefined && view.reservations.length > 0 && (
        <table className="table compact" aria-label="DHCP reservations">
          <thead>
            <tr>
              <th scope="col">MAC</th>
              <th scope="col">IP</th>
              <th scope="col">Where</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {view.reservations.map((r) => (
              <tr key={r.mac}>
                <th scope="row">
                  <code>{r.mac}</code>
                </th>
                <td>
                  <code>{r.ip}</code>
                </td>
                <td>{where(r)}</td>
                <td className="actions">
                  <button
                    type="button"
                    aria-label={`Remove the reservation of ${r.mac}`}
                    onClick={() =>
                      void run(async () => {
                        await call(bridge, 'machines.unreserve', { mac: r.mac });
                        return `Removed the reservation of ${r.mac}; ${r.ip} is free again.`;
                      })
                    }
                  >
                    Remove
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <form className="toolbar" onSubmit={(e) => void submit(e)}>
        <label className="field inline">
          <span>Machine MAC</span>
          <input
            value={mac}
            onChange={(e) => setMac(e.target.value)}
            placeholder="52:54:00:12:34:56"
            required
            size={18}
            spellCheck={false}
          />
        </label>
        <label className="field inline">
          <span>Reserved IP</span>
          <input
            value={ip}
            onChange={(e) => setIp(e.target.value)}
            placeholder="10.0.0.50"
            required
            size={15}
            spellCheck={false}
          />
        </label>
        <button type="submit" disabled={mac.trim() === '' || ip.trim() === ''}>
          Reserve address
        </button>
      </form>
      <p className="hint">
        A reserved machine always gets its address from full DHCP, and no other machine is offered
        it. Addresses outside the range work too; keep other hosts off them.
      </p>
    </section>
  );
}
