/**
 * renderPreviewText turns a preview into the human output of `labboot esxi preview`: the plan,
 * what was dropped and why, notes, and the script's warnings and exit status.
 */
import type { EsxiPreview, EsxiSource, EsxiVmk } from './schema';

function at(source: EsxiSource): string {
  return source.line === null ? source.label : `${source.label}, line ${source.line}`;
}

function ipSummary(vmk: EsxiVmk): string {
  const parts: string[] = [];
  if (vmk.ipv4?.mode === 'static')
    parts.push(`IPv4 ${vmk.ipv4.address} netmask ${vmk.ipv4.netmask}`);
  if (vmk.ipv4?.mode === 'dhcp') parts.push('IPv4 DHCP');
  if (vmk.ipv6?.mode === 'static')
    parts.push(`IPv6 ${vmk.ipv6.address} (prefix /${vmk.ipv6.prefixLength} not applied)`);
  if (vmk.ipv6?.mode === 'dhcp') parts.push('IPv6 DHCP (no router advertisements)');
  return parts.length > 0 ? parts.join(', ') : `no IP (subnet type ${vmk.subnetType})`;
}

function section(title: string, lines: readonly string[], empty: string): string[] {
  return [title, ...(lines.length > 0 ? lines.map((l) => `  ${l}`) : [`  ${empty}`]), ''];
}

/** renderPreviewText prints the plan for people; every line names the input item it came from. */
export function renderPreviewText(preview: EsxiPreview): string {
  const { plan } = preview;
  const nics = plan.nics.map((n) => `${n.name} ${n.mac}`).join(', ') || 'none';
  const out: string[] = [
    `ESXi network preview: what ${plan.model.path} (${plan.model.repository} @ ${plan.model.commit.slice(0, 7)}) does on first boot, after wiping the installer's network.`,
    `Host NICs (${plan.nicsFrom === 'inventory' ? 'from --nics' : 'one per physical entry, in config order'}): ${nics}`,
    '',
  ];
  out.push(
    ...section(
      'vSwitches',
      plan.vswitches.map((v) => {
        const uplinks = v.uplinks.map((u) => `${u.vmnic} (${u.nic})`).join(', ') || 'no uplink';
        const teaming = v.teaming
          ? `teaming ${v.teaming.policy} (bond mode ${v.teaming.bondMode}), order ${v.teaming.activeUplinks.join(',')}`
          : 'no teaming policy';
        return `${v.name}  MTU ${v.mtu ?? 'default'}  uplinks ${uplinks}  ${teaming}  <- ${at(v.source)}`;
      }),
      'none',
    ),
    ...section(
      'Port groups',
      plan.portGroups.map(
        (p) =>
          `${p.name} on ${p.vswitch}${p.vlanId === null ? '' : `  VLAN ${p.vlanId}`}  <- ${at(p.source)}`,
      ),
      'none',
    ),
    ...section(
      'VMkernel NICs',
      plan.vmks.map(
        (v) =>
          `${v.name} on ${v.portGroup}  MTU ${v.mtu}  MAC ${v.mac ?? '(ESXi assigns)'}  ${ipSummary(v)}  <- ${at(v.source)}`,
      ),
      'none',
    ),
    ...section(
      'Routes',
      plan.routes.map((r) => `${r.family} ${r.destination} via ${r.gateway}  <- ${at(r.source)}`),
      'none',
    ),
    ...section(
      'DNS',
      [
        ...plan.dns.servers.map((s) => `server ${s.address}  <- ${at(s.source)}`),
        ...plan.dns.search.map((s) => `search ${s.domain}  <- ${at(s.source)}`),
      ],
      'none set by the script',
    ),
    ...section(
      'Dropped or ignored',
      preview.dropped.map((d) => `${d.item}: ${d.reason}  (${at(d.source)})`),
      'nothing',
    ),
    ...section(
      'Notes',
      plan.notes.map((n) => `${n.message}  (${at(n.source)})`),
      'none',
    ),
    ...section(
      'Warnings the script logs to /var/log/maas.log',
      plan.warnings.map((w) => `${w.text}  (${at(w.source)})`),
      'none',
    ),
  );
  const abort = plan.abort
    ? ` (${plan.abort.exception} at ${at(plan.abort.source)}: ${plan.abort.message}; nothing after it runs)`
    : '';
  out.push(
    `Exit status: ${preview.exit}${abort}; ${preview.commands.length} esxcli commands (see --json).`,
  );
  return `${out.join('\n')}\n`;
}
