/**
 * What can go wrong between the operator's screen and the robot, as distinct error classes: the UI and
 * the tests tell "never sent" (NotConnectedError, NoLeaseError) from "sent, answer lost" (GoalLostError,
 * RequestLostError) from "answered no" (ServiceRefusedError) — never a silent drop.
 */

/** The command was NOT sent: there was no open connection at the moment of sending (nothing is queued). */
export class NotConnectedError extends Error {
  constructor(what: string) {
    super(`${what}: not sent, the robot is not connected (commands are never queued for later)`);
    this.name = 'NotConnectedError';
  }
}

/** The command was NOT sent: it needs the control lease and this client holds none. */
export class NoLeaseError extends Error {
  constructor(what: string) {
    super(`${what}: not sent, this client does not hold control of the robot (claim control first)`);
    this.name = 'NoLeaseError';
  }
}

/** A goal was sent but the connection dropped before its result came: its outcome is unknown. */
export class GoalLostError extends Error {
  readonly commandId: string;
  readonly action: string;
  constructor(action: string, commandId: string, why: string) {
    super(`${action} goal ${commandId}: lost (${why}); its outcome is unknown, check the robot's state`);
    this.name = 'GoalLostError';
    this.action = action;
    this.commandId = commandId;
  }
}

/** A service call was sent but no answer came (connection dropped, or the time limit passed). */
export class RequestLostError extends Error {
  readonly service: string;
  constructor(service: string, why: string) {
    super(`${service}: no answer (${why})`);
    this.name = 'RequestLostError';
    this.service = service;
  }
}

/** The bridge answered a service call with a failure (unknown service, refused, handler error). */
export class ServiceFailedError extends Error {
  readonly service: string;
  constructor(service: string, reason: string) {
    super(`${service}: failed: ${reason || 'no reason given'}`);
    this.name = 'ServiceFailedError';
    this.service = service;
  }
}

/** The robot answered but said no (e.g. claim_control not granted); `reason` is the robot's words. */
export class RefusedError extends Error {
  readonly reason: string;
  constructor(what: string, reason: string) {
    super(`${what}: refused: ${reason || 'no reason given'}`);
    this.name = 'RefusedError';
    this.reason = reason;
  }
}
