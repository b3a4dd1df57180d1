import type { EsxiPreview } from '../../../src-shared/esxi/schema';

type Plan = EsxiPreview['plan'];
type Ip4 = Plan['vmks'][number]['ipv4'];
type Ip6 = Plan['vmks'][number]['ipv6'];

function ip4Text(ip: Ip4): string {
  if (ip === null) return '—';
  return ip.mode === 'dhcp' ? 'DHCP' : `${ip.address}/${ip.prefixLength}`;
}

function ip6Text(ip: Ip6): string {
  if (ip === null) return '—';
  if (ip.mode === 'dhcp') return 'DHCPv6';
  return `${ip.address} (asked /${ip.prefixLength})${ip.gateway === null ? '' : ` via ${ip.gateway}`}`;
}

/** exitSummary says in words how the first-boot script ends. */
function exitSummary(preview: EsxiPreview): { tone: 'ok' | 'warn' | 'error'; text: string } {
  if (preview.exit === 0) {
    return preview.warnings.length === 0
      ? { tone: 'ok', text: 'The script finishes and applies everything below.' }
      : {
          tone: 'warn',
          text: `The script finishes, with ${preview.warnings.length} warning${preview.warnings.length === 1 ? '' : 's'}.`,
        };
  }
  if (preview.exit === 78) {
    return {
      tone: 'error',
      text: 'Exit 78: the script accepts only network config version 1, so it changes nothing. Export the config from MAAS as version 1.',
    };
  }
  const abort = preview.plan.abort;
  return {
    tone: 'error',
    text: `Exit ${preview.exit}: the script stops early${abort === null ? '' : ` (${abort.exception} at ${abort.source.label}: ${abort.message})`}; commands before that point stay applied, nothing after runs — including DNS.`,
  };
}

