// The review area against a fake IPC: the queue, the read-only mapping view with comments and
// decisions, the factor table of a structured judgement, and the worker's status panel.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import * as core from '@tauri-apps/api/core';
import { setLang } from '../../lib/i18n.svelte';
import type { ReviewState } from '../../lib/review';
import { draft, routeInvoke, session, type GeneratedFixture } from '../work/test/fixtures';
import type { Session } from '../../lib/session';
import sos from '../work/test/generated/signs-of-safety-stil-1.0.0.json';
import patriark from '../work/test/generated/patriark-stil-1.0.0.json';
import ReviewWorkspace from './ReviewWorkspace.svelte';
import ReviewStatusPanel from './ReviewStatusPanel.svelte';

vi.mock('@tauri-apps/api/core', () => ({ invoke: vi.fn() }));
const SESSION: Session = session({ role: 'arbetsledare' });
const invoke = vi.mocked(core.invoke) as unknown as ReturnType<typeof vi.fn>;
const calls = (cmd: string) => invoke.mock.calls.filter((c) => c[0] === cmd).map((c) => c[1]);

beforeEach(() => {
  setLang('sv');
  invoke.mockReset();
});
afterEach(() => cleanup());

const map = sos as unknown as GeneratedFixture;

const mapping = () =>
  draft({
    id: 's1', status: 'completed', completedAt: '2025-03-01T10:00:00Z',
    definition: map.definition, keys: map.keys, instrumentId: map.definition.id,
    evaluation: { ...map.evaluation, complete: true, missingRequired: [] },
    answers: {
      tidigare_skada: { type: 'entries', value: [{ beskrivning: { type: 'text', value: 'Pappa slog mamma' } }] },
      'sakerhet@worker': { type: 'integer', value: 4 },
    },
  });

const state = (over: Partial<ReviewState> = {}): ReviewState => ({
  screeningId: 's1', status: 'awaiting_review', round: 1, submittedAt: '2025-03-01T10:00:00Z',
  comments: [], history: [{ kind: 'completed', actorName: 'Bo Berg', at: '2025-03-01T10:00:00Z', reason: null }],
  canComment: true, canDecide: true, canResubmit: false, answeredSinceReturn: false, ...over,
});

const item = {
  screeningId: 's1', instrumentId: 'signs-of-safety-stil', instrumentVersion: '1.0.0',
  instrumentTitle: map.definition.title, unitCode: 'IFO', authorName: 'Bo Berg', conductedOn: '2025-03-01',
  completedAt: '2025-03-01T10:00:00Z', submittedAt: '2025-03-01T10:00:00Z', status: 'awaiting_review', round: 1,
};

