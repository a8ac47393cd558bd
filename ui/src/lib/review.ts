// Typed access to the review (granskning) commands. Shapes are camelCase as the shell sends
// them (crates/varna-core/src/review/mod.rs); every rule is enforced in the core.
import { call } from './api';
import type { ScreeningDoc, Text } from './screening';

export type ReviewStatus = 'awaiting_review' | 'returned' | 'approved';
export type Decision = 'approve' | 'return';
export type ReviewEventKind = 'completed' | 'commented' | 'returned' | 'resubmitted' | 'approved';

export interface ReviewComment {
  id: string;
  authorName: string;
  createdAt: string;
  /** An item id or answer key; null: on the whole screening. */
  answerKey: string | null;
  text: string;
}

export interface ReviewEvent {
  kind: ReviewEventKind;
  actorName: string;
  at: string;
  reason: string | null;
}

export interface ReviewState {
  screeningId: string;
  status: ReviewStatus;
  round: number;
  submittedAt: string;
  comments: ReviewComment[];
  history: ReviewEvent[];
  canComment: boolean;
  canDecide: boolean;
  canResubmit: boolean;
  answeredSinceReturn: boolean;
}

export interface ReviewDoc {
  screening: ScreeningDoc;
  review: ReviewState;
}

export interface QueueItem {
  screeningId: string;
  instrumentId: string;
  instrumentVersion: string;
  instrumentTitle: Text;
  unitCode: string;
  authorName: string;
  conductedOn: string;
  completedAt: string;
  submittedAt: string;
  status: ReviewStatus;
  round: number;
}

export interface ReviewQueue {
  awaiting: QueueItem[];
  returned: QueueItem[];
}

export const reviewQueue = () => call<ReviewQueue>('review_queue');
export const reviewGet = (id: string) => call<ReviewDoc>('review_get', { id });
export const reviewState = (id: string) => call<ReviewState>('review_state', { id });
export const reviewComment = (id: string, answerKey: string | null, text: string) =>
  call<ReviewComment>('review_comment', { id, answerKey, text });
export const reviewDecide = (id: string, decision: Decision, reason: string | null) =>
  call<ReviewState>('review_decide', { id, decision, reason });
export const reviewResubmit = (id: string) => call<ReviewState>('review_resubmit', { id });
