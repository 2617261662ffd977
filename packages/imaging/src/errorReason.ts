/** Error text for LoadError (browser-safe, and small: the decode workers load it too). */

/** The reason of an error without the leading "<file>: " (LoadError names the file separately). */
export function reasonOf(e: unknown, file: string): string {
  const text = e instanceof Error ? e.message : String(e);
  return text.startsWith(file) ? text.slice(file.length).replace(/^:\s*/, '') || text : text;
}
