/**
 * TestBootService boots a stored image in a throwaway local QEMU VM before any real machine does:
 * the VM gets a fresh MAC whose own boot choice is the image (plus `console=ttyS0,115200` as its
 * own kernel option, so the serial console shows the kernel), and network-boots through LabBoot's
 * HTTP server with exactly the iPXE script, kernel command line and files a real iPXE machine gets.
 * Its console is judged by `ConsoleWatch`; the VM's folder (console log, firmware variables) is
 * removed afterwards unless kept, and the VM's choice and kernel option are removed too.
 */
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BootResources } from '../store/boot-resources';
import type { SettingsStore } from '../store/settings-store';
import { isProcessAlive } from '../sync/sync-lock';
import type { BootService } from '../boot/boot-service';
import type { DeployService } from '../deploy/deploy-service';
import { customName } from '../../src-shared/deploy/image-kinds';
import { DeployWatch } from './deploy-watch';
import type { EventBus } from '../event-bus';
import type { Logger } from '../logger';
import type { Disposable } from '../lifecycle';
import { UserError } from '../../src-shared/errors';
import type { TestBootInput, TestBootView } from '../../src-shared/contract/testboot';
import { MILESTONE_LABELS } from '../../src-shared/testboot/milestones';
import { accelSentence, pickAccel, type Accel, type AccelProbe } from './accel';
import { testBootServer } from './boot-url';
import { findQemu } from './qemu-binary';
import { qemuCommand } from './qemu-command';
import { findUefiFirmware } from './uefi-firmware';
import { VmRun, type VmOutcome } from './vm-run';
import type { ReachedMilestone } from './console-watch';
import { VmRecord } from './vm-record';

/** The kernel option that puts an x86 kernel's console on the VM's serial port. */
export const SERIAL_CONSOLE_OPTION = 'console=ttyS0,115200';

/** How long a kernel may print nothing once the bootloader started it. */
export const KERNEL_SILENCE_MS = 45_000;

/** How much console text `status()` keeps for a view opened late. */
const CONSOLE_TAIL = 256 * 1024;

/** How often console text goes out as a `testboot.console` event. */
const CONSOLE_EVENT_MS = 200;

/** What TestBootService is built from. */
export interface TestBootDeps {
  readonly boot: BootService;
  /** A boot service of its own, for a test on loopback (built like `boot`). */
  readonly makeBootService: () => BootService;
  readonly bootResources: Pick<BootResources, 'findImage' | 'listImages'>;
  /** Where the test boots under way are noted (see `VmRecord`). */
  readonly settings: Pick<SettingsStore, 'get' | 'set'>;
  readonly events?: EventBus;
  readonly log?: Logger;
  readonly env?: NodeJS.ProcessEnv;
  readonly accelProbe?: AccelProbe;
  /** Where VM folders are made (the system's temporary folder by default). */
  readonly tempRoot?: string;
  /** Custom images and deploy states, for deploy test boots (`custom/NAME`). */
  readonly deploy?: Pick<DeployService, 'images' | 'deployments' | 'deploy' | 'forget'>;
}

/** Room on a deploy test boot's disk beyond the image (a partition table's backup, say). */
const DISK_MARGIN = 64 * 1024 * 1024;
const MiB = 1024 * 1024;

/** How often a deploy test boot reads its deploy row (the installer's reports). */
const DEPLOY_POLL_MS = 500;

/** A deploy test boot: the custom image and the throwaway disk it is written to. */
interface DeployPlan {
  readonly name: string;
  readonly disk: string;
  readonly diskBytes: number;
}

/** Callbacks of one test boot, for the CLI. */
export interface TestBootListener {
  onStart?(view: TestBootView): void;
  onConsole?(text: string): void;
  onMilestone?(m: ReachedMilestone, view: TestBootView): void;
  /** Something people should know mid-boot (an accelerator that failed). */
  onNote?(sentence: string): void;
}

/** A random locally administered MAC in QEMU's 52:54:00 range. */
function testBootMac(): string {
  const tail = [...randomBytes(3)].map((b) => b.toString(16).padStart(2, '0'));
  return ['52', '54', '00', ...tail].join(':');
}

/** TestBootService runs at most one test boot VM at a time. */
export class TestBootService implements Disposable {
  private current: { view: TestBootView; vm: VmRun | undefined } | undefined;
  private consoleTail = '';
  private pendingConsole = '';
  private consoleTimer: NodeJS.Timeout | undefined;
  private running: Promise<TestBootView> | undefined;
  private stopped = false;

