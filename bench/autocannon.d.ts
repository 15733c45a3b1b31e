// autocannon ships no types and @types/autocannon is not a dependency; this covers only what
// the benchmarks use.
declare module 'autocannon' {
  namespace autocannon {
    interface Histogram {
      average: number;
      mean: number;
      stddev: number;
      min: number;
      max: number;
      total: number;
      p50: number;
      p90: number;
      p99: number;
    }

    interface Request {
      method?: string;
      path?: string;
      headers?: Record<string, string>;
      body?: string | Buffer;
      /** In workers mode, the absolute path of a module whose `module.exports` is the function. */
      setupRequest?: string;
      /** Extra fields travel with the request into `setupRequest` (structured-cloned into the worker). */
      [extra: string]: unknown;
    }

    interface Options {
      url: string;
      connections?: number;
      duration?: number;
      workers?: number;
      timeout?: number;
      requests?: Request[];
    }

    interface Result {
      requests: Histogram;
      latency: Histogram;
      throughput: Histogram;
      duration: number;
      errors: number;
      timeouts: number;
      non2xx: number;
      '2xx': number;
    }
  }

  function autocannon(opts: autocannon.Options): Promise<autocannon.Result>;
  export = autocannon;
}
