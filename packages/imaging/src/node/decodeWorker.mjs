// Worker entry: the package is TypeScript source, so register tsx in this thread before loading the
// real worker (module hooks registered in the parent are not guaranteed to reach worker threads).
import { register } from 'tsx/esm/api';

register();
await import('./decodeWorker.ts');
