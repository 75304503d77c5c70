import { levelLabel, type ModelLevel, X86LevelSchema } from '../../model';
import { wrap } from './probeSummary';

/**
 * The level each model reaches on the host, grouped by level, highest
 * first; a model the host cannot run as defined is marked (its blockers
 * are listed under "Not usable").
 */
export function renderModelLevels(levels: readonly ModelLevel[]): string {
  const out = ['x86-64 level each concrete model reaches on this host (its definition, less what the host cannot give it; * not usable as defined):'];
  for (const level of [...[...X86LevelSchema.options].reverse(), null]) {
    const models = levels.filter((m) => m.level === level);
    if (models.length === 0) continue;
    const names = models.map((m) => (m.usable ? m.model : `${m.model}*`));
    out.push(`  ${levelLabel(level)}:`, ...wrap(names, '    '));
  }
  return out.join('\n') + '\n';
}
