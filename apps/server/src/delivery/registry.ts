import type { DeliveryWorker } from './worker.ts';

/**
 * The worker of each running app, keyed by its deps object. Handlers receive only `AppDeps`; the
 * decision handler finds here the worker that makes its inline first attempt, so that attempt counts
 * against the same concurrency and is awaited by the same shutdown.
 */
const workers = new WeakMap<object, DeliveryWorker>();

export function registerDeliveryWorker(deps: object, worker: DeliveryWorker): void {
  workers.set(deps, worker);
}

export function deliveryWorkerOf(deps: object): DeliveryWorker | undefined {
  return workers.get(deps);
}
