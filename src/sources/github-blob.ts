/**
 * Git's object id of a file's content, to check a file rebuilt from patches against the blob SHA GitHub lists for
 * it: the hash of `blob <byte length>\0<content>` (SHA-1, or SHA-256 for 64-digit ids).
 */
import { createHash } from 'node:crypto';

export function gitBlobSha(content: Uint8Array, algorithm: 'sha1' | 'sha256' = 'sha1'): string {
  return createHash(algorithm).update(`blob ${content.byteLength}\0`).update(content).digest('hex');
}

/** Whether `content` is the blob `expectedSha` names. */
export function isBlob(content: Uint8Array, expectedSha: string): boolean {
  const expected = expectedSha.toLowerCase();
  return gitBlobSha(content, expected.length === 64 ? 'sha256' : 'sha1') === expected;
}