  private readonly vms: VmRecord;

  constructor(private readonly deps: TestBootDeps) {
    this.vms = new VmRecord(deps.settings, hostname(), isProcessAlive);
  }

  /** start begins a test boot and returns once QEMU runs; it ends on its own (see `changed` events). */
  async start(input: TestBootInput): Promise<TestBootView> {
    let started: ((view: TestBootView) => void) | undefined;
    const view = new Promise<TestBootView>((resolve) => (started = resolve));
    const run = this.run(input, { onStart: (v) => started?.(v) });
    // Errors before QEMU runs reach the caller; later ones end the boot as failed.
    return Promise.race([view, run.then((v) => v)]);
  }

  /** run performs a whole test boot and resolves with its end. */
  async run(input: TestBootInput, listener: TestBootListener = {}): Promise<TestBootView> {
    if (this.running !== undefined)
      throw new UserError(
        'A test boot is already running; wait for it or stop it first.',
        'testboot-busy',
      );
    this.stopped = false;
    const running = this.runOnce(input, listener);
    this.running = running;
    try {
      return await running;
    } finally {
      this.running = undefined;
    }
  }

  /** stop ends the running test boot (its VM is stopped and its folder removed). */
  async stop(): Promise<TestBootView | null> {
    if (this.running !== undefined) this.stopped = true;
    this.current?.vm?.stop();
    await this.running?.catch(() => undefined);
    return this.current?.view ?? null;
  }

  /** The current or last test boot and the tail of its console. */
  status(): { current: TestBootView | null; console: string } {
    return { current: this.current?.view ?? null, console: this.consoleTail };
  }

  async dispose(): Promise<void> {
    await this.stop();
  }

  private async runOnce(input: TestBootInput, listener: TestBootListener): Promise<TestBootView> {
    const env = this.deps.env ?? process.env;
    const customSpec = input.image?.startsWith('custom/') === true ? input.image : undefined;
    const deployImage = customSpec === undefined ? undefined : this.customImage(customSpec, input);
    // A deploy test boot boots the installer in the ephemeral image every test boot would.
    const ephemeral = this.imageName(deployImage === undefined ? input.image : undefined);
    const image = deployImage === undefined ? ephemeral : `custom/${deployImage.name}`;
    const qemu = findQemu(env);
    const firmware = input.firmware === 'uefi' ? findUefiFirmware(qemu) : undefined;
    const accel = pickAccel(this.deps.accelProbe);
    const mac = testBootMac();
    const folder = mkdtempSync(join(this.deps.tempRoot ?? tmpdir(), 'labboot-testboot-'));
    const choices = this.deps.boot.choices;
    const kernelOptions = this.deps.boot.kernelOptions;
    let server: Awaited<ReturnType<typeof testBootServer>> | undefined;
    for (const left of this.vms.abandoned()) {
      choices.remove(left);
      kernelOptions.set(left, '');
    }
    this.vms.add(mac, process.pid);
    let plan: DeployPlan | undefined;
    try {
      this.deps.boot.setChoice({ mac, action: 'image', image: ephemeral });
      kernelOptions.set(mac, SERIAL_CONSOLE_OPTION);
      if (deployImage !== undefined) {
        const disk = join(folder, 'disk.raw');
        // Sparse: only what the installer writes takes space.
        writeFileSync(disk, '');
        truncateSync(disk, deployImage.diskBytes);
        plan = { name: deployImage.name, disk, diskBytes: deployImage.diskBytes };
        // The same marking `labboot deploy MAC IMAGE` makes.
        this.deps.deploy?.deploy(mac, image);
      }
      server = await testBootServer({
        boot: this.deps.boot,
        makeBootService: this.deps.makeBootService,
        hostname: hostname(),
      });
      let vars: string | undefined;
      if (firmware !== undefined) {
        vars = join(folder, 'OVMF_VARS.fd');
        copyFileSync(firmware.varsTemplate, vars);
      }
      const view: TestBootView = {
        id: randomBytes(6).toString('hex'),
        image,
        firmware: input.firmware,
        accel,
        accelNote: accelSentence(accel),
        bootUrl: server.bootUrl,
        serverNote: server.note,
        mac,
        state: 'running',
        startedAt: new Date().toISOString(),
        endedAt: null,
        milestones: [],
        message: null,
        folder: input.keep ? folder : null,
      };
      this.current = { view, vm: undefined };
      this.consoleTail = '';
      const args = (a: Accel): string[] =>
        qemuCommand({
          firmware: input.firmware,
          accel: a,
          memoryMiB: input.memoryMiB,
          mac,
          bootUrl: server?.bootUrl ?? '',
          consoleLog: join(folder, 'console.log'),
          ...(firmware !== undefined && vars !== undefined ? { uefi: { firmware, vars } } : {}),
          ...(plan === undefined ? {} : { disk: plan.disk }),
        });
      let outcome = await this.boot(qemu, args(accel), input, listener, plan);
      if (outcome.startFailed && accel !== 'tcg') {
        // An accelerator that cannot run this VM (nested KVM, a Hypervisor Platform that is off)
        // should not end the test: boot again under TCG and say why.
        const why = outcome.qemuSaid === undefined ? '' : ` (${outcome.qemuSaid})`;
        const note = `${accel.toUpperCase()} could not start the VM${why}; booting again with ${accelSentence('tcg')}.`;
        this.update({
          accel: 'tcg',
          accelNote: `${accelSentence('tcg')} (${accel.toUpperCase()} failed)`,
        });
        listener.onNote?.(note);
        this.deps.log?.info('testboot', note);
        outcome = await this.boot(qemu, args('tcg'), input, listener, plan);
      }
      return this.finish(outcome);
    } finally {
      this.flushConsole();
      await server?.release();
      choices.remove(mac);
      kernelOptions.set(mac, '');
      if (plan !== undefined) this.deps.deploy?.forget(mac);
      this.vms.remove(mac);
      if (!input.keep) rmSync(folder, { recursive: true, force: true });
    }
  }

