import { describe, expect, it } from 'vitest';
import { oneShotV8Flags, tuneV8ForOneShot } from '../../src/cli/one-shot-v8.js';
import { spawnCli } from './run-cli.js';

describe('V8 settings of the one-shot CLI', () => {
  it('are known to this Node: the CLI starts with them and V8 reports no unrecognized flag', async () => {
    const run = await spawnCli(['--version']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^\d+\.\d+\.\d+/);
    expect(run.stderr).toBe('');
  });

  it("follow V8's tiering: an interrupt budget on V8 11 (Node 20), an invocation count on V8 12 (Node 22)", () => {
    expect(oneShotV8Flags('11.3.244.8-node.38')).toEqual(['--liftoff-only', '--interrupt-budget=500000']);
    expect(oneShotV8Flags('12.4.254.21-node.57')).toEqual(['--liftoff-only', '--invocation-count-for-turbofan=100000']);
  });

  it('are left out on V8 versions where they were not checked or did not help (V8 13 and 14, Node 24 and 26: within noise)', () => {
    expect(oneShotV8Flags('13.6.233.17-node.53')).toBeUndefined();
    expect(oneShotV8Flags('14.6.202.34-node.34')).toBeUndefined();
    expect(tuneV8ForOneShot('14.2.100')).toBe(false);
    expect(tuneV8ForOneShot('10.2.154.26-node.22')).toBe(false);
    expect(tuneV8ForOneShot('not a version')).toBe(false);
  });
});
