// Minimal typing for the parts of dcmjs (no bundled types) this package uses.
declare module 'dcmjs' {
  interface DicomElement {
    vr: string;
    Value?: unknown[];
    InlineBinary?: string;
    _rawValue?: unknown;
  }
  type DicomDataset = Record<string, DicomElement>;
  interface DicomDict {
    meta: DicomDataset;
    dict: DicomDataset;
    write(options?: Record<string, unknown>): ArrayBuffer;
  }
  const data: {
    DicomMessage: { readFile(buffer: ArrayBuffer, options?: Record<string, unknown>): DicomDict };
    DicomDict: new (meta: DicomDataset) => DicomDict;
    DicomMetaDictionary: {
      dictionary: Record<string, { tag: string; vr: string; vm: string; name: string }>;
      naturalizeDataset(d: DicomDataset): Record<string, unknown>;
      denaturalizeDataset(d: Record<string, unknown>): DicomDataset;
      nameMap: Record<string, { tag: string; vr: string; name: string }>;
    };
  };
  const dcmjs: { data: typeof data };
  export default dcmjs;
  export { data };
  export type { DicomDict, DicomDataset, DicomElement };
}
