import { describe, expect, it } from 'vitest';
import { outcomeLabel, pairByCase, verdictText, type Conversation } from './SimulationPage';

function conversation(index: number, outcome?: Conversation['outcome']): Conversation {
  return { case_index: index, session_id: `sim-${index}`, goal: `goal ${index}`, persona: 'p', finished: outcome !== undefined, outcome, turns: [], assessments: [] };
}

describe('simulation page helpers', () => {
  it('labels outcomes: running, failed, goal met, goal not met', () => {
    expect(outcomeLabel(conversation(0))).toEqual(['running', 'neutral']);
    expect(outcomeLabel(conversation(1, { goal_achieved: false, turns: 1, error: 'agent down' }))).toEqual(['failed', 'bad']);
    expect(outcomeLabel(conversation(2, { goal_achieved: true, turns: 2 }))).toEqual(['goal met', 'ok']);
    expect(outcomeLabel(conversation(3, { goal_achieved: false, turns: 10 }))).toEqual(['goal not met', 'bad']);
  });

  it('shows verdict values, numbers and errors', () => {
    expect(verdictText({ name: 'a', value: 'yes' })).toBe('yes');
    expect(verdictText({ name: 'a', value: 0.5 })).toBe('0.5');
    expect(verdictText({ name: 'a', error: 'timeout' })).toBe('error: timeout');
    expect(verdictText({ name: 'a' })).toBe('—');
  });

  it('pairs two simulations case by case, keeping cases only one of them ran', () => {
    const rows = pairByCase([conversation(0), conversation(2)], [conversation(1), conversation(2)]);
    expect(rows.map(([i, a, b]) => [i, a?.case_index, b?.case_index])).toEqual([
      [0, 0, undefined],
      [1, undefined, 1],
      [2, 2, 2],
    ]);
  });
});
