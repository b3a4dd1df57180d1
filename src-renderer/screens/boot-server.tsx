import { useState } from 'react';
import { useBootLog, useBootSteps } from '../lib/boot-log';
import { ServePanel } from './boot/serve-panel';
import { TestBootButton } from '../components/test-boot';
import { ChoicesPanel } from './boot/choices-panel';
import { SshKeysPanel } from './boot/ssh-keys-panel';
import { LiveLog } from './boot/live-log';
import { RateChart } from './boot/rate-chart';
import { MachinesPanel } from './boot/machines-panel';
import { MacFilter, filterStepsByMac } from './boot/mac-filter';

/**
 * BootServerScreen: where and how PXE is served (interface, DHCP mode, Start/Stop, each part's
 * state), the live log per client MAC (filtered to one machine on demand) with the transfer rate,
 * full-DHCP leases and reservations, and what machines boot with which SSH keys.
 */
export function BootServerScreen() {
  const events = useBootLog();
  const steps = useBootSteps();
  const [macFilter, setMacFilter] = useState('');
  const shown = filterStepsByMac(steps, macFilter);
  return (
    <>
      <ServePanel />
      <section aria-labelledby="test-boot-section-title" className="panel">
        <h2 id="test-boot-section-title">Test boot</h2>
        <p className="hint">
          Boot the amd64 default image in a throwaway VM on this computer, through these configs,
          before any real machine does.
        </p>
        <TestBootButton label="Test boot the default image" />
      </section>
      <section aria-labelledby="log-title" className="panel">
        <h2 id="log-title">Live boot log</h2>
        <RateChart events={events} />
        <MacFilter steps={steps} value={macFilter} onChange={setMacFilter} />
        {shown.length === 0 && steps.length > 0 ? (
          <p className="hint" role="status">
            No step of a machine matching {macFilter.trim()} is in the log.
          </p>
        ) : (
          <LiveLog steps={shown} />
        )}
      </section>
      <MachinesPanel />
      <ChoicesPanel />
      <SshKeysPanel />
    </>
  );
}
