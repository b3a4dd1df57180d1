import { useBootLog } from '../lib/boot-log';
import { ServePanel } from './boot/serve-panel';
import { ChoicesPanel } from './boot/choices-panel';
import { LiveLog } from './boot/live-log';
import { RateChart } from './boot/rate-chart';

/**
 * BootServerScreen: where and how PXE is served (interface, Start/Stop, each part's state), what
 * machines boot, and the live log of every request with the transfer rate.
 */
export function BootServerScreen() {
  const events = useBootLog();
  return (
    <>
      <ServePanel />
      <section aria-labelledby="log-title" className="panel">
        <h2 id="log-title">Live boot log</h2>
        <RateChart events={events} />
        <LiveLog events={events} />
      </section>
      <ChoicesPanel />
    </>
  );
}
