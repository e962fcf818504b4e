/** `redis-kit config`: the effective configuration, redacted, with the source of each value. */

import { explainConfig } from '../../config/explain-config.js';
import type { RedisKitOptions } from '../../config/options.js';
import { parseFlags, text } from '../args.js';
import { USAGE } from '../usage.js';
import type { CommandContext } from './context.js';

function show(value: unknown): string {
  if (value === undefined) return '(unset)';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

export async function configCommand(argv: string[], { env, io }: CommandContext): Promise<number> {
  const flags = parseFlags('config', argv, { json: { type: 'boolean' }, url: { type: 'string' } });
  if (flags.help === true) {
    io.out(USAGE.config);
    return 0;
  }
  const url = text(flags, 'url');
  const overrides: RedisKitOptions = url === undefined ? {} : { url };
  const rows = explainConfig(env, overrides);
  if (flags.json === true) {
    io.out(JSON.stringify({ options: rows }, null, 2));
    return 0;
  }
  const header = { option: 'option', env: 'variable', value: 'value', source: 'source' };
  const table = [header, ...rows.map((row) => ({ option: row.option, env: row.env, value: show(row.value), source: row.source }))];
  const width = (key: keyof typeof header) => Math.max(...table.map((row) => row[key].length));
  const [wo, we, wv] = [width('option'), width('env'), width('value')];
  for (const row of table) {
    io.out(`${row.option.padEnd(wo)}  ${row.env.padEnd(we)}  ${row.value.padEnd(wv)}  ${row.source}`);
  }
  return 0;
}
