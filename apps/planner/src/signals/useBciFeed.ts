/**
 * The operator screen's BCI feed: the latest /bci/summary (RobotClient's typed `bciSummary` subscription) and
 * snippets asked for through /bci/request_snippet (the service answers with the snippet the node also publishes
 * on /bci/snippets), from the robot store's client. Follows the client across connect/disconnect.
 */
import { robotClient, useRobot } from '../intraop/robotStore.ts';
import { useBciFeedFrom, type BciFeed, type BciFeedOptions } from './bciFeed.ts';

export function useBciFeed(options: BciFeedOptions = {}): BciFeed {
  // The store's client exists once connect() was called and is dropped on disconnect(): re-read it then.
  useRobot((s) => s.connection);
  return useBciFeedFrom(robotClient(), options);
}
