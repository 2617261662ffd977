/**
 * Simulated time for the robot node. Everything the robot does (servo steps, deadman, lease expiry, publishing
 * rates) runs on this clock, which only moves when `advance` is called: by a wall-clock timer in real-time
 * mode, or by a test, step by step, so that timing is checked in simulated time, never against the wall clock.
 * ROS time on the wire is `epochS + elapsed` (seconds since 1970 at the start, plus simulated seconds).
 */

/** builtin_interfaces/msg/Time. */
export interface RosTime {
  sec: number;
  nanosec: number;
}

export class SimClock {
  private elapsed = 0;
  private epoch: number;
  /** @param epochS ROS time (s since 1970) at simulated time 0. */
  constructor(epochS: number = Date.now() / 1000) {
    if (!Number.isFinite(epochS)) throw new Error(`sim clock: epoch ${epochS} is not a finite time`);
    this.epoch = epochS;
  }
  /** ROS time (s since 1970) at simulated time 0; moves only by `skip`. */
  get epochS(): number {
    return this.epoch;
  }
  /**
   * Moves ROS time forward without simulating it (real-time mode after a stall of the process): the wire clock
   * stays with the wall clock that clients stamp their heartbeats and goals with, while the physics, deadman
   * and leases (on elapsed simulated time) do not jump.
   */
  skip(seconds: number): void {
    if (!(seconds >= 0) || !Number.isFinite(seconds)) throw new Error(`sim clock: cannot skip ${seconds} s`);
    this.epoch += seconds;
  }
  /** Simulated seconds since the start. */
  get elapsedS(): number {
    return this.elapsed;
  }
  /** ROS time now, s since 1970. */
  get nowS(): number {
    return this.epoch + this.elapsed;
  }
  /** ROS time now as builtin_interfaces/Time. */
  now(): RosTime {
    return toRosTime(this.nowS);
  }
  /** Moves simulated time forward (the robot node calls this once per control tick). */
  tick(seconds: number): void {
    if (!(seconds >= 0) || !Number.isFinite(seconds))
      throw new Error(`sim clock: cannot advance by ${seconds} s`);
    this.elapsed += seconds;
  }
}

export function toRosTime(seconds: number): RosTime {
  const sec = Math.floor(seconds);
  let nanosec = Math.round((seconds - sec) * 1e9);
  if (nanosec >= 1e9) return { sec: sec + 1, nanosec: 0 };
  if (nanosec < 0) nanosec = 0;
  return { sec, nanosec };
}

/** Seconds of a builtin_interfaces/Time, or null when it is not one (missing fields, NaN, negative). */
export function fromRosTime(t: unknown): number | null {
  if (typeof t !== 'object' || t === null) return null;
  const { sec, nanosec } = t as Record<string, unknown>;
  if (typeof sec !== 'number' || typeof nanosec !== 'number') return null;
  if (!Number.isInteger(sec) || !Number.isInteger(nanosec) || nanosec < 0 || nanosec >= 1e9) return null;
  return sec + nanosec * 1e-9;
}
