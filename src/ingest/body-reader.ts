import { Worker } from 'node:worker_threads';
import type { GroupKeyOf } from './alert-batch.ts';
import { readBody, type BodyToRead, type ReadOutcome } from './read-body.ts';

/**
 * Bodies shorter than this are read on the event loop: a message to the thread and back costs
 * more than reading a few alerts (a webhook of one alert, an API test).
 */
const INLINE_BELOW = 2048;
/** After the thread failed, bodies are read on the event loop for this long before a new start. */
const RESTART_AFTER_MS = 10_000;

type Reply =
  { id: number; ready: true } | { id: number; outcome: ReadOutcome } | { id: number; error: string };

interface InFlight {
  body: BodyToRead;
  resolve: (o: ReadOutcome) => void;
  reject: (e: unknown) => void;
}

/** What a reader needs: how to key alerts by group, here and (from the config) on its thread. */
export interface BodyReaderOptions {
  /** The group key of an alert's labels on the event loop (the app's routing tree). */
  groupOf: GroupKeyOf;
  /** The config the thread builds the same routing tree from (`loaded.file`, `loaded.original`). */
  config: { file: string; text: string };
  /** Hears why the thread stopped (bodies keep being read on the event loop). */
  onFailure?: (err: Error) => void;
  /** Hears where each body was read (/metrics, tests). */
  onRead?: (where: 'thread' | 'event_loop') => void;
}

/**
 * Reads ingestion request bodies on a thread of its own (docs/adr/0011-reader-thread.md). Under
 * an alert storm the event loop is what limits how fast vigil acknowledges, and parsing,
 * validating and serialising the alerts was a fifth of its time; on the reader thread that work
 * runs on the second core. Nothing depends on the thread being there: a small body, a body that
 * arrives while the thread starts, and every body in flight when the thread fails are read on
 * the event loop instead, with the same function, so a request never fails because of it.
 */
export class BodyReader {
  #worker: Worker | undefined;
  #ready = false;
  #closed = false;
  #failedAt = -Infinity;
  #nextId = 1;
  readonly #inFlight = new Map<number, InFlight>();
  #onReady: ((ok: boolean) => void) | undefined;
  #whenReady: Promise<boolean> = Promise.resolve(false);

  readonly #opts: BodyReaderOptions;

  constructor(opts: BodyReaderOptions) {
    this.#opts = opts;
  }

  #onRead(where: 'thread' | 'event_loop'): void {
    this.#opts.onRead?.(where);
  }

  /** Reads a body on the event loop (one the thread did not read fails here as it would have). */
  #readHere(f: InFlight): void {
    try {
      f.resolve(readBody(f.body, this.#opts.groupOf));
    } catch (err) {
      f.reject(err);
    }
  }

  /**
   * Starts the thread and resolves once it reads bodies: true, or false when it could not start.
   * `vigil serve` calls it so that the first alert storm finds the thread running.
   */
  start(): Promise<boolean> {
    if (this.#closed) return Promise.resolve(false);
    this.#running();
    return this.#whenReady;
  }

  /** Reads one body: on the reader thread when it is worth it and running, else here. */
  read(body: BodyToRead): Promise<ReadOutcome> {
    const worker = this.#closed || (body.text?.length ?? 0) < INLINE_BELOW ? undefined : this.#running();
    if (!worker) {
      this.#onRead('event_loop');
      return Promise.resolve(readBody(body, this.#opts.groupOf));
    }
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      if (this.#inFlight.size === 0) worker.ref();
      this.#inFlight.set(id, { body, resolve, reject });
      worker.postMessage({ id, body });
    });
  }

  /** Stops the thread; bodies read after this are read on the event loop. */
  async close(): Promise<void> {
    this.#closed = true;
    const worker = this.#worker;
    this.#stop();
    await worker?.terminate();
  }

  /** The thread when it is ready; otherwise starts it (unless it failed recently) and returns none. */
  #running(): Worker | undefined {
    if (this.#worker) return this.#ready ? this.#worker : undefined;
    if (performance.now() - this.#failedAt < RESTART_AFTER_MS) return undefined;
    const worker = new Worker(new URL('./reader-worker.js', import.meta.url), {
      workerData: this.#opts.config,
    });
    worker.unref();
    this.#whenReady = new Promise((resolve) => (this.#onReady = resolve));
    worker.on('message', (r: Reply) => {
      if ('ready' in r) {
        this.#ready = true;
        this.#onReady?.(true);
        return;
      }
      const f = this.#inFlight.get(r.id);
      if (!f) return;
      this.#inFlight.delete(r.id);
      if (this.#inFlight.size === 0) worker.unref();
      // A body the thread could not read (a bug, not bad input) is read here.
      if ('outcome' in r) {
        this.#onRead('thread');
        f.resolve(r.outcome);
      } else {
        this.#onRead('event_loop');
        this.#readHere(f);
      }
    });
    worker.on('error', (err) => this.#fail(worker, err));
    worker.on('exit', (code) => this.#fail(worker, new Error(`the reader thread exited (code ${code})`)));
    this.#worker = worker;
    return undefined;
  }

  #fail(worker: Worker, err: Error): void {
    if (this.#worker !== worker) return;
    if (!this.#closed) this.#opts.onFailure?.(err);
    this.#failedAt = performance.now();
    this.#stop();
  }

  /** Forgets the thread and reads what it had in flight here. */
  #stop(): void {
    this.#worker = undefined;
    this.#ready = false;
    this.#onReady?.(false);
    this.#onReady = undefined;
    const left = [...this.#inFlight.values()];
    this.#inFlight.clear();
    for (const f of left) {
      this.#onRead('event_loop');
      this.#readHere(f);
    }
  }
}
