// The interview's controller on its own: no page, fake commands, a fake focus.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AppError } from '../../../lib/api';
import { flushAll } from '../../../lib/flush';
import type { AnswerValue, Evaluation, Saved, ScreeningDoc } from '../../../lib/screening';
import { deferred, draft, evaluation, scenario } from '../test/fixtures';
import { InterviewController, type FocusPort, type InterviewCommands } from './controller.svelte';

const yes: AnswerValue = { type: 'yes_no', value: true };
const no: AnswerValue = { type: 'yes_no', value: false };
const saved = (ev: Evaluation = evaluation(), position: string | null = null): Saved => ({
  savedAt: '2025-03-01T10:00:00Z', evaluation: ev, position,
});

/** Every command call, in the order the core received them. */
let log: string[];

function setup(over: Partial<InterviewCommands> = {}, doc: ScreeningDoc = draft()) {
  const impl: InterviewCommands = {
    answerSave: async (_id, key, value) => {
      log.push(`answer ${key} ${JSON.stringify(value)}`);
      return saved();
    },
    noteSave: async (_id, key) => {
      log.push(`note ${key}`);
      return saved();
    },
    positionSave: async (_id, key) => {
      log.push(`position ${key}`);
      return null;
    },
    screeningDiscard: async () => null,
    ...over,
  };
  const commands = {
    answerSave: vi.fn(impl.answerSave),
    noteSave: vi.fn(impl.noteSave),
    positionSave: vi.fn(impl.positionSave),
    screeningDiscard: vi.fn(impl.screeningDiscard),
  };
  const focus = {
    inside: false,
    end: 0,
    // As a page does: the focus arriving in a group tells the controller.
    focus: vi.fn(async (key: string) => {
      iv.focusedOn(key);
      return true;
    }),
  };
  const port: FocusPort = {
    focus: focus.focus,
    focusEnd: () => void (focus.end += 1),
    focusInside: () => focus.inside,
  };
  const iv: InterviewController = new InterviewController(() => doc, port, { commands });
  return { iv, doc, commands, focus };
}

/** Lets the promise chains of the queue run (no timers). */
const settle = () => vi.advanceTimersByTimeAsync(0);

beforeEach(() => {
  log = [];
  vi.useFakeTimers();
});
afterEach(() => vi.useRealTimers());

describe('the save queue', () => {
  it('sends answers in the order given, each after the previous one returned; the last evaluation wins', async () => {
    const first = deferred<Saved>();
    const later = scenario('hot_no').evaluation;
    const { iv, doc, commands } = setup({
      answerSave: async (_id, key, value) => {
        log.push(`answer ${key} ${JSON.stringify(value)}`);
        return log.length === 1 ? first.promise : saved(later);
      },
    });
    iv.answer('hot', yes);
    iv.answer('hot', no);
    await settle();
    expect(commands.answerSave).toHaveBeenCalledTimes(1);
    expect(iv.saver.state).toBe('saving');
    expect(doc.answers.hot).toEqual(no);
    first.resolve(saved(scenario('hot_yes').evaluation));
    await settle();
    expect(log).toEqual([`answer hot ${JSON.stringify(yes)}`, `answer hot ${JSON.stringify(no)}`]);
    expect(doc.evaluation).toEqual(later);
    expect(iv.saver.state).toBe('saved');
  });

  it('does not send an answer that is already stored', async () => {
    const { iv, commands } = setup({}, draft({ answers: { hot: yes } }));
    iv.answer('hot', yes);
    await settle();
    expect(commands.answerSave).not.toHaveBeenCalled();
  });

  it('shows a failed save, puts a refused answer back, and sends again on retry', async () => {
    let fail = true;
    const { iv, doc, commands } = setup({
      answerSave: async (_id, key) => {
        log.push(`answer ${key}`);
        if (fail) throw new AppError('io', 'disk full');
        return saved();
      },
    });
    // a typed answer stays shown when its save fails
    iv.text('anteckning', { type: 'text', value: 'Skrivet' });
    expect(iv.saver.state).toBe('saving');
    await vi.advanceTimersByTimeAsync(500);
    expect(commands.answerSave).toHaveBeenCalledTimes(1);
    expect(iv.saver.state).toBe('error');
    expect(iv.saver.error?.code).toBe('io');
    expect(doc.answers.anteckning).toEqual({ type: 'text', value: 'Skrivet' });
    // a one-key answer the core refused is put back to what is stored
    iv.answer('hot', yes);
    await settle();
    expect(doc.answers.hot).toBeUndefined();
    expect(iv.saver.state).toBe('error');

    fail = false;
    iv.retryAll();
    await settle();
    expect(commands.answerSave.mock.calls.slice(2).map((c) => [c[1], c[2]])).toEqual([
      ['anteckning', { type: 'text', value: 'Skrivet' }],
      ['hot', null],
    ]);
    expect(iv.saver.state).toBe('saved');
    expect(iv.saver.error).toBeNull();
  });

  it('debounces typed input and notes, and flushes them on lock', async () => {
    const { iv, commands } = setup();
    iv.text('anteckning', { type: 'text', value: 'F' });
    iv.text('anteckning', { type: 'text', value: 'Fö' });
    iv.note('hot', 'Sagt i dörren');
    await vi.advanceTimersByTimeAsync(200);
    expect(commands.answerSave).not.toHaveBeenCalled();
    expect(commands.noteSave).not.toHaveBeenCalled();
    await flushAll();
    expect(commands.answerSave.mock.calls.map((c) => [c[1], c[2]])).toEqual([
      ['anteckning', { type: 'text', value: 'Fö' }],
    ]);
    expect(commands.noteSave.mock.calls.map((c) => [c[1], c[2]])).toEqual([['hot', 'Sagt i dörren']]);
  });

  it('an answer replaces typed input of the same key that has not been sent', async () => {
    const { iv, commands } = setup();
    iv.text('anteckning', { type: 'text', value: 'utkast' });
    iv.answer('anteckning', null);
    await vi.advanceTimersByTimeAsync(1000);
    expect(commands.answerSave.mock.calls.map((c) => [c[1], c[2]])).toEqual([['anteckning', null]]);
  });
});

