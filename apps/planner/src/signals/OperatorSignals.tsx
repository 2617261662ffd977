/**
 * The signals panel as the operator screen mounts it: fed by the robot store's client (useBciFeed), with the
 * channel selection kept here.
 */
import { useState } from 'react';
import { SignalsPanel } from './SignalsPanel.tsx';
import { useBciFeed } from './useBciFeed.ts';

export function OperatorSignals() {
  const feed = useBciFeed();
  const [selected, setSelected] = useState<number[]>([]);
  return (
    <aside className="op-signals" data-testid="operator-signals">
      <SignalsPanel
        summary={feed.summary}
        snippet={feed.snippet}
        selected={selected}
        onSelect={setSelected}
        onRequestSnippet={feed.requestSnippet}
      />
      {feed.snippetError && (
        <p className="signals-error" data-testid="signals-snippet-error">
          Snippet: {feed.snippetError}
        </p>
      )}
    </aside>
  );
}