/** ResultView shows what ESXi ends up with: switches, port groups, vmks, routes, DNS and commands. */
export function ResultView({ preview }: { preview: EsxiPreview }) {
  const plan = preview.plan;
  const summary = exitSummary(preview);
  return (
    <div className="esxi-result" aria-label="What ESXi gets" role="region">
      <div className={`notice notice-${summary.tone}`} role="status" data-testid="esxi-exit">
        {summary.text}
      </div>
      {preview.warnings.length > 0 && (
        <section aria-labelledby="esxi-warnings">
          <h3 id="esxi-warnings">Warnings the script prints</h3>
          <ul className="script-warnings">
            {preview.warnings.map((w, i) => (
              <li key={i}>
                <code>{w}</code>
              </li>
            ))}
          </ul>
        </section>
      )}
      {plan.notes.length > 0 && (
        <section aria-labelledby="esxi-notes">
          <h3 id="esxi-notes">Worth knowing</h3>
          <ul className="plain">
            {plan.notes.map((n, i) => (
              <li key={i}>
                <strong>{n.source.label}:</strong> {n.message}
              </li>
            ))}
          </ul>
        </section>
      )}
      <section aria-labelledby="esxi-vswitches">
        <h3 id="esxi-vswitches">Virtual switches</h3>
        {plan.vswitches.length === 0 ? (
          <p className="hint">None.</p>
        ) : (
          <table className="table compact">
            <thead>
              <tr>
                <th scope="col">vSwitch</th>
                <th scope="col">Uplinks</th>
                <th scope="col">Teaming</th>
                <th scope="col">MTU</th>
              </tr>
            </thead>
            <tbody>
              {plan.vswitches.map((v) => (
                <tr key={v.name}>
                  <th scope="row">
                    <code>{v.name}</code>
                    <div className="hint">
                      from {v.createdBy} {v.source.label}
                    </div>
                  </th>
                  <td>
                    {v.uplinks.length === 0 ? (
                      <span className="warn-text">none</span>
                    ) : (
                      v.uplinks.map((u) => (
                        <div key={u.vmnic}>
                          <code>{u.vmnic}</code> <span className="hint">({u.nic})</span>
                        </div>
                      ))
                    )}
                  </td>
                  <td>
                    {v.teaming === null ? (
                      '—'
                    ) : (
                      <>
                        <code>{v.teaming.policy}</code>{' '}
                        <span className="hint">
                          (bond {v.teaming.bondMode}; active {v.teaming.activeUplinks.join(', ')})
                        </span>
                      </>
                    )}
                  </td>
                  <td>{v.mtu ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <section aria-labelledby="esxi-portgroups">
        <h3 id="esxi-portgroups">Port groups and VMkernel interfaces</h3>
        {plan.vmks.length === 0 && plan.portGroups.length === 0 ? (
          <p className="hint">None.</p>
        ) : (
          <table className="table compact">
            <thead>
              <tr>
                <th scope="col">Port group</th>
                <th scope="col">VLAN</th>
                <th scope="col">vmk</th>
                <th scope="col">IPv4</th>
                <th scope="col">IPv6</th>
              </tr>
            </thead>
            <tbody>
              {plan.portGroups.map((pg) => {
                const vmk = plan.vmks.find((k) => k.portGroup === pg.name);
                return (
                  <tr key={pg.name}>
                    <th scope="row">
                      <code>{pg.name}</code>
                      <div className="hint">
                        on {pg.vswitch}
                        {pg.aliasIndex > 0 && ` · alias ${pg.aliasIndex}`}
                      </div>
                    </th>
                    <td>{pg.vlanId ?? '—'}</td>
                    <td>
                      {vmk === undefined ? (
                        '—'
                      ) : (
                        <>
                          <code>{vmk.name}</code>
                          <div className="hint">
                            MTU {vmk.mtu}
                            {vmk.mac !== null && ` · ${vmk.mac}`}
                          </div>
                        </>
                      )}
                    </td>
                    <td>
                      <code>{vmk === undefined ? '—' : ip4Text(vmk.ipv4)}</code>
                    </td>
                    <td>
                      <code>{vmk === undefined ? '—' : ip6Text(vmk.ipv6)}</code>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </section>
      <section aria-labelledby="esxi-routes">
        <h3 id="esxi-routes">Routes and DNS</h3>
        <ul className="plain">
          {plan.routes.map((r, i) => (
            <li key={i}>
              <code>
                {r.family} {r.destination} via {r.gateway}
              </code>
            </li>
          ))}
          {plan.dns.servers.length > 0 && (
            <li>
              DNS servers: <code>{plan.dns.servers.map((s) => s.address).join(', ')}</code>
            </li>
          )}
          {plan.dns.search.length > 0 && (
            <li>
              Search domains: <code>{plan.dns.search.map((s) => s.domain).join(', ')}</code>
            </li>
          )}
          {plan.routes.length === 0 &&
            plan.dns.servers.length === 0 &&
            plan.dns.search.length === 0 && <li className="hint">No routes or DNS settings.</li>}
        </ul>
      </section>
      <section aria-labelledby="esxi-commands">
        <h3 id="esxi-commands">
          esxcli commands, in order <span className="hint">({preview.commands.length})</span>
        </h3>
        {preview.commands.length === 0 && (
          <p className="hint">
            {preview.exit === 78
              ? 'None: the script stops before wiping, so the installer’s network stays as it was.'
              : 'None: after wiping the installer’s network, ESXi is left without network settings.'}
          </p>
        )}
        <ol
          className="commands"
          aria-labelledby="esxi-commands"
          hidden={preview.commands.length === 0}
        >
          {preview.commands.map((c, i) => (
            <li key={i}>
              <code>{c}</code>
            </li>
          ))}
        </ol>
      </section>
      <p className="hint">
        Modelled on <code>{plan.model.path}</code> at {plan.model.commit.slice(0, 12)} (
        {plan.model.repository}); NICs from{' '}
        {plan.nicsFrom === 'inventory' ? 'your list' : 'the config, one vmnic per physical entry'}.
      </p>
    </div>
  );
}
