/**
 * The Octokit class the app runs with: Probot's (auth, retry, throttling, pagination, config), with secondary rate
 * limits retried (Probot's default only logs them) and, optionally, a different pacing of write requests.
 */
import Bottleneck from 'bottleneck';
import { ProbotOctokit } from 'probot';

/** Retries of one request after a secondary rate limit before giving up. */
export const SECONDARY_RATE_LIMIT_RETRIES = 3;

interface ThrottleLogger {
  warn(message: string): void;
}

interface ThrottleOptions {
  onSecondaryRateLimit?: unknown;
  onRateLimit?: unknown;
  connection?: unknown;
  [key: string]: unknown;
}

/**
 * `writePacingMs`: minimum time between two write requests of one installation. Octokit's default (1 s, 3 s for
 * requests that notify people) follows GitHub's guidance; set it only to test against a fake GitHub. Ignored
 * when throttling state is shared through Redis.
 */
export function reviewerOctokit(options: { writePacingMs?: number } = {}): typeof ProbotOctokit {
  const pacing = options.writePacingMs;
  const groups =
    pacing !== undefined
      ? {
          write: new Bottleneck.Group({ maxConcurrent: 1, minTime: pacing }),
          notifications: new Bottleneck.Group({ maxConcurrent: 1, minTime: pacing }),
        }
      : {};
  return ProbotOctokit.defaults((instanceOptions: Record<string, unknown>) => {
    const throttle = (instanceOptions.throttle ?? {}) as ThrottleOptions;
    return {
      ...instanceOptions,
      throttle: {
        ...throttle,
        ...(throttle.connection === undefined ? groups : {}),
        onSecondaryRateLimit: (retryAfter: number, request: { method: string; url: string }, octokit: { log: ThrottleLogger }, retryCount: number) => {
          const retry = retryCount < SECONDARY_RATE_LIMIT_RETRIES;
          octokit.log.warn(
            `Secondary rate limit on ${request.method} ${request.url}; ${retry ? `retrying in ${retryAfter} s` : 'giving up'} (attempt ${retryCount + 1}).`,
          );
          return retry;
        },
      },
    };
  }) as typeof ProbotOctokit;
}
