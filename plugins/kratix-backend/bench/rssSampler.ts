/** Samples the process's RSS, in MiB; `reset` returns the peak since the last reset. */
export class RssSampler {
  #peak = process.memoryUsage().rss;
  readonly #timer = setInterval(() => {
    this.#peak = Math.max(this.#peak, process.memoryUsage().rss);
  }, 100);

  now(): number {
    return process.memoryUsage().rss / 2 ** 20;
  }

  reset(): number {
    const peak = Math.max(this.#peak, process.memoryUsage().rss);
    this.#peak = process.memoryUsage().rss;
    return peak / 2 ** 20;
  }

  stop() {
    clearInterval(this.#timer);
  }
}
