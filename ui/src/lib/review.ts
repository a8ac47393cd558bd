// Typed access to the review (granskning) commands. Shapes are camelCase as the shell sends
// them (crates/varna-core/src/review/mod.rs); every rule is enforced in the core.
import { guard } from './api';
import { commands } from './contract';

// The shapes are generated from Rust (./contract.ts, `make contract`).
export type {
  Decision,
  QueueItem,
  ReviewComment,
  ReviewDoc,
  ReviewEvent,
  ReviewEventKind,
  ReviewQueue,
  ReviewState,
  ReviewStatus,
} from './contract';
import type { Decision, QueueList } from './contract';

export const reviewQueue = () => guard(commands.reviewQueue());
/** The page of `list` after the cursor `after` (the previous page's `next`). */
export const reviewQueuePage = (list: QueueList, after: string) => guard(commands.reviewQueuePage(list, { after }));
export const reviewGet = (id: string) => guard(commands.reviewGet(id));
export const reviewState = (id: string) => guard(commands.reviewState(id));
export const reviewComment = (id: string, answerKey: string | null, text: string) =>
  guard(commands.reviewComment(id, answerKey, text));
export const reviewDecide = (id: string, decision: Decision, reason: string | null) =>
  guard(commands.reviewDecide(id, decision, reason));
export const reviewResubmit = (id: string) => guard(commands.reviewResubmit(id));
