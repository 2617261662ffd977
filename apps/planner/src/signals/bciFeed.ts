/**
 * The latest /bci/summary and snippet, in a small zustand store of their own: the signals panel shows them and
 * the 3D view paints the planned contacts with the summary's verdicts. This module imports no ROS client (only
 * its types), so the 3D view's chunk does not pull roslib in; `useBciFeedFrom` feeds the store from any client
 * with RobotClient's `subscribe('bciSummary', …)` and `callService(…)`.
 * The store is on `globalThis.__neuroplanBci` for the end-to-end tests (and the console).
 */
import { useCallback, useEffect } from 'react';
import { create } from 'zustand';
import type { BciSnippet, BciSummary, RequestBciSnippetResponse } from '@neuroplan/ros-messages';

/** /bci/request_snippet (neuroplan_interfaces/srv/RequestBciSnippet). */
export const REQUEST_BCI_SNIPPET_SERVICE = '/bci/request_snippet';

/** What the feed needs of a robot client (RobotClient fits). */
export interface BciFeedClient {
  subscribe(key: 'bciSummary', cb: (msg: BciSummary) => void, options?: { throttleMs?: number }): () => void;
  callService<Res>(name: string, args: unknown, timeoutMs?: number): Promise<Res>;
}

export interface BciFeedState {
  summary: BciSummary | null;
  snippet: BciSnippet | null;
  /** Why the last snippet request failed, in words (null when it succeeded). */
  snippetError: string | null;
  setSummary(summary: BciSummary | null): void;
  setSnippet(snippet: BciSnippet | null, error?: string | null): void;
}

export const useBciStore = create<BciFeedState>()((set) => ({
  summary: null,
  snippet: null,
  snippetError: null,
  setSummary: (summary) => set({ summary }),
  setSnippet: (snippet, error = null) => set({ snippet, snippetError: error }),
}));

(globalThis as { __neuroplanBci?: typeof useBciStore }).__neuroplanBci = useBciStore;

export interface BciFeedOptions {
  /** Snippet length asked for, s (default 0.5). */
  snippetDurationS?: number;
  /** Summaries at most this often, ms (rosbridge throttle_rate; default 200: 5 Hz of the 10 Hz topic). */
  summaryThrottleMs?: number;
}

export interface BciFeed {
  summary: BciSummary | null;
  snippet: BciSnippet | null;
  snippetError: string | null;
  /** Asks the BCI node for the raw µV of `channels` (the answer replaces `snippet`). */
  requestSnippet(channels: number[]): void;
}

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** Feeds the BCI store from `client` while mounted (null: nothing to feed from; the last values stay). */
export function useBciFeedFrom(client: BciFeedClient | null, options: BciFeedOptions = {}): BciFeed {
  const { snippetDurationS = 0.5, summaryThrottleMs = 200 } = options;
  const summary = useBciStore((s) => s.summary);
  const snippet = useBciStore((s) => s.snippet);
  const snippetError = useBciStore((s) => s.snippetError);

  useEffect(() => {
    if (!client) return;
    return client.subscribe('bciSummary', (m) => useBciStore.getState().setSummary(m), {
      throttleMs: summaryThrottleMs,
    });
  }, [client, summaryThrottleMs]);

  const requestSnippet = useCallback(
    (channels: number[]) => {
      if (!client || channels.length === 0) return;
      client
        .callService<RequestBciSnippetResponse>(REQUEST_BCI_SNIPPET_SERVICE, {
          channels,
          duration_s: snippetDurationS,
        })
        .then(
          (r) => {
            if (r.success) useBciStore.getState().setSnippet(r.snippet);
            else useBciStore.getState().setSnippet(useBciStore.getState().snippet, r.reason);
          },
          (e: unknown) => useBciStore.getState().setSnippet(useBciStore.getState().snippet, message(e)),
        );
    },
    [client, snippetDurationS],
  );

  return { summary, snippet, snippetError, requestSnippet };
}
