import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/config.js';

describe('loadConfig', () => {
  it('gives the documented defaults for an empty environment', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      host: '127.0.0.1',
      port: 3000,
      databaseUrl: null,
      demo: 'auto',
      nodeEnv: 'development',
      escalationGraceHours: 24,
      tokenTtlHours: 12,
      bodyLimit: 64 * 1024 * 1024,
      logLevel: 'info',
      indicatorWeightsFile: null,
    });
  });

  it('reads the values given, treating an empty value as unset', () => {
    const c = loadConfig({
      PORT: '8080',
      DEMO: 'TRUE',
      DATABASE_URL: 'postgresql://u@h/db',
      TOKEN_TTL_HOURS: '0.5',
      BODY_LIMIT_MB: '2',
      LOG_LEVEL: 'warn',
      TIANDITU_KEY: '',
    });
    expect(c).toMatchObject({
      port: 8080,
      demo: 'always',
      databaseUrl: 'postgresql://u@h/db',
      tokenTtlHours: 0.5,
      bodyLimit: 2 * 1024 * 1024,
      logLevel: 'warn',
      tiandituKey: null,
    });
    expect(loadConfig({ DEMO: '0' }).demo).toBe('never');
  });

  it('stops on a bad value, naming the variable, what it must be and what it was', () => {
    expect(() => loadConfig({ PORT: '1.5' })).toThrow('PORT must be an integer ≥ 0, got "1.5"');
    expect(() => loadConfig({ BODY_LIMIT_MB: '0' })).toThrow('BODY_LIMIT_MB must be an integer ≥ 1, got "0"');
    expect(() => loadConfig({ ESCALATION_GRACE_HOURS: '-1' })).toThrow(
      'ESCALATION_GRACE_HOURS must be a non-negative number, got "-1"',
    );
    expect(() => loadConfig({ DEMO: 'maybe' })).toThrow('DEMO must be auto, 1 or 0, got "maybe"');
    expect(() => loadConfig({ DATABASE_URL: 'mysql://x' })).toThrow(
      'DATABASE_URL must be a URL starting with postgres:// or postgresql://, got "mysql://x"',
    );
    expect(() => loadConfig({ LOG_LEVEL: 'loud' })).toThrow(
      'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got "loud"',
    );
  });

  it('names every bad variable at once', () => {
    expect(() => loadConfig({ PORT: 'x', TOKEN_TTL_HOURS: 'soon' })).toThrow(
      'PORT must be an integer ≥ 0, got "x"; TOKEN_TTL_HOURS must be a non-negative number, got "soon"',
    );
  });
});
