/**
 * Operator credentials. Secrets never live in the repository: they come from the environment
 * (`NEUROPLAN_OPERATOR_PASSWORD`: one operator named `operator`) or from a JSON file named by
 * `NEUROPLAN_OPERATOR_SECRETS`: `{"operators": {"<name>": "<hash>"}}`, where a hash is
 * `scrypt$<N>$<r>$<p>$<salt base64>$<key base64>` (what `hashOperatorPassword` writes) or
 * `sha256$<hex of SHA-256(password)>` (accepted for tooling that cannot run scrypt; weaker).
 * Comparison is constant-time (timingSafeEqual); an unknown operator costs the same scrypt as a known one.
 */
import { createHash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

/** OWASP's scrypt minimum (N=2^17 is recommended for new systems; 2^14 keeps a claim near 50 ms here). */
export const DEFAULT_SCRYPT: Readonly<ScryptParams> = Object.freeze({ N: 16384, r: 8, p: 1 });
const KEY_BYTES = 32;

export interface OperatorCredentials {
  /** Where they came from (for the log; never the secret). */
  readonly source: string;
  /** Operator names. */
  operators(): string[];
  /** True when `password` is the operator's; never throws for bad input. */
  verify(operator: string, password: string): Promise<boolean>;
}

function scryptAsync(password: string, salt: Buffer, params: ScryptParams): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(
      password,
      salt,
      KEY_BYTES,
      { N: params.N, r: params.r, p: params.p, maxmem: 256 * params.N * params.r + 1024 * 1024 },
      (err, key) => (err ? reject(err) : resolve(key)),
    ),
  );
}

/** A scrypt hash string for `password` (fresh random salt). */
export async function hashOperatorPassword(
  password: string,
  params: ScryptParams = DEFAULT_SCRYPT,
): Promise<string> {
  if (typeof password !== 'string' || password.length === 0)
    throw new Error('operator credentials: the password must be a non-empty string');
  const salt = randomBytes(16);
  const key = await scryptAsync(password, salt, params);
  return `scrypt$${params.N}$${params.r}$${params.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

type ParsedHash =
  { kind: 'scrypt'; params: ScryptParams; salt: Buffer; key: Buffer } | { kind: 'sha256'; digest: Buffer };

function parseHash(hash: unknown, where: string): ParsedHash {
  if (typeof hash !== 'string') throw new Error(`${where}: the hash must be a string`);
  const parts = hash.split('$');
  if (parts[0] === 'sha256' && parts.length === 2 && /^[0-9a-f]{64}$/i.test(parts[1]!))
    return { kind: 'sha256', digest: Buffer.from(parts[1]!, 'hex') };
  if (parts[0] === 'scrypt' && parts.length === 6) {
    const [N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
    const powerOfTwo = Number.isInteger(N) && N >= 2 && (N & (N - 1)) === 0;
    if (
      !powerOfTwo ||
      N > 2 ** 20 ||
      !Number.isInteger(r) ||
      r < 1 ||
      r > 32 ||
      !Number.isInteger(p) ||
      p < 1 ||
      p > 16
    )
      throw new Error(
        `${where}: scrypt parameters N=${parts[1]} r=${parts[2]} p=${parts[3]} are out of range`,
      );
    const salt = Buffer.from(parts[4]!, 'base64');
    const key = Buffer.from(parts[5]!, 'base64');
    if (salt.length < 8 || key.length < 16) throw new Error(`${where}: the scrypt salt or key is too short`);
    return { kind: 'scrypt', params: { N, r, p }, salt, key };
  }
  throw new Error(`${where}: not a 'scrypt$N$r$p$salt$key' or 'sha256$hex' hash`);
}

/** Credentials from operator → hash strings (throws `<source>: <reason>` for a malformed entry). */
export function credentialsFromHashes(hashes: Record<string, string>, source: string): OperatorCredentials {
  const table = new Map<string, ParsedHash>();
  for (const [name, hash] of Object.entries(hashes)) {
    if (name.trim() === '' || name.length > 64)
      throw new Error(`${source}: operator names must be 1–64 characters`);
    table.set(name, parseHash(hash, `${source}: operator ${name}`));
  }
  if (table.size === 0) throw new Error(`${source}: no operators`);
  // Verified against when the operator is unknown, so that timing does not reveal who exists.
  const decoy: ParsedHash = {
    kind: 'scrypt',
    params: DEFAULT_SCRYPT,
    salt: randomBytes(16),
    key: randomBytes(KEY_BYTES),
  };
  return {
    source,
    operators: () => [...table.keys()],
    async verify(operator, password) {
      if (typeof operator !== 'string' || typeof password !== 'string' || password.length > 1024)
        return false;
      const entry = table.get(operator);
      const h = entry ?? decoy;
      try {
        if (h.kind === 'sha256') {
          const d = createHash('sha256').update(password, 'utf8').digest();
          return timingSafeEqual(d, h.digest) && entry !== undefined;
        }
        const key = await scryptAsync(password, h.salt, h.params);
        return key.length === h.key.length && timingSafeEqual(key, h.key) && entry !== undefined;
      } catch {
        return false;
      }
    },
  };
}

/** Reads a secrets file `{"operators": {...}}`; errors name the file. */
export function readCredentialsFile(path: string): OperatorCredentials {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new Error(
      `${path}: cannot read the operator secrets (${e instanceof Error ? e.message : String(e)})`,
    );
  }
  const ops = (json as { operators?: unknown } | null)?.operators;
  if (typeof ops !== 'object' || ops === null || Array.isArray(ops))
    throw new Error(`${path}: expected {"operators": {"<name>": "<hash>"}}`);
  return credentialsFromHashes(ops as Record<string, string>, path);
}

/**
 * Credentials from the environment: the secrets file in NEUROPLAN_OPERATOR_SECRETS, else the single
 * operator `operator` with the password in NEUROPLAN_OPERATOR_PASSWORD, else null.
 */
export async function credentialsFromEnv(
  env: Record<string, string | undefined> = process.env,
): Promise<OperatorCredentials | null> {
  const file = env.NEUROPLAN_OPERATOR_SECRETS;
  if (file) return readCredentialsFile(file);
  const password = env.NEUROPLAN_OPERATOR_PASSWORD;
  if (password)
    return credentialsFromHashes(
      { operator: await hashOperatorPassword(password) },
      'NEUROPLAN_OPERATOR_PASSWORD',
    );
  return null;
}

export interface DemoCredential {
  operator: string;
  password: string;
  /** The secrets file written (hash only). */
  path: string;
  credentials: OperatorCredentials;
}

/**
 * A fresh demo operator with a random password, its hash written to `<dir>/robot-operators.json`
 * (dir: a gitignored folder such as .tmp/). The password is returned to be printed, never stored.
 */
export async function createDemoCredential(dir: string, operator = 'demo'): Promise<DemoCredential> {
  const password = randomBytes(12).toString('base64url');
  const hash = await hashOperatorPassword(password);
  const path = join(dir, 'robot-operators.json');
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, JSON.stringify({ operators: { [operator]: hash } }, null, 2) + '\n', { mode: 0o600 });
  return { operator, password, path, credentials: credentialsFromHashes({ [operator]: hash }, path) };
}
