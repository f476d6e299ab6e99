/** Prints the rules table for the README: `npx tsx scripts/rules-table.ts`. */
import { RULES } from '../src/checks/index.js';

console.log('| Rule | Default | What it checks |');
console.log('| --- | --- | --- |');
for (const r of RULES) {
  console.log(`| \`${r.id}\` | ${r.defaultSeverity} | ${r.description.replace(/\|/g, '\\|')} |`);
}
