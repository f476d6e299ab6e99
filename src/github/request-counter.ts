/**
 * Counts the GitHub requests one review makes (by route), for the log line every review ends with: the number the
 * benchmark reads. Installation-token requests (at most one an hour per installation) are counted apart.
 */
import type { Octokit } from './types.js';

const TOKEN_ROUTE = /^POST \/app\/installations\/[^/]+\/access_tokens$/;

export class RequestCounter {
  /** API requests, token requests excluded. */
  total = 0;
  /** Installation-token requests. */
  auth = 0;
  readonly byRoute = new Map<string, number>();

  attach(octokit: Octokit): Octokit {
    octokit.hook.before('request', (options) => {
      const path = String(options.url)
        .replace(/^https?:\/\/[^/]+/, '')
        .replace(/^\/api\/v3(?=\/)/, '')
        .split('?')[0];
      const route = `${options.method} ${path}`;
      if (TOKEN_ROUTE.test(route)) {
        this.auth++;
        return;
      }
      this.total++;
      this.byRoute.set(route, (this.byRoute.get(route) ?? 0) + 1);
    });
    return octokit;
  }

  toJSON(): { total: number; auth: number; byRoute: Record<string, number> } {
    return { total: this.total, auth: this.auth, byRoute: Object.fromEntries(this.byRoute) };
  }
}
