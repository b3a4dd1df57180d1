import { useBootLog, useBootSteps } from '../lib/boot-log';
import { ServePanel } from './boot/serve-panel';
import { ChoicesPanel } from './boot/choices-panel';
import { SshKeysPanel } from './boot/ssh-keys-panel';
import { LiveLog } from './boot/live-log';
import { RateChart } from './boot/rate-chart';

/**
 * BootServerScreen: where and how PXE is served (interface, DHCP mode, Start/Stop, each part's
 * state), what machines boot and with which SSH keys, and the live log per client MAC with the
 * transfer rate.
 */
export function BootServerScreen() {
  const events = useBootLog();
  const steps = useBootSteps();
  return (
    <>
      <ServePanel />
      <section aria-labelledby="log-title" className="panel">
        <h2 id="log-title">Live boot log</h2>
        <RateChart events={events} />
        <LiveLog steps={steps} />
      </section>
      <ChoicesPanel />
      <SshKeysPanel />
    </>
  );
}