describe('ReviewWorkspace', () => {
  it('shows the first page of the queue with its count and appends the next with "Visa fler"', async () => {
    const page = (from: number, n: number) =>
      Array.from({ length: n }, (_, i) => ({ ...item, screeningId: `s${from + i}`, authorName: `Person ${from + i}` }));
    routeInvoke(invoke, {
      review_queue: () => ({
        awaiting: page(1, 50), returned: [], awaitingNext: 'c50', awaitingTotal: 10000, returnedTotal: 0,
      }),
      review_queue_page: (a) => (a?.page as { after: string }).after === 'c50'
        ? { items: page(51, 50), next: 'c100', total: 10000 }
        : { items: [], next: null, total: 10000 },
    });
    render(ReviewWorkspace, { props: { session: SESSION } });
    await screen.findAllByTestId('queue-item');
    expect(screen.getAllByTestId('queue-item')).toHaveLength(50);
    expect(screen.getByTestId('awaiting-more-count').textContent).toBe('Visar 50 av 10\u00a0000');
    expect(screen.queryByTestId('returned-more')).toBeNull();
    await fireEvent.click(screen.getByTestId('awaiting-more-button'));
    await waitFor(() => expect(screen.getAllByTestId('queue-item')).toHaveLength(100));
    expect(calls('review_queue_page')).toEqual([{ list: 'awaiting', page: { after: 'c50' } }]);
    // In the order the core sent them, the new rows after the old, and the focus on the
    // first new row's button.
    const ids = screen.getAllByTestId('queue-item').map((r) => r.dataset.id);
    expect(ids.slice(48, 52)).toEqual(['s49', 's50', 's51', 's52']);
    await waitFor(() => expect(document.activeElement).toBe(screen.getAllByTestId('queue-open')[50]));
    expect(screen.getByTestId('awaiting-more-count').textContent).toBe('Visar 100 av 10\u00a0000');
  });

  it('lists the queue and opens a mapping read-only in three columns with its scales', async () => {
    routeInvoke(invoke, {
      review_queue: () => ({ awaiting: [item], returned: [] }),
      review_get: () => ({ screening: mapping(), review: state() }),
    });
    render(ReviewWorkspace, { props: { session: SESSION } });
    const row = await screen.findByTestId('queue-item');
    expect(row.textContent).toContain('Bo Berg');
    expect(row.textContent).toContain('Väntar på granskning');
    await fireEvent.click(screen.getByTestId('queue-open'));
    await screen.findByTestId('review-view');
    expect(screen.getAllByTestId('mapping-column')).toHaveLength(3);
    expect(screen.getByTestId('scales').textContent).toContain('4');
    expect(screen.getByTestId('review-view').querySelectorAll('input')).toHaveLength(0);
  });

  it('comments on one answer and returns only with a reason', async () => {
    let st = state();
    routeInvoke(invoke, {
      review_queue: () => ({ awaiting: [item], returned: [] }),
      review_get: () => ({ screening: mapping(), review: st }),
      review_comment: (a) => {
        const c = { id: 'c1', authorName: 'Cia', createdAt: '2025-03-02T10:00:00Z', answerKey: (a as { answerKey: string }).answerKey, text: 'Varför 4?' };
        st = { ...st, comments: [c] };
        return c;
      },
      review_decide: () => {
        st = { ...st, status: 'returned', canDecide: false };
        return st;
      },
    });
    render(ReviewWorkspace, { props: { session: SESSION } });
    await fireEvent.click(await screen.findByTestId('queue-open'));
    await screen.findByTestId('review-view');
    const on = document.querySelector('[data-testid=comment-on][data-key="sakerhet@worker"]') as HTMLElement;
    await fireEvent.click(on);
    await fireEvent.input(screen.getByTestId('comment-text'), { target: { value: 'Varför 4?' } });
    await fireEvent.click(screen.getByTestId('comment-add'));
    await waitFor(() => expect(calls('review_comment')).toEqual([{ id: 's1', answerKey: 'sakerhet@worker', text: 'Varför 4?' }]));
    await screen.findByTestId('inline-comment');
    expect((screen.getByTestId('review-return') as HTMLButtonElement).disabled).toBe(true);
    await fireEvent.input(screen.getByTestId('return-reason'), { target: { value: 'Motivera' } });
    await fireEvent.click(screen.getByTestId('review-return'));
    await waitFor(() => expect(calls('review_decide')).toEqual([{ id: 's1', decision: 'return', reason: 'Motivera' }]));
    await screen.findByTestId('review-with-worker');
  });

  it('shows a structured judgement as a factor table', async () => {
    const p = patriark as unknown as GeneratedFixture;
    const doc = draft({ id: 's1', status: 'completed', definition: p.definition, keys: p.keys, evaluation: p.evaluation });
    routeInvoke(invoke, {
      review_queue: () => ({ awaiting: [item], returned: [] }),
      review_get: () => ({ screening: doc, review: state() }),
    });
    render(ReviewWorkspace, { props: { session: SESSION } });
    await fireEvent.click(await screen.findByTestId('queue-open'));
    await screen.findByTestId('review-view');
    expect(screen.getAllByTestId('factors').length).toBeGreaterThan(0);
    expect(screen.getAllByTestId('factor').length).toBeGreaterThan(5);
  });
});

describe('ReviewStatusPanel', () => {
  it('shows the comments of a return and resubmits only after an addendum', async () => {
    let st = state({
      status: 'returned', canComment: false, canDecide: false, canResubmit: true,
      comments: [{ id: 'c1', authorName: 'Cia', createdAt: '2025-03-02T10:00:00Z', answerKey: null, text: 'Komplettera' }],
      history: [...state().history, { kind: 'returned', actorName: 'Cia', at: '2025-03-02T10:00:00Z', reason: 'Motivera' }],
    });
    routeInvoke(invoke, {
      review_state: () => st,
      review_resubmit: () => ({ ...st, status: 'awaiting_review', canResubmit: false, round: 2 }),
    });
    const { rerender } = render(ReviewStatusPanel, { props: { doc: mapping() } });
    const panel = await screen.findByTestId('review-status-panel');
    expect(panel.textContent).toContain('Återlämnad');
    expect(panel.textContent).toContain('Komplettera');
    expect(panel.textContent).toContain('Motivera');
    expect((screen.getByTestId('review-resubmit') as HTMLButtonElement).disabled).toBe(true);
    st = { ...st, answeredSinceReturn: true };
    await rerender({ doc: { ...mapping(), addenda: [{ id: 'a1', authorName: 'Bo', createdAt: '2025-03-03T10:00:00Z', text: 'Svar' }] } });
    await waitFor(() => expect((screen.getByTestId('review-resubmit') as HTMLButtonElement).disabled).toBe(false));
    await fireEvent.click(screen.getByTestId('review-resubmit'));
    await waitFor(() => expect(screen.getByTestId('review-status-panel').dataset.status).toBe('awaiting_review'));
    expect(calls('review_resubmit')).toEqual([{ id: 's1' }]);
  });
});
