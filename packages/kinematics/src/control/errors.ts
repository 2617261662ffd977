/** Why the control library refused a command or a configuration. */
export type ControlRejectionCode =
  | 'not-finite'
  | 'position-limit'
  | 'velocity-limit'
  | 'acceleration-limit'
  | 'invalid-plan'
  | 'invalid-config';

/** Thrown for any command or configuration the servo library refuses; `code` says which rule it broke. */
export class ControlCommandError extends Error {
  readonly code: ControlRejectionCode;
  constructor(code: ControlRejectionCode, reason: string) {
    super(`control: ${reason}`);
    this.name = 'ControlCommandError';
    this.code = code;
  }
}

export function requireFinite(value: number, what: string): void {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new ControlCommandError('not-finite', `${what} must be a finite number (got ${String(value)})`);
  }
}

export function requirePositive(value: number, what: string): void {
  requireFinite(value, what);
  if (value <= 0) throw new ControlCommandError('invalid-config', `${what} must be > 0 (got ${value})`);
}

export function requireNonNegative(value: number, what: string): void {
  requireFinite(value, what);
  if (value < 0) throw new ControlCommandError('invalid-config', `${what} must be ≥ 0 (got ${value})`);
}