  /** boot runs one QEMU process to its end. */
  private async boot(
    qemu: string,
    args: string[],
    input: TestBootInput,
    listener: TestBootListener,
    plan?: DeployPlan,
  ): Promise<VmOutcome> {
    const current = this.current;
    if (current === undefined) throw new Error('no test boot to run');
    if (this.stopped) {
      const none = { milestones: [], elapsedMs: 0, startFailed: false, qemuSaid: undefined };
      return { state: 'stopped', message: 'The test boot was stopped.', ...none };
    }
    const { view } = current;
    const addMilestone = (id: ReachedMilestone['id'], label: string, atMs: number): TestBootView =>
      this.update({
        milestones: [...(this.current?.view.milestones ?? []), { id, label, atMs }],
      });
    const vm = new VmRun({
      deploy: plan !== undefined,
      binary: qemu,
      args,
      timeoutMs: input.timeoutSeconds * 1000,
      kernelSilenceMs: KERNEL_SILENCE_MS,
      onConsole: (text) => {
        this.console(view.id, text);
        listener.onConsole?.(text);
      },
      onMilestone: (m) => {
        listener.onMilestone?.(m, addMilestone(m.id, MILESTONE_LABELS[m.id], m.atMs));
      },
    });
    this.current = { view, vm };
    const reports: ReachedMilestone[] = [];
    const poll =
      plan === undefined ? undefined : this.followDeploy(vm, reports, addMilestone, listener);
    if (current.vm === undefined) {
      this.deps.log?.info('testboot', `${view.image} (${view.firmware}) ${view.serverNote}`);
      this.deps.events?.emit('testboot.changed', view);
      listener.onStart?.(view);
    }
    try {
      const outcome = await vm.done;
      // Both streams, in the order they were seen.
      const milestones = [...outcome.milestones, ...reports].sort((a, b) => a.atMs - b.atMs);
      return { ...outcome, milestones };
    } finally {
      if (poll !== undefined) clearInterval(poll);
    }
  }

  /**
   * followDeploy reads the deploy row of the VM's MAC every half second: the installer's reports
   * become milestones; `done` lets the console follow the local boot, a failure ends the VM with
   * the installer's own sentence.
   */
  private followDeploy(
    vm: VmRun,
    reports: ReachedMilestone[],
    add: (id: ReachedMilestone['id'], label: string, atMs: number) => TestBootView,
    listener: TestBootListener,
  ): NodeJS.Timeout {
    const watch = new DeployWatch();
    const mac = this.current?.view.mac ?? '';
    const started = Date.now();
    const timer = setInterval(() => {
      const update = watch.feed(this.deps.deploy?.deployments.get(mac), Date.now() - started);
      for (const m of update.milestones) {
        const reached = { id: m.id, atMs: m.atMs, label: m.label };
        reports.push(reached);
        listener.onMilestone?.(reached, add(m.id, m.label, m.atMs));
      }
      if (update.verdict?.kind === 'done') vm.installerDone();
      if (update.verdict?.kind === 'failed') vm.fail(update.verdict.error);
      if (update.verdict !== undefined) clearInterval(timer);
    }, DEPLOY_POLL_MS);
    return timer;
  }

