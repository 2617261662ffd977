/** ROS 2 time stamps (builtin_interfaces/msg/Time) in the JSON mapping. */

export interface Time {
  /** Seconds since the Unix epoch (int32 on the wire). */
  sec: number;
  /** Nanoseconds, 0 <= nanosec < 1e9. */
  nanosec: number;
}

/** builtin_interfaces/msg/Duration has the same shape. */
export type Duration = Time;

/** A stamp for `timeMs` (milliseconds since the Unix epoch, default `Date.now()`). */
export function nowStamp(timeMs: number = Date.now()): Time {
  const sec = Math.floor(timeMs / 1000);
  const nanosec = Math.min(999_999_999, Math.round((timeMs - sec * 1000) * 1e6));
  return { sec, nanosec };
}

/** Seconds as a float (nanosecond resolution is lost beyond ~2^53 ns, i.e. sub-microsecond today). */
export function stampToSeconds(stamp: Time): number {
  return stamp.sec + stamp.nanosec * 1e-9;
}

/** The stamp for `seconds` (float seconds since the epoch; negative values give a negative `sec`). */
export function secondsToStamp(seconds: number): Time {
  let sec = Math.floor(seconds);
  let nanosec = Math.round((seconds - sec) * 1e9);
  if (nanosec >= 1e9) {
    sec += 1;
    nanosec -= 1e9;
  }
  return { sec, nanosec };
}
