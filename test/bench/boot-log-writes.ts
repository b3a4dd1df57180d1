/**
 * The boot log under a storm, written two ways by the product's BootLogStore: one transaction per
 * event (a batch of one, pruning with its old 50 ms budget: how it wrote before batching) and
 * batched (the defaults). 20 clients × 1000 events, each event recorded in a task of its own as
 * packet handlers would, into a store on disk with the default history limits (10,000 events, so
 * pruning runs). Prints events/s and the event-loop delay (max, p99) per round and the medians,
 * the two sides alternated round by round.
 *
 *   npx tsx test/bench/boot-log-writes.ts [ROUNDS]
 */
import { join } from 'node:path';
import { setImmediate as nextTask } from 'node:timers/promises';
import { BootLogStore, type BootLogOptions } from '../../src-main/boot/dhcp/boot-log-store';
import { startLoopDelayMonitor } from '../../src-main/boot/loop-delay';
import { openDatabase } from '../../src-main/store/database';
import { makeTempDir } from '../helpers/temp-dir';
import { boundedCount, median, roundOrder } from './bench-stats';

const CLIENTS = 20;
const EVENTS_PER_CLIENT = 1000;

interface Side {
  readonly name: string;
  readonly options: BootLogOptions;
}

const sides: Side[] = [
  { name: 'per-event transaction', options: { batchSize: 1, pruneBudgetMs: 50 } },
  { name: 'batched', options: {} },
];

interface RoundResult {
  eventsPerSecond: number;
  maxMs: number;
  p99Ms: number;
  writes: number;
}

async function runSide(side: Side): Promise<RoundResult> {
  const tmp = makeTempDir('labboot-bench-bootlog-');
  const db = openDatabase(join(tmp.path, 'labboot.sqlite'));
  try {
    const log = new BootLogStore(db, side.options);
    const monitor = startLoopDelayMonitor();
    const started = performance.now();
    const client = async (c: number): Promise<void> => {
      const mac = `52:54:00:be:00:${c.toString(16).padStart(2, '0')}`;
      const ip = `10.17.0.${100 + c}`;
      for (let i = 0; i < EVENTS_PER_CLIENT; i++) {
        const dhcp = i % 10 === 0;
        log.record({
          at: Date.now(),
          mac: dhcp ? mac : null,
          clientIp: ip,
          protocol: dhcp ? 'dhcp' : i % 2 === 0 ? 'tftp' : 'http',
          stage: dhcp ? 'dhcp-ack' : 'http-sent',
          detail: `GET /images/boot-kernel — 200, ${i} B`,
        });
        await nextTask();
      }
    };
    await Promise.all(Array.from({ length: CLIENTS }, (_, c) => client(c)));
    log.dispose();
    const seconds = (performance.now() - started) / 1000;
    const { writes } = log.written();
    const delay = monitor.summary({ events: CLIENTS * EVENTS_PER_CLIENT, writes });
    return {
      eventsPerSecond: (CLIENTS * EVENTS_PER_CLIENT) / seconds,
      maxMs: delay.maxMs,
      p99Ms: delay.p99Ms,
      writes,
    };
  } finally {
    db.close();
    tmp.remove();
  }
}

const fmt = (r: RoundResult): string =>
  `${Math.round(r.eventsPerSecond).toString().padStart(7)} events/s, max ${r.maxMs.toFixed(1).padStart(6)} ms, p99 ${r.p99Ms.toFixed(1).padStart(5)} ms, ${r.writes} writes`;

async function main(): Promise<void> {
  const rounds = boundedCount(process.argv[2], 5, 1, 21);
  const results = new Map<string, RoundResult[]>(sides.map((s) => [s.name, []]));
  console.log(
    `boot log writes: ${CLIENTS} clients × ${EVENTS_PER_CLIENT} events, ${rounds} rounds (sides alternated)`,
  );
  for (let round = 0; round < rounds; round++) {
    for (const side of roundOrder(sides, round)) {
      const r = await runSide(side);
      results.get(side.name)?.push(r);
      console.log(`round ${round + 1} ${side.name.padEnd(22)} ${fmt(r)}`);
    }
  }
  console.log('medians:');
  for (const side of sides) {
    const rs = results.get(side.name) ?? [];
    const m: RoundResult = {
      eventsPerSecond: median(rs.map((r) => r.eventsPerSecond)),
      maxMs: median(rs.map((r) => r.maxMs)),
      p99Ms: median(rs.map((r) => r.p99Ms)),
      writes: median(rs.map((r) => r.writes)),
    };
    console.log(`  ${side.name.padEnd(22)} ${fmt(m)}`);
  }
}

await main();
