import { InvalidArgumentError, Option, type Command } from 'commander';
import type { CliContext } from '../context';
import { UserError } from '../../../src-shared/errors';
import {
  TEST_BOOT_FIRMWARES,
  testBootInputSchema,
  type TestBootFirmware,
  type TestBootView,
} from '../../../src-shared/contract/testboot';
import { MILESTONE_LABELS } from '../../../src-shared/testboot/milestones';

/** A whole number within bounds, for commander options. */
function wholeNumber(min: number, max: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || n < min || n > max)
      throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}.`);
    return n;
  };
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`.padStart(8);

/** The first line: what boots, how, and through which server. */
export function testBootHeadline(view: TestBootView): string {
  return `Test boot of ${view.image}: ${view.firmware.toUpperCase()} VM (${view.mac}) with ${view.accelNote}, ${view.serverNote} (${view.bootUrl}).`;
}

/**
 * registerTestboot adds `labboot testboot [IMAGE] [--firmware bios|uefi] [--memory MiB] [--console]
 * [--timeout S] [--keep]`.
 */
export function registerTestboot(program: Command, ctx: CliContext): void {
  program
    .command('testboot')
    .description(
      'boot an image in a throwaway local QEMU VM (user-mode networking, no root) through LabBoot’s HTTP server; milestones with times',
    )
    .argument(
      '[IMAGE]',
      'a stored amd64 image, e.g. ubuntu/jammy/amd64 (default: the amd64 default); custom/NAME deploys that image to a throwaway disk and boots it from there',
    )
    .addOption(
      new Option('--firmware <FIRMWARE>', 'the VM’s firmware')
        .choices(TEST_BOOT_FIRMWARES)
        .default('bios'),
    )
    .option('--memory <MiB>', 'the VM’s memory', wholeNumber(256, 65_536), 2048)
    .option('--console', 'print the VM’s serial console on stdout')
    .option('--timeout <S>', 'give up after this many seconds', wholeNumber(10, 7200), 300)
    .option('--keep', 'keep the VM’s folder (console log, firmware variables, a deploy’s disk)')
    .option(
      '--disk-size <MiB>',
      'a deploy test boot’s disk (default: the image’s size plus 64 MiB)',
      wholeNumber(1, 4_194_304),
    )
    .action(
      (
        image: string | undefined,
        options: {
          firmware: TestBootFirmware;
          memory: number;
          console?: boolean;
          timeout: number;
          keep?: boolean;
          diskSize?: number;
        },
      ) =>
        ctx.withServices(async (services) => {
          const input = testBootInputSchema.parse({
            ...(image === undefined ? {} : { image }),
            firmware: options.firmware,
            memoryMiB: options.memory,
            timeoutSeconds: options.timeout,
            keep: options.keep === true,
            ...(options.diskSize === undefined ? {} : { diskSizeMiB: options.diskSize }),
          });
          const onSigint = (): void => void services.testBoot.stop();
          process.once('SIGINT', onSigint);
          let view: TestBootView;
          try {
            view = await services.testBoot.run(input, {
              onStart: (v) => ctx.info(testBootHeadline(v)),
              onNote: (sentence) => ctx.info(sentence),
              onConsole: options.console === true ? (text) => ctx.stdout.write(text) : undefined,
              onMilestone: (m) =>
                ctx.info(
                  `${options.console === true ? '\n' : ''}${seconds(m.atMs)}  ${m.label ?? MILESTONE_LABELS[m.id]}`,
                ),
            });
          } finally {
            process.removeListener('SIGINT', onSigint);
          }
          const kept = view.folder === null ? '' : ` The VM's folder is kept at ${view.folder}.`;
          if (view.state === 'succeeded') {
            ctx.output(`${view.message ?? 'The image booted.'}${kept}`, view);
            return;
          }
          if (ctx.json()) ctx.output('', view);
          throw new UserError(
            `${view.message ?? 'The test boot failed.'}${kept}`,
            'testboot-failed',
          );
        }),
    );
}
