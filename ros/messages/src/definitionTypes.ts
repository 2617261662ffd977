/** Shapes of the generated interface texts (src/generated/definitions.ts). */

export interface RawMessageDefinition {
  /** Source file, relative to the repository root. */
  readonly file: string;
  readonly text: string;
}

export interface RawServiceDefinition extends RawMessageDefinition {
  /** Text before the `---` line. */
  readonly request: string;
  /** Text after it. */
  readonly response: string;
}

export interface RawActionDefinition extends RawMessageDefinition {
  readonly goal: string;
  readonly result: string;
  readonly feedback: string;
}

/** Keyed by `pkg/msg/Name`, `pkg/srv/Name`, `pkg/action/Name`. */
export interface RawDefinitions {
  readonly msg: Readonly<Record<string, RawMessageDefinition>>;
  readonly srv: Readonly<Record<string, RawServiceDefinition>>;
  readonly action: Readonly<Record<string, RawActionDefinition>>;
}