describe('the position', () => {
  it('saves pure navigation debounced: one save of where the focus settled', async () => {
    const { iv, commands } = setup();
    iv.focusedOn('hot');
    await vi.advanceTimersByTimeAsync(100);
    iv.focusedOn('nar');
    await vi.advanceTimersByTimeAsync(100);
    iv.focusedOn('faktor#nu');
    await vi.advanceTimersByTimeAsync(250);
    expect(commands.positionSave).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(100);
    expect(commands.positionSave.mock.calls.map((c) => c[1])).toEqual(['faktor#nu']);
  });

  it('after an answer the position is the core\'s (`Saved.position`): the focus save before it is dropped', async () => {
    const { iv, commands } = setup({
      answerSave: async (_id, key) => {
        log.push(`answer ${key}`);
        return saved(evaluation(), 'nar');
      },
    });
    iv.focusedOn('hot');
    iv.answer('hot', yes);
    await vi.advanceTimersByTimeAsync(1000);
    expect(log).toEqual(['answer hot']);
    expect(commands.positionSave).not.toHaveBeenCalled();
    // navigating on is saved again
    iv.focusedOn('nar');
    await vi.advanceTimersByTimeAsync(1000);
    expect(log).toEqual(['answer hot', 'position nar']);
  });

  it('an answer that does not decide the position (none in `Saved`) leaves the focus save, after it', async () => {
    const { iv } = setup();
    iv.focusedOn('hot');
    iv.answer('hot', yes);
    await vi.advanceTimersByTimeAsync(1000);
    expect(log).toEqual([`answer hot ${JSON.stringify(yes)}`, 'position hot']);
  });

  it('a navigation save waits for the answers before it, and an answer for the position save in flight', async () => {
    const answer = deferred<Saved>();
    const position = deferred<null>();
    const { iv, commands } = setup({
      answerSave: async (_id, key) => {
        log.push(`answer ${key}`);
        return log.length === 1 ? answer.promise : saved();
      },
      positionSave: async (_id, key) => {
        log.push(`position ${key}`);
        return position.promise;
      },
    });
    iv.answer('nar', { type: 'choice', value: 'nu' });
    iv.focusedOn('faktor#nu');
    await vi.advanceTimersByTimeAsync(1000);
    expect(log).toEqual(['answer nar']);
    answer.resolve(saved());
    await settle();
    expect(log).toEqual(['answer nar', 'position faktor#nu']);
    iv.answer('hot', yes);
    await settle();
    expect(commands.answerSave).toHaveBeenCalledTimes(1);
    position.resolve(null);
    await settle();
    expect(log).toEqual(['answer nar', 'position faktor#nu', 'answer hot']);
  });
});

