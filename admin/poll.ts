import { useCallback, useEffect, useState } from 'react';
import { api } from './api.ts';

/** Reads an admin endpoint now and every `everyMs` (0: once); `reload` reads it again at once. */
export function usePoll<T>(path: string, everyMs = 0): { data: T | undefined; error: string | undefined; reload: () => void } {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<string>();
  const [tick, setTick] = useState(0);
  const reload = useCallback(() => setTick((n) => n + 1), []);
  useEffect(() => {
    let live = true;
    const read = () =>
      api.get<T>(path).then(
        (d) => live && (setData(d), setError(undefined)),
        (e: Error) => live && setError(e.message),
      );
    void read();
    const timer = everyMs > 0 ? setInterval(read, everyMs) : undefined;
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [path, everyMs, tick]);
  return { data, error, reload };
}

export function when(ms: number): string {
  return new Date(ms).toLocaleString();
}

export function bytes(n: number): string {
  return n < 1024 ? `${n} B` : n < 1024 * 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / 1024 / 1024).toFixed(1)} MiB`;
}
