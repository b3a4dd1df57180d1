/**
 * Recorder collects what a preview run produces: the contract outputs (commands, warnings) and the
 * plan for people, each element with its source.
 */
import { pyTypeName, PyBytes, PyException, type PyValue } from './py-value';
import type {
  EsxiDropped,
  EsxiDroppedCode,
  EsxiNoteCode,
  EsxiPlan,
  EsxiPortGroup,
  EsxiRoute,
  EsxiSource,
  EsxiVmk,
  EsxiVswitch,
} from './schema';

// UTF-8 as the receiving process decodes argv; invalid sequences fall back to one char per byte.
function decodeBytes(bytes: Uint8Array): string {
  const escaped = Array.from(bytes, (b) => `%${b.toString(16).padStart(2, '0')}`).join('');
  try {
    return decodeURIComponent(escaped);
  } catch {
    return String.fromCharCode(...bytes);
  }
}

/** argText is how subprocess passes one argv item: str as is, bytes decoded, others refused. */
export function argText(value: PyValue): string {
  let text: string;
  if (typeof value === 'string') text = value;
  else if (value instanceof PyBytes) text = decodeBytes(value.bytes);
  else {
    throw new PyException(
      'TypeError',
      `expected str, bytes or os.PathLike object, not ${pyTypeName(value)}`,
    );
  }
  if (text.includes('\0')) throw new PyException('ValueError', 'embedded null byte');
  return text;
}

type PlanParts = Omit<EsxiPlan, 'model' | 'nics' | 'nicsFrom' | 'abort'>;

/** Recorder accumulates commands, warnings and plan elements in the order the script makes them. */
export class Recorder {
  readonly commands: string[] = [];
  readonly warnings: string[] = [];
  readonly dropped: EsxiDropped[] = [];
  readonly plan: PlanParts = {
    vswitches: [],
    portGroups: [],
    vmks: [],
    routes: [],
    dns: { servers: [], search: [] },
    steps: [],
    warnings: [],
    notes: [],
  };

  /** esxcli records a `check_call(["esxcli", …])`; argv is validated first, as subprocess does. */
  esxcli(args: readonly PyValue[], source: EsxiSource): string[] {
    const argv = args.map(argText);
    const command = ['esxcli', ...argv].join(' ');
    this.commands.push(command);
    this.plan.steps.push({ command, source });
    return argv;
  }

  warn(text: string, source: EsxiSource): void {
    this.warnings.push(text);
    this.plan.warnings.push({ text, source });
  }

  drop(code: EsxiDroppedCode, item: string, reason: string, source: EsxiSource): void {
    this.dropped.push({ code, item, reason, source });
  }

  note(code: EsxiNoteCode, message: string, source: EsxiSource): void {
    this.plan.notes.push({ code, message, source });
  }

  addVswitch(vswitch: EsxiVswitch): EsxiVswitch {
    this.plan.vswitches.push(vswitch);
    return vswitch;
  }

  addPortGroup(portGroup: EsxiPortGroup): EsxiPortGroup {
    this.plan.portGroups.push(portGroup);
    return portGroup;
  }

  addVmk(vmk: EsxiVmk): EsxiVmk {
    this.plan.vmks.push(vmk);
    return vmk;
  }

  addRoute(route: EsxiRoute): void {
    this.plan.routes.push(route);
  }
}
