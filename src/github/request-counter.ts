/**
 * Counts the GitHub requests one review makes (by route), for the log line every review ends with: the number the
 * benchmark reads. Token requests of the app itself are not made through the installation client and are not
 * counted here.
 */
import type { Octokit } from './types.js';

export class RequestCounter {
  total = 0;
  readonly byRoute = new Map<string, number>();

  attach(octokit: Octokit): Octokit {
    octokit.hook.before('request', (options) => {
      const route = `${options.method} ${String(options.url).replace(/^https?:\/\/[^/]+/, '').split('?')[0]}`;
      this.total++;
      this.byRoute.set(route, (this.byRoute.get(route) ?? 0) + 1);
    });
    return octokit;
  }

  toJSON(): { total: number; byRoute: Record<string, number> } {
    return { total: this.total, byRoute: Object.fromEntries(this.byRoute) };
  }
}
