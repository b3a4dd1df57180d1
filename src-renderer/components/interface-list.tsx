import type { NetworkInterface } from '../../src-shared/contract/system';

const kindLabel: Record<NetworkInterface['kind'], string> = {
  wired: 'Wired',
  wireless: 'Wi-Fi',
  virtual: 'Virtual',
  vpn: 'VPN',
  loopback: 'Loopback',
};

/** InterfaceList shows NICs as a person tells them apart: kind, link, addresses, MTU, warnings. */
export function InterfaceList({ nics }: { nics: readonly NetworkInterface[] }) {
  return (
    <table className="table">
      <caption className="visually-hidden">Network interfaces</caption>
      <thead>
        <tr>
          <th scope="col">Interface</th>
          <th scope="col">Kind</th>
          <th scope="col">Link</th>
          <th scope="col">Addresses</th>
          <th scope="col">MAC</th>
          <th scope="col">MTU</th>
        </tr>
      </thead>
      <tbody>
        {nics.map((n) => (
          <tr key={n.name}>
            <th scope="row">
              <code>{n.name}</code>
              {n.warning !== null && <div className="hint">{n.warning}</div>}
            </th>
            <td>
              <span className={`badge badge-${n.kind}`} title={n.kindReason}>
                {kindLabel[n.kind]}
              </span>
            </td>
            <td>{n.up ? 'up' : 'down'}</td>
            <td>
              {n.addresses.length === 0
                ? '—'
                : n.addresses.map((a) => (
                    <div key={a.address}>
                      <code>
                        {a.address}/{a.prefixLength}
                      </code>
                    </div>
                  ))}
            </td>
            <td>
              <code>{n.mac ?? '—'}</code>
            </td>
            <td>{n.mtu ?? '—'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