  /** The custom image of a deploy test boot, and its disk's size. */
  private customImage(spec: string, input: TestBootInput): { name: string; diskBytes: number } {
    const name = customName(spec);
    const image = this.deps.deploy?.images.get(name);
    if (image === undefined)
      throw new UserError(
        `custom/${name} is not in the store, so it cannot be test-deployed; import it first with labboot images import ${name} FILE.`,
        'image-missing',
      );
    if (image.arch !== 'amd64')
      throw new UserError(
        `custom/${name} is ${image.arch}, and test boots run amd64 images only (in qemu-system-x86_64); choose an amd64 image.`,
        'testboot-arch',
      );
    if (image.firmware !== 'any' && image.firmware !== input.firmware)
      throw new UserError(
        `custom/${name} boots with ${image.firmware.toUpperCase()} firmware; test-boot it with --firmware ${image.firmware}.`,
        'testboot-firmware',
      );
    const diskBytes =
      input.diskSizeMiB === undefined
        ? Math.ceil(image.diskBytes / MiB) * MiB + DISK_MARGIN
        : input.diskSizeMiB * MiB;
    return { name, diskBytes };
  }

  /** The image to boot: the one named, else the amd64 default, else the only amd64 image. */
  private imageName(spec: string | undefined): string {
    const name = (i: { os: string; release: string; arch: string }): string =>
      `${i.os}/${i.release}/${i.arch}`;
    if (spec !== undefined) {
      const image = this.deps.bootResources.findImage(spec);
      if (image === undefined)
        throw new UserError(
          `Image ${spec} is not in the store, so it cannot be test-booted; select and sync it first (labboot select add, labboot sync).`,
          'image-missing',
        );
      if (image.arch !== 'amd64')
        throw new UserError(
          `Image ${spec} is ${image.arch}, and test boots run amd64 images only (in qemu-system-x86_64); choose an amd64 image.`,
          'testboot-arch',
        );
      return spec;
    }
    const chosen = this.deps.boot.choices.effective(undefined, 'amd64');
    if (chosen?.action === 'image' && chosen.image !== null) return chosen.image;
    const amd64 = this.deps.bootResources.listImages().filter((i) => i.arch === 'amd64');
    const only = amd64.length === 1 ? amd64[0] : undefined;
    if (only !== undefined) return name(only);
    throw new UserError(
      amd64.length === 0
        ? 'There is no amd64 image in the store to test-boot; select and sync one first (labboot select add ubuntu/jammy/amd64, labboot sync).'
        : `Name the image to test-boot, one of: ${amd64.map(name).join(', ')}.`,
      'usage',
    );
  }

  private update(change: Partial<TestBootView>): TestBootView {
    const current = this.current;
    if (current === undefined) throw new Error('no test boot to update');
    const view = { ...current.view, ...change };
    this.current = { ...current, view };
    this.deps.events?.emit('testboot.changed', view);
    return view;
  }

  private finish(outcome: VmOutcome): TestBootView {
    this.flushConsole();
    const view = this.update({
      state: outcome.state,
      message: outcome.message,
      endedAt: new Date().toISOString(),
      milestones: outcome.milestones.map((m) => ({
        id: m.id,
        label: m.label ?? MILESTONE_LABELS[m.id],
        atMs: m.atMs,
      })),
    });
    this.deps.log?.info('testboot', outcome.message);
    return view;
  }

  /** console keeps the tail and sends the text in batches, at most one per interval. */
  private console(id: string, text: string): void {
    this.consoleTail = (this.consoleTail + text).slice(-CONSOLE_TAIL);
    this.pendingConsole += text;
    this.consoleTimer ??= setTimeout(() => {
      this.consoleTimer = undefined;
      this.flushConsole(id);
    }, CONSOLE_EVENT_MS);
  }

  private flushConsole(id = this.current?.view.id): void {
    if (this.consoleTimer !== undefined) clearTimeout(this.consoleTimer);
    this.consoleTimer = undefined;
    const text = this.pendingConsole;
    this.pendingConsole = '';
    if (text !== '' && id !== undefined) this.deps.events?.emit('testboot.console', { id, text });
  }
}
