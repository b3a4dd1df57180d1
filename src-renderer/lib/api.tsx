import { createContext, useCallback, useContext, useEffect, useRef, useState } from 'react';
import type { ReactNode } from 'react';
import type { LabBootBridge, LabBootFiles } from '../../src-shared/contract/bridge';
import type {
  CallInput,
  CallName,
  CallOutput,
  EventName,
  EventPayload,
} from '../../src-shared/contract/index';
import type { ApiError } from '../../src-shared/contract/result';

/** The bridge as the renderer holds it: calls and events, plus one way to hand over a file. */
export type RendererBridge = LabBootBridge & LabBootFiles<File>;

const BridgeContext = createContext<RendererBridge | null>(null);

export function BridgeProvider({
  bridge,
  children,
}: {
  bridge: RendererBridge;
  children: ReactNode;
}) {
  return <BridgeContext.Provider value={bridge}>{children}</BridgeContext.Provider>;
}

/** useBridge returns the contract bridge (IPC or HTTP); screens never see which. */
export function useBridge(): RendererBridge {
  const bridge = useContext(BridgeContext);
  if (bridge === null) throw new Error('useBridge outside BridgeProvider');
  return bridge;
}

export class CallError extends Error {
  constructor(readonly error: ApiError) {
    super(error.message);
  }
}

/** call runs one contract call and throws CallError with the service's message on failure. */
export async function call<N extends CallName>(
  bridge: LabBootBridge,
  name: N,
  input: CallInput<N>,
): Promise<CallOutput<N>> {
  const result = await bridge.call(name, input);
  if (!result.ok) throw new CallError(result.error);
  return result.value;
}

export interface CallState<T> {
  data: T | undefined;
  error: ApiError | undefined;
  loading: boolean;
  reload: () => void;
}

/** useCall runs a call when the component mounts (and when `key` changes) and on `reload()`. */
export function useCall<N extends CallName>(
  name: N,
  input: CallInput<N>,
  key = '',
): CallState<CallOutput<N>> {
  const bridge = useBridge();
  const [state, setState] = useState<{ data?: CallOutput<N>; error?: ApiError; loading: boolean }>({
    loading: true,
  });
  const [tick, setTick] = useState(0);
  const inputRef = useRef(input);
  inputRef.current = input;
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    void bridge.call(name, inputRef.current).then((result) => {
      if (!live) return;
      setState(
        result.ok
          ? { data: result.value, loading: false }
          : { error: result.error, loading: false },
      );
    });
    return () => {
      live = false;
    };
  }, [bridge, name, key, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { data: state.data, error: state.error, loading: state.loading, reload };
}

/** useEvent subscribes to a contract event for the component's lifetime. */
export function useEvent<E extends EventName>(
  name: E,
  listener: (payload: EventPayload<E>) => void,
): void {
  const bridge = useBridge();
  const ref = useRef(listener);
  ref.current = listener;
  useEffect(() => bridge.on(name, (p) => ref.current(p)), [bridge, name]);
}
