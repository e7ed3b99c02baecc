import { describe, expect, it } from 'vitest';
import { answered, answerForKey, readSchema, type Question } from './LabelingPage';
import { judgeKind, label } from './JudgesPage';

describe('labeling schema', () => {
  it('keeps well-formed questions and drops the rest', () => {
    const text = JSON.stringify([{ name: 'tone', kind: 'yes_no' }, { name: '', kind: 'yes_no' }, { name: 'x', kind: 'essay' }, { name: 'grade', kind: 'labels', labels: ['a', 'b'] }]);
    expect(readSchema(text).map((q) => q.name)).toEqual(['tone', 'grade']);
    expect(readSchema('not json')).toEqual([]);
    expect(readSchema(undefined)).toEqual([]);
  });

  it('maps keys to answers by question kind', () => {
    const yesNo: Question = { name: 'tone', kind: 'yes_no' };
    const labels: Question = { name: 'grade', kind: 'labels', labels: ['good', 'ok', 'bad'] };
    const number: Question = { name: 'stars', kind: 'number' };
    expect(answerForKey(yesNo, 'y')).toBe(true);
    expect(answerForKey(yesNo, 'n')).toBe(false);
    expect(answerForKey(yesNo, '1')).toBeUndefined();
    expect(answerForKey(labels, '2')).toBe('ok');
    expect(answerForKey(labels, '4')).toBeUndefined();
    expect(answerForKey(number, '5')).toBe(5);
    expect(answerForKey(number, '0')).toBeUndefined();
  });

  it('counts only valid human feedback of the question as answered', () => {
    const q: Question = { name: 'tone', kind: 'yes_no' };
    const human = { assessment_id: 'a', assessment_name: 'tone', source: { source_type: 'HUMAN' }, feedback: { value: true } };
    const base = { trace_id: 't', request_time: '', state: 'OK' };
    expect(answered({ ...base, assessments: [human] }, q)).toBe(true);
    expect(answered({ ...base, assessments: [{ ...human, valid: false }] }, q)).toBe(false);
    expect(answered({ ...base, assessments: [{ ...human, source: { source_type: 'LLM_JUDGE' } }] }, q)).toBe(false);
    expect(answered({ ...base, assessments: [{ ...human, assessment_name: 'other' }] }, q)).toBe(false);
  });
});

describe('judges', () => {
  it('names the kind of a serialized scorer', () => {
    expect(judgeKind('{"memory_augmented_judge_data": {}}')).toBe('aligned (MemAlign)');
    expect(judgeKind('{"instructions_judge_pydantic_data": {}}')).toBe('custom judge');
    expect(judgeKind('{"builtin_scorer_class": "Safety"}')).toBe('built-in Safety');
    expect(judgeKind('{"call_source": "def f(): pass"}')).toBe('Python code');
  });

  it('folds the yes/no family of labels as alignment does', () => {
    expect(label(true)).toBe('yes');
    expect(label('PASS')).toBe('yes');
    expect(label(false)).toBe('no');
    expect(label(' No ')).toBe('no');
    expect(label(4)).toBe('4');
  });
});

describe('prompt optimization', async () => {
  const { promptVersion } = await import('./OptimizationPage');
  it('reads the name and version of an optimized prompt', () => {
    expect(promptVersion('prompts:/greet/2')).toEqual(['greet', '2']);
    expect(promptVersion('prompts:/team/greet/12')).toEqual(['team/greet', '12']);
    expect(promptVersion('prompts:/greet@prod')).toBeUndefined();
    expect(promptVersion(undefined)).toBeUndefined();
  });
});
