/**
 * The contract between LabBoot's main process and every front door (Electron renderer, browser
 * console, tests): one table of calls and one of events, each with zod schemas. Preload, HTTP routes,
 * the dispatcher and the renderer client are all derived from these tables — nothing is kept in step
 * by hand. Add a domain by writing `<domain>.ts` and spreading its tables here.
 */
import type { z } from 'zod';
import { systemCalls, systemEvents } from './system';
import { sourcesCalls, sourcesEvents } from './sources';
import { imagesCalls, imagesEvents } from './images';
import { manifestsCalls, manifestsEvents } from './manifests';
import { esxiCalls, esxiEvents } from './esxi';
import { bootCalls, bootEvents } from './boot';
import { machinesCalls, machinesEvents } from './machines';
import { adminCalls, adminEvents } from './admin';
import { storeCalls, storeEvents } from './store';
import { mirrorCalls, mirrorEvents } from './mirror';
import { deployCalls, deployEvents } from './deploy';
import { testbootCalls, testbootEvents } from './testboot';

export const calls = {
  ...systemCalls,
  ...sourcesCalls,
  ...imagesCalls,
  ...manifestsCalls,
  ...esxiCalls,
  ...bootCalls,
  ...machinesCalls,
  ...adminCalls,
  ...storeCalls,
  ...mirrorCalls,
  ...deployCalls,
  ...testbootCalls,
};

export const events = {
  ...systemEvents,
  ...sourcesEvents,
  ...imagesEvents,
  ...manifestsEvents,
  ...esxiEvents,
  ...bootEvents,
  ...machinesEvents,
  ...adminEvents,
  ...storeEvents,
  ...mirrorEvents,
  ...deployEvents,
  ...testbootEvents,
};

export type Calls = typeof calls;
export type CallName = keyof Calls;
/** What a caller sends (before defaults are applied). */
export type CallInput<N extends CallName> = z.input<Calls[N]['input']>;
/** What a handler receives (after parsing). */
export type ParsedCallInput<N extends CallName> = z.output<Calls[N]['input']>;
/** What a caller gets back. */
export type CallOutput<N extends CallName> = z.output<Calls[N]['output']>;

export type Events = typeof events;
export type EventName = keyof Events;
export type EventPayload<E extends EventName> = z.output<Events[E]['payload']>;

/** isCallName narrows an untrusted string to a contract call name. */
export function isCallName(name: unknown): name is CallName {
  return typeof name === 'string' && Object.hasOwn(calls, name);
}

/** isEventName narrows an untrusted string to a contract event name. */
export function isEventName(name: unknown): name is EventName {
  return typeof name === 'string' && Object.hasOwn(events, name);
}

export type { CallResult, ApiError } from './result';
export { dispatchErrorCodes } from './result';
