import { createHash } from 'node:crypto';
import type { Finding } from './types.js';

/**
 * A finding's identity across pushes: rule + model + column + normalised message, never the line. Numbers and
 * quoted fragments that carry line numbers are removed from the message so an edit above a finding keeps it.
 */
export function fingerprint(f: Pick<Finding, 'rule' | 'model' | 'column' | 'message' | 'path'>): string {
  const normalised = f.message
    .toLowerCase()
    .replace(/:\d+(?::\d+)?\b/g, ':#') // file:line references
    .replace(/\bline \d+\b/g, 'line #')
    .replace(/\s+/g, ' ')
    .trim();
  const subject = f.model ?? f.path;
  return createHash('sha256')
    .update([f.rule, subject, f.column ?? '', normalised].join('\u0000'))
    .digest('hex')
    .slice(0, 16);
}

/** Adds the fingerprint to a finding built without one. */
export function withFingerprint(f: Omit<Finding, 'fingerprint'>): Finding {
  return { ...f, fingerprint: fingerprint(f) };
}
