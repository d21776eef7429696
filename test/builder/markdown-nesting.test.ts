import { describe, expect, it } from 'vitest';
import { analyzeMarkdown, MAX_NESTING, deepestNesting } from '../../index-builder/src/parse/markdown.js';

const limits = { maxFrontmatterBytes: 16384, maxFrontmatterNodes: 2000 };

describe('markdown nesting bomb', () => {
  it('refuses 200-deep nested lists before parsing them, naming the line', () => {
    const deep = Array.from({ length: 200 }, (_, i) => `${'  '.repeat(i)}- item ${i}`).join('\n');
    const { problems } = analyzeMarkdown(`---\ntitle: x\n---\n# Deep\n\n${deep}\n`, 'lib/README.md', limits);
    expect(problems).toHaveLength(1);
    expect(problems[0]?.code).toBe('MDL_MARKDOWN_INVALID');
    expect(problems[0]?.message).toBe(`markdown nests 200 levels deep (lists, quotes, indentation); the limit is ${MAX_NESTING}`);
    expect(problems[0]?.line).toBe(5 + 200);
  });

  it('refuses deeply nested block quotes on one line', () => {
    const { problems } = analyzeMarkdown(`# Q\n\n${'> '.repeat(100)}boom\n`, 'lib/README.md', limits);
    expect(problems.map((p) => [p.code, p.line])).toEqual([['MDL_MARKDOWN_INVALID', 3]]);
  });

  it('accepts ordinary nesting, code blocks and tables', () => {
    const text = '# Guide\n\n- a\n  - b\n    - c\n      > quote\n\n```yaml\nkey:\n  nested:\n    deeper: 1\n```\n\n| a | b |\n|---|---|\n| [x](README.md) | 2 |\n';
    expect(deepestNesting(text).depth).toBeLessThan(10);
    const { problems, info } = analyzeMarkdown(text, 'lib/README.md', limits);
    expect(problems).toEqual([]);
    expect(info.links.map((l) => l.url)).toEqual(['README.md']);
  });
});
