/**
 * Building blocks of the robot node: the steppable servo (checked against kinematics' simulateInsertion, the
 * reference servo simulation validated in packages/kinematics/test/control.test.ts), credentials (scrypt
 * checked with node:crypto directly, SHA-256 by a digest computed in Python), the command ledger and times.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scryptSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { InsertionServo, NO_BRAIN_MOTION, simulateInsertion } from '@neuroplan/kinematics';
import { fromRosTime, toRosTime } from '../src/robot/clock.ts';
import { CommandLedger, commandProblems } from '../src/robot/commands.ts';
import {
  createDemoCredential,
  credentialsFromEnv,
  credentialsFromHashes,
  hashOperatorPassword,
  readCredentialsFile,
} from '../src/robot/credentials.ts';

describe('InsertionServo', () => {
  it('tracks a trapezoidal insertion like simulateInsertion does (same seed, same plan)', () => {
    const servo = new InsertionServo({ seed: 3 });
    servo.advance(2); // the same warm-up as simulateInsertion's default
    servo.resetStats();
    servo.moveTo(2000, 500);
    let steps = 0;
    while (servo.moving) {
      servo.step(1);
      steps++;
    }
    const ref = simulateInsertion({ depthsMm: [2], speedsUmPerS: [500], pausesS: [0] }, { seed: 3 });
    // The same profile duration within 1 % (the online generator ends its deceleration ~10 ms early, where the
    // time-optimal rate √(2a·remaining) is discretised) and the same tracking quality (within 10 %).
    expect(Math.abs(steps / servo.rateHz - ref.planDurationS)).toBeLessThanOrEqual(0.01 * ref.planDurationS);
    expect(servo.stats().rmsErrorUm).toBeGreaterThan(0.9 * ref.rmsErrorUm);
    expect(servo.stats().rmsErrorUm).toBeLessThan(1.1 * ref.rmsErrorUm);
    expect(servo.snapshot().depthRefUm).toBe(2000);
  });

  it('settles on the commanded depth on a still surface and stops at once', () => {
    const servo = new InsertionServo({
      brainMotion: NO_BRAIN_MOTION,
      sensor: { noiseUmRms: 0 },
      plant: { encoderNoiseM: 0 },
    });
    servo.moveTo(1000, 400);
    servo.advance(1);
    const mid = servo.snapshot();
    expect(mid.depthRateUmPerS).toBeGreaterThan(0);
    servo.stop();
    servo.advance(0.5);
    const s = servo.snapshot();
    expect(s.depthRefUm).toBe(mid.depthRefUm);
    // Within a few encoder quanta (50 nm) of the held reference.
    expect(Math.abs(s.tipUm - s.depthRefUm)).toBeLessThan(0.2);
    expect(() => servo.moveTo(Number.NaN, 100)).toThrow(/finite/);
    expect(() => servo.moveTo(500_000, 100)).toThrow(/axis travel/);
    expect(() => servo.moveTo(100, 1e6)).toThrow(/axis limit/);
  });

  it('outside the tissue the compensation ramp leaves the brain motion alone', () => {
    const servo = new InsertionServo({ seed: 5, compensationRampUm: 1000, initialTipUm: -5000 });
    servo.advance(1);
    // 5 mm above the surface: the reference is the depth alone (the surface moves ~±150 µm).
    expect(servo.snapshot().depthRefUm).toBe(-5000);
    expect(Math.abs(servo.snapshot().tipUm + 5000)).toBeLessThan(1);
  });
});

describe('credentials', () => {
  it('writes scrypt hashes that node:crypto verifies and checks passwords in constant time', async () => {
    const hash = await hashOperatorPassword('correct horse', { N: 1024, r: 8, p: 1 });
    const [, n, r, p, salt, key] = hash.split('$');
    const independent = scryptSync('correct horse', Buffer.from(salt!, 'base64'), 32, {
      N: Number(n),
      r: Number(r),
      p: Number(p),
    });
    expect(independent.toString('base64')).toBe(key);
    const creds = credentialsFromHashes({ ann: hash }, 'test');
    expect(await creds.verify('ann', 'correct horse')).toBe(true);
    expect(await creds.verify('ann', 'correct horsf')).toBe(false);
    expect(await creds.verify('bob', 'correct horse')).toBe(false);
    expect(await creds.verify('ann', 42 as unknown as string)).toBe(false);
  });

  it('accepts sha256 hashes (digest from Python hashlib) and reads secrets files and the environment', async () => {
    const digest = execFileSync(
      '/usr/bin/python3',
      ['-c', 'import hashlib;print(hashlib.sha256(b"pw-7").hexdigest())'],
      {
        encoding: 'utf8',
      },
    ).trim();
    const dir = mkdtempSync(join(tmpdir(), 'np-cred-'));
    const file = join(dir, 'ops.json');
    writeFileSync(file, JSON.stringify({ operators: { carol: `sha256$${digest}` } }));
    const creds = readCredentialsFile(file);
    expect(await creds.verify('carol', 'pw-7')).toBe(true);
    expect(await creds.verify('carol', 'pw-8')).toBe(false);
    const fromEnv = await credentialsFromEnv({ NEUROPLAN_OPERATOR_SECRETS: file });
    expect(fromEnv?.operators()).toEqual(['carol']);
    const pw = await credentialsFromEnv({ NEUROPLAN_OPERATOR_PASSWORD: 'x1' });
    expect(await pw!.verify('operator', 'x1')).toBe(true);
    expect(await credentialsFromEnv({})).toBeNull();
    writeFileSync(file, JSON.stringify({ operators: { dave: 'plaintext' } }));
    expect(() => readCredentialsFile(file)).toThrow(`${file}: operator dave: not a`);
    writeFileSync(file, '{');
    expect(() => readCredentialsFile(file)).toThrow(file);
    const demo = await createDemoCredential(dir);
    expect(await demo.credentials.verify('demo', demo.password)).toBe(true);
    expect(await readCredentialsFile(demo.path).verify('demo', demo.password)).toBe(true);
  });
});

describe('commands and time', () => {
  it('refuses duplicate ids and stale or future stamps', () => {
    const ledger = new CommandLedger(10);
    const checks = { maxAgeS: 1, maxFutureS: 0.5 };
    const now = 1000;
    expect(commandProblems({ leaseId: 'l', commandId: 'a', stampS: now - 0.2 }, now, ledger, checks)).toEqual(
      [],
    );
    expect(commandProblems({ leaseId: 'l', commandId: 'a', stampS: now }, now, ledger, checks)[0]).toMatch(
      /already used/,
    );
    expect(
      commandProblems({ leaseId: 'l', commandId: 'b', stampS: now - 1.5 }, now, ledger, checks)[0],
    ).toMatch(/stale/);
    expect(
      commandProblems({ leaseId: 'l', commandId: 'c', stampS: now + 0.6 }, now, ledger, checks)[0],
    ).toMatch(/future/);
    ledger.prune(now + 100);
    expect(ledger.size).toBe(0);
  });

  it('converts ROS times', () => {
    expect(toRosTime(12.25)).toEqual({ sec: 12, nanosec: 250_000_000 });
    expect(fromRosTime({ sec: 12, nanosec: 250_000_000 })).toBe(12.25);
    expect(fromRosTime({ sec: 1, nanosec: 1e9 })).toBeNull();
    expect(fromRosTime({ sec: '1', nanosec: 0 })).toBeNull();
    expect(fromRosTime(null)).toBeNull();
  });
});
