/**
 * Lazy, cached loading of the emscripten codec builds (@cornerstonejs/codec-*), browser-safe: in Node the
 * modules find their .wasm beside their JS by themselves; browsers and bundlers set a locator.
 */
import type { DecodedFrame } from './types.ts';

/** Maps a codec's .wasm file name (e.g. "charlswasm_decode.wasm") to the URL or path it is served from. */
export type WasmLocator = (wasmFileName: string) => string;

let wasmLocator: WasmLocator | undefined;

/**
 * Where codec .wasm files are found. Needed only where the emscripten default (the directory of the codec's
 * JS file) does not work, e.g. a bundled web worker. Affects modules loaded after the call.
 */
export function setCodecWasmLocator(locator: WasmLocator | undefined): void {
  wasmLocator = locator;
}

export function locateWasm(fileName: string): string | undefined {
  return wasmLocator?.(fileName);
}

/** What every embind decoder class of these packages offers. */
export interface EmscriptenDecoder {
  getEncodedBuffer(length: number): Uint8Array;
  getDecodedBuffer(): Uint8Array;
  getFrameInfo(): {
    width: number;
    height: number;
    bitsPerSample: number;
    componentCount: number;
    isSigned?: boolean;
  };
  delete(): void;
}

export interface EmscriptenModule {
  getExceptionMessage?: (pointer: number) => string;
}

type Factory<M> = (options: Record<string, unknown>) => Promise<M>;

/** One codec module: loaded on first use, kept, dropped after a trap (its memory may be inconsistent). */
export class EmscriptenCodec<M extends EmscriptenModule> {
  private module: Promise<M> | undefined;
  /** What the library printed during the current call (openjpeg and openjph report errors only so). */
  private printed: string[] = [];

  constructor(
    readonly name: string,
    private readonly importFactory: () => Promise<{ default: Factory<M> } | Factory<M>>,
  ) {}

  private load(): Promise<M> {
    this.module ??= this.importFactory()
      .then((m) => {
        const factory = typeof m === 'function' ? m : m.default;
        const sink = (text: unknown) => {
          if (this.printed.length < 20) this.printed.push(String(text));
        };
        const options: Record<string, unknown> = { print: sink, printErr: sink };
        if (wasmLocator) options['locateFile'] = (f: string) => (f.endsWith('.wasm') ? wasmLocator!(f) : f);
        return factory(options);
      })
      .catch((e: unknown) => {
        this.module = undefined;
        throw new Error(`cannot load the ${this.name} codec: ${e instanceof Error ? e.message : String(e)}`);
      });
    return this.module;
  }

  /** Runs `use` on the loaded module; library failures become Error("<codec>: <what it said>"). */
  async run<T>(use: (module: M) => T): Promise<T> {
    const module = await this.load();
    this.printed = [];
    try {
      return use(module);
    } catch (e) {
      if (isWasmTrap(e)) this.module = undefined;
      let said: string;
      if (typeof e === 'number') {
        try {
          said = module.getExceptionMessage?.(e) ?? '';
        } catch {
          said = '';
        }
      } else said = e instanceof Error ? e.message : String(e);
      throw new Error(
        `${this.name} failed: ${[said, ...this.errorsPrinted()].filter(Boolean).join('; ') || 'no reason given'}`,
      );
    }
  }

  /** Error lines the library printed during the current call. */
  errorsPrinted(): string[] {
    return this.printed.filter(
      (l) => /error|fail|invalid|corrupt|unsupported|too short|not/i.test(l) && !/^\[INFO\]/.test(l),
    );
  }
}

/** A WebAssembly trap (out-of-bounds access, abort): the module's state can no longer be trusted. */
export function isWasmTrap(e: unknown): boolean {
  return e instanceof Error && e.name === 'RuntimeError';
}

/** Copies the decoded bytes out of wasm memory and frees the decoder. */
export function takeDecoded(decoder: EmscriptenDecoder): Uint8Array {
  const view = decoder.getDecodedBuffer();
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength).slice();
}

/**
 * The decode call every cornerstone codec shares: copy the codestream in, decode, read the frame out,
 * always free the decoder (wasm memory is not garbage collected).
 */
export function decodeWith<M extends EmscriptenModule, D extends EmscriptenDecoder & { decode(): void }>(
  codec: EmscriptenCodec<M>,
  create: (m: M) => D,
  data: Uint8Array,
): Promise<DecodedFrame> {
  return codec.run((m) => {
    const decoder = create(m);
    try {
      decoder.getEncodedBuffer(data.length).set(data);
      decoder.decode();
      const info = decoder.getFrameInfo();
      return {
        bytes: takeDecoded(decoder),
        bytesPerSample: info.bitsPerSample > 8 ? 2 : 1,
        columns: info.width,
        rows: info.height,
        components: info.componentCount,
      };
    } finally {
      decoder.delete();
    }
  });
}