describe('focus and keys', () => {
  it('opens on the stored position when it is shown, else on the first shown key', async () => {
    let { iv } = setup();
    iv.start('foljd'); // hidden
    await settle();
    expect(iv.focusedKey).toBe('hot');
    ({ iv } = setup());
    iv.start('nar');
    await settle();
    expect(iv.focusedKey).toBe('nar');
  });

  it('Enter and arrows move over the shown keys in the core\'s order; past the last, the summary', async () => {
    const { iv, focus } = setup();
    iv.start(null);
    await settle();
    expect(iv.handleKey({ key: 'Enter' }, { key: 'hot' })).toBe(true);
    await settle();
    expect(iv.focusedKey).toBe('nar'); // `foljd` is hidden
    iv.handleKey({ key: 'ArrowDown' }, { key: 'nar' });
    await settle();
    expect(iv.focusedKey).toBe('faktor#nu');
    iv.handleKey({ key: 'ArrowUp' }, { key: 'faktor#nu' });
    await settle();
    expect(iv.focusedKey).toBe('nar');
    iv.handleKey({ key: 'ArrowDown' }, { key: 'steg' });
    expect(focus.end).toBe(1);
  });

  it('answers with the key map on the focused item, and Enter on an option chooses it first', async () => {
    const { iv, doc, commands } = setup();
    expect(iv.handleKey({ key: 'j' }, { key: 'hot' })).toBe(true);
    expect(doc.answers.hot).toEqual(yes);
    expect(iv.handleKey({ key: 'j', ctrlKey: true }, { key: 'hot' })).toBe(false);
    expect(iv.handleKey({ key: 'x' }, { key: 'hot' })).toBe(false);
    expect(iv.handleKey({ key: '2' }, { key: 'nar' })).toBe(true);
    expect(iv.handleKey({ key: '?' }, { key: 'faktor#tidigare' })).toBe(true);
    const click = vi.fn(() => iv.answer('hot', no));
    expect(iv.handleKey({ key: 'Enter' }, { key: 'hot', button: 'option', click })).toBe(true);
    expect(click).toHaveBeenCalledOnce();
    expect(iv.handleKey({ key: 'Enter' }, { key: 'steg', button: 'plain' })).toBe(false);
    await settle();
    expect(commands.answerSave.mock.calls.map((c) => [c[1], c[2]])).toEqual([
      ['hot', yes],
      ['nar', { type: 'choice', value: 'tidigare' }],
      ['faktor#tidigare', { type: 'choice', value: 'mojligen' }],
      ['hot', no],
    ]);
  });

  it('never answers from a text field; Enter in a one-line field saves it and goes on', async () => {
    const { iv, commands } = setup();
    expect(iv.handleKey({ key: 'j' }, { key: 'hot', text: 'area' })).toBe(false);
    expect(iv.handleKey({ key: 'Enter' }, { key: 'anteckning', text: 'area' })).toBe(false);
    iv.text('anteckning', { type: 'text', value: 'Klart' });
    expect(iv.handleKey({ key: 'Enter', ctrlKey: true }, { key: 'anteckning', text: 'area' })).toBe(true);
    await settle();
    expect(commands.answerSave.mock.calls.map((c) => c[1])).toEqual(['anteckning']);
    expect(iv.focusedKey).toBe('steg');
  });

  it('two quick digits make one scale value; one digit alone is saved after a pause', async () => {
    const { iv, commands } = setup();
    iv.handleKey({ key: '1' }, { key: 'sakerhet@worker' });
    iv.handleKey({ key: '0' }, { key: 'sakerhet@worker' });
    await vi.advanceTimersByTimeAsync(1000);
    iv.handleKey({ key: '1' }, { key: 'sakerhet@worker' });
    await vi.advanceTimersByTimeAsync(500);
    expect(commands.answerSave).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(500);
    expect(commands.answerSave.mock.calls.map((c) => c[2])).toEqual([
      { type: 'integer', value: 10 },
      { type: 'integer', value: 1 },
    ]);
  });

  it('goes on when an answer hides the focused item, unless the focus is elsewhere in the page', async () => {
    const hidden = scenario('hot_no').evaluation;
    const { iv } = setup({ answerSave: async () => saved(hidden) }, draft(scenario('hot_yes')));
    await iv.focus('foljd');
    iv.answer('hot', no);
    await settle();
    expect(iv.focusedKey).toBe('nar');
  });

  it('keeps the focus where it is when it is still inside the page', async () => {
    const hidden = scenario('hot_no').evaluation;
    const { iv, focus } = setup({ answerSave: async () => saved(hidden) }, draft(scenario('hot_yes')));
    await iv.focus('foljd');
    focus.inside = true;
    iv.answer('hot', no);
    await settle();
    expect(iv.focusedKey).toBe('foljd');
  });
});

describe('closing', () => {
  it('discards only after the saves in flight, and then saves nothing more', async () => {
    const answer = deferred<Saved>();
    const { iv, commands } = setup({ answerSave: async () => answer.promise });
    iv.answer('hot', yes);
    iv.note('hot', 'osparad');
    const discarded = iv.discard();
    await settle();
    expect(commands.screeningDiscard).not.toHaveBeenCalled();
    answer.resolve(saved());
    await discarded;
    expect(commands.screeningDiscard).toHaveBeenCalledOnce();
    iv.dispose();
    await vi.advanceTimersByTimeAsync(1000);
    expect(commands.noteSave).not.toHaveBeenCalled();
  });

  it('saves typed input when the interview closes', async () => {
    const { iv, commands } = setup();
    iv.note('hot', 'sista');
    iv.dispose();
    await settle();
    expect(commands.noteSave.mock.calls.map((c) => [c[1], c[2]])).toEqual([['hot', 'sista']]);
  });
});
