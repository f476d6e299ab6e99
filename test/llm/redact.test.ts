import { describe, expect, it } from 'vitest';
import { redactLines, redactText } from '../../src/llm/redact.js';

const SECRETS = {
  openai: 'sk-proj-Abcdefghijklmnopqrstuvwxyz0123456789ABCD',
  aws: 'AKIAIOSFODNN7EXAMPLE',
  awsSecret: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  github: 'ghp_0123456789abcdefghijABCDEFGHIJ012345',
  password: 'Tr0ub4dor&3xyz',
};

describe('redactText', () => {
  it('removes API keys and AWS keys wherever they appear', () => {
    const r = redactText(`key ${SECRETS.openai} and ${SECRETS.aws} and token ${SECRETS.github}`);
    expect(r.text).not.toContain(SECRETS.openai);
    expect(r.text).not.toContain(SECRETS.aws);
    expect(r.text).not.toContain(SECRETS.github);
    expect(r.count).toBe(3);
    expect(r.kinds).toEqual(expect.arrayContaining(['openai-key', 'aws-access-key-id', 'github-token']));
  });

  it('removes password, secret and token values in YAML, SQL, JSON and env files', () => {
    const samples = [
      `  password: ${SECRETS.password}`,
      `  db_password: "${SECRETS.password}"`,
      `aws_secret_access_key = ${SECRETS.awsSecret}`,
      `"client_secret": "${SECRETS.password}"`,
      `create user loader identified by '${SECRETS.password}';`,
      `alter user x with password '${SECRETS.password}'`,
      `copy into t from s3://b credentials=(aws_key_id='${SECRETS.aws}' aws_secret_key='${SECRETS.awsSecret}')`,
      `url: postgres://loader:${encodeURIComponent(SECRETS.password)}@db.internal:5432/shop`,
      `Authorization: Bearer abcdefghijklmnopqrstuvwxyz012345`,
    ];
    for (const s of samples) {
      const r = redactText(s);
      expect(r.text, s).not.toContain(SECRETS.password);
      expect(r.text, s).not.toContain(encodeURIComponent(SECRETS.password));
      expect(r.text, s).not.toContain(SECRETS.awsSecret);
      expect(r.text, s).not.toContain('abcdefghijklmnopqrstuvwxyz012345');
      expect(r.count, s).toBeGreaterThan(0);
    }
  });

  it('keeps references that are not secrets: env_var, shell variables, placeholders', () => {
    const text = [
      "password: \"{{ env_var('DBT_PASSWORD') }}\"",
      "token: {{ env_var('API_TOKEN') }}",
      'password: ${DB_PASSWORD}',
      'secret: true',
      'select token_count, password_changed_at from users',
    ].join('\n');
    const r = redactText(text);
    expect(r.text).toBe(text);
    expect(r.count).toBe(0);
  });

  it('removes a whole private-key block, and key material seen without its BEGIN line', () => {
    const key = [
      '-----BEGIN RSA PRIVATE KEY-----',
      'MIIEowIBAAKCAQEA0Z3VS5JJcds3xfn/ygWyF0qDn4Vj7n3fQ2b8z7Vw5Xk9r1aZ',
      'kT9Lw3yUu0mN2pQ4rS6tV8wX0yZ2aB4cD6eF8gH0iJ2kL4mN6oP8qR0sT2uV4wX6',
      '-----END RSA PRIVATE KEY-----',
    ];
    const r = redactLines(['private_key: |', ...key.map((l) => `  ${l}`), 'user: loader']);
    expect(r.lines.join('\n')).not.toMatch(/MIIEow|kT9Lw3/);
    expect(r.lines[0]).toBe('private_key: |');
    expect(r.lines[r.lines.length - 1]).toBe('user: loader');
    const orphan = redactLines(['  kT9Lw3yUu0mN2pQ4rS6tV8wX0yZ2aB4cD6eF8gH0iJ2kL4mN6oP8qR0sT2uV4wX6']);
    expect(orphan.lines[0]).not.toContain('kT9Lw3');
  });

  it('leaves ordinary dbt SQL alone', () => {
    const sql = "select order_id, sum(amount) as amount_usd from {{ ref('stg_payments') }} where status = 'paid' group by 1";
    expect(redactText(sql)).toEqual({ text: sql, count: 0, kinds: [] });
  });
});
