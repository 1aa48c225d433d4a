// Long tasks with the phases they overlapped, shared by the bench modules (bench/compare.mjs, bench/trace.mjs).

/**
 * The long tasks (> 50 ms) since `since` (performance.now()), each with the phases it overlaps
 * and for how long: the page brackets the phases that are not sliced with User Timing marks
 * `slabscope:NAME:start` / `:end` (web/src/state/trace.rs and state/compare.rs `mark`); several
 * stretches of one phase inside a task are summed; a task that overlaps none is in sliced work or
 * in the render after a dispatch ("other"). Reads `window.__bench.longtasks` ([start, duration]).
 */
export const longTaskSources = (page, since) => page.evaluate((since) => {
  const marks = performance.getEntriesByType('mark').filter((m) => m.name.startsWith('slabscope:') && m.startTime >= since);
  const phases = [];
  for (const m of marks) {
    const [, name, edge] = m.name.split(':');
    if (edge === 'start') phases.push({ name, start: m.startTime, end: Infinity });
    else { const p = phases.findLast((q) => q.name === name && q.end === Infinity); if (p) p.end = m.startTime; }
  }
  return window.__bench.longtasks.filter(([s, d]) => s >= since && d > 50).map(([s, d]) => {
    const overlapping = phases.filter((p) => p.start < s + d && p.end > s);
    const inside = [...new Set(overlapping.map((p) => p.name))].map((n) => `${n} ${Math.round(overlapping
      .filter((p) => p.name === n).reduce((a, p) => a + Math.min(p.end, s + d) - Math.max(p.start, s), 0))}`);
    return `${Math.round(d)} ms: ${inside.length ? inside.join(', ') : 'other'}`;
  });
}, since);
