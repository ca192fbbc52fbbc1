import { SaKubeconfigError } from '../errors';

/** Runs fn over items with at most `limit` in flight; results in input order. */
export async function mapLimit<T, R>(
  items: T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  });
  await Promise.all(workers);
  return out;
}

/** Accept header for a list of metadata only (PartialObjectMetadataList): no Secret data crosses the wire. */
export const METADATA_ONLY_LIST = 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json';

/**
 * Throws SaKubeconfigError('aborted') when the signal has aborted: the check between steps of cooperative cancellation.
 */
export function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw new SaKubeconfigError('aborted', 'Cancelled.');
}

/** Waits `ms`, or rejects with SaKubeconfigError('aborted') as soon as the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new SaKubeconfigError('aborted', 'Cancelled.'));
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(new SaKubeconfigError('aborted', 'Cancelled.'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
