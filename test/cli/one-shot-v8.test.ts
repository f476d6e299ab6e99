import { describe, expect, it } from 'vitest';
import { ONE_SHOT_V8_FLAGS, tuneV8ForOneShot } from '../../src/cli/one-shot-v8.js';
import { spawnCli } from './run-cli.js';

describe('V8 settings of the one-shot CLI', () => {
  it('are known to this Node: the CLI starts with them and V8 reports no unrecognized flag', async () => {
    const run = await spawnCli(['--version']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^\d+\.\d+\.\d+/);
    expect(run.stderr).toBe('');
  });

  it('are left out on V8 versions they were not checked with', () => {
    expect(tuneV8ForOneShot('14.2.100')).toBe(false);
    expect(tuneV8ForOneShot('10.2.154.26-node.22')).toBe(false);
    expect(tuneV8ForOneShot('not a version')).toBe(false);
    expect(ONE_SHOT_V8_FLAGS).toContain('--liftoff-only');
  });
});
